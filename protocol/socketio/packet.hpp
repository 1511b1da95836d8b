#pragma once
// Socket.IO v4 packets (socket.io-protocol revision 5), carried in Engine.IO
// message packets. Pure functions: no sockets, no actors. The door decodes
// each text message with decode(), collects the binary attachments a
// BINARY_EVENT / BINARY_ACK announces, and hands the result on; encoders
// build whole Engine.IO message packets ("4" + Socket.IO packet) so that a
// broadcast is encoded once and written unchanged to every WebSocket.
//
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON data>]
//
// type: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR,
//       5 BINARY_EVENT, 6 BINARY_ACK.
// A binary attachment's place in the data is {"_placeholder":true,"num":N}.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace proctord::protocol::socketio {

enum class packet_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct limits {
  /// Deepest JSON nesting accepted in a packet's data.
  std::size_t max_depth = 32;
  /// Most binary attachments one packet may announce.
  std::size_t max_attachments = 10;
  /// Longest namespace name, in bytes.
  std::size_t max_nsp = 256;
};

/// A decoded packet.
struct packet {
  packet_type type = packet_type::event;
  /// The namespace ("/" when the packet names none).
  std::string nsp = "/";
  /// The acknowledgement id (EVENT / BINARY_EVENT asking for an ack, ACK /
  /// BINARY_ACK answering one).
  std::optional<std::uint64_t> id;
  /// Binary attachments announced (BINARY_EVENT / BINARY_ACK only).
  std::size_t attachments = 0;
  /// The JSON data as received ("" when there is none).
  std::string data;
  /// The same, parsed (null when there is none).
  nlohmann::json json;
};

/// Why a text message is not a valid packet (the connection is then
/// closed, as Socket.IO servers do).
struct decode_error {
  std::string message;
};

/// Decodes the data of one Engine.IO text message (without the '4').
/// Checks, as socket.io-parser does: a known type; for binary types a
/// count followed by '-' (at most limits.max_attachments); a namespace
/// starting with '/' up to ',' or the end; an ack id of at most 15 digits;
/// data that parses as JSON (depth-limited) and fits the type:
///   CONNECT: none or an object; DISCONNECT: none;
///   EVENT / BINARY_EVENT: a non-empty array whose first element is a
///     string that is not a reserved name (connect, connect_error,
///     disconnect, disconnecting, newListener, removeListener) or a number;
///   ACK / BINARY_ACK: an array (an id is required);
///   CONNECT_ERROR: an object or a string (server to client only: the
///     door refuses it from a client).
std::variant<packet, decode_error> decode(std::string_view text,
                                          const limits& lim = {});

/// The Engine.IO message packet carrying `p`: "4" + type + ... + data.
/// Uses p.data (raw JSON, may be empty), not p.json.
std::string encode(const packet& p);

/// "4" + "2" + [nsp ","] + [id] + `["<event>",<args>]`, where `args` is
/// JSON values separated by commas ("" for none) and `event` is escaped
/// as a JSON string. The namespace "/" is not written.
std::string event_packet(std::string_view nsp, std::string_view event,
                         std::string_view args,
                         std::optional<std::uint64_t> ack_id = std::nullopt);

/// "4" + "3" + [nsp ","] + id + `[<args>]` (args as in event_packet).
std::string ack_packet(std::string_view nsp, std::uint64_t id,
                       std::string_view args);

/// "40" + [nsp ","] + `{"sid":"<sid>"}`, or `{"sid":"<sid>","pid":"<pid>"}`
/// when `pid` is not empty (connection state recovery).
std::string connect_packet(std::string_view nsp, std::string_view sid,
                           std::string_view pid = {});

/// "44" + [nsp ","] + `{"message":"<message>"}` plus `,"data":<data>` when
/// `data_json` is not empty.
std::string connect_error_packet(std::string_view nsp, std::string_view message,
                                 std::string_view data_json = {});

/// "41" + [nsp ","].
std::string disconnect_packet(std::string_view nsp);

/// An EVENT's data split without re-serialising (so that values come back
/// byte for byte): the event name (decoded) and the raw text of the
/// arguments after it, comma-separated ("" when there are none). nullopt
/// when `data` is not a JSON array starting with a string.
struct event_parts {
  std::string name;
  std::string_view args;
};
std::optional<event_parts> split_event(std::string_view data);

/// The raw text of an array's elements without the brackets: "[1,2]" ->
/// "1,2". nullopt when `data` is not an array.
std::optional<std::string_view> array_elements(std::string_view data);

} // namespace proctord::protocol::socketio
