#pragma once
// Engine.IO v4 packets and payloads (the transport under Socket.IO,
// protocol revision 4 of engine.io-protocol). Pure functions on bytes: no
// sockets, no JSON library (the one JSON text here, the handshake, is made
// of a base64url sid and numbers). net/'s Engine.IO transports use it; the
// fuzz target tests/fuzz/engineio_fuzz.cpp drives the decoders.
//
// A packet is one type character and its data:
//   0 open   1 close   2 ping   3 pong   4 message   5 upgrade   6 noop
// Over WebSocket a text frame is one packet; a binary frame is one binary
// message (no type byte). Over HTTP long-polling a body is a payload: the
// packets joined by '\x1e', a binary message written as 'b' + base64.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::protocol::engineio {

enum class packet_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

/// The record separator between the packets of a polling payload.
inline constexpr char separator = '\x1e';

struct packet {
  packet_type type = packet_type::message;
  /// A binary message (only type message can be binary).
  bool binary = false;
  /// What follows the type character (for a binary message: the decoded
  /// bytes).
  std::string data;

  friend bool operator==(const packet& a, const packet& b) {
    return a.type == b.type && a.binary == b.binary && a.data == b.data;
  }
};

/// One text WebSocket frame as a packet; nullopt when it is empty or its
/// type character is not one of '0'..'6'. (Whether a type is allowed from
/// a client at that moment is the transport's business.)
std::optional<packet> decode_text(std::string_view frame);

/// A polling request body: every packet, or nullopt when the body is empty,
/// any packet is malformed (empty, unknown type, 'b' with bad base64), or
/// there are more than `max_packets`.
std::optional<std::vector<packet>> decode_payload(std::string_view body,
                                                  std::size_t max_packets = 1024);

/// Appends an encoded text packet (e.g. "4hello", "2") to a polling
/// response body, with the separator when the body is not empty.
void append_text(std::string& body, std::string_view text_packet);
/// Appends a binary message to a polling response body ('b' + base64).
void append_binary(std::string& body, std::string_view bytes);

/// The handshake's values.
struct handshake {
  std::string sid;
  bool can_upgrade = true; // upgrades: ["websocket"] or []
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds ping_timeout{20'000};
  std::size_t max_payload = 1'000'000;
};

/// The open packet: `0{"sid":"…","upgrades":[…],"pingInterval":…,
/// "pingTimeout":…,"maxPayload":…}`. `sid` must be base64url (it is
/// written unescaped).
std::string open_packet(const handshake& h);

/// "4" + data: a message packet's text.
std::string message_packet(std::string_view data);

/// Standard base64 with padding (RFC 4648 §4).
std::string base64_encode(std::string_view bytes);
/// nullopt for anything but canonical padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);

/// A fresh session id: 20 characters of base64url from 15 random bytes of
/// a CSPRNG (/dev/urandom through std::random_device).
std::string new_sid();

} // namespace proctord::protocol::engineio
