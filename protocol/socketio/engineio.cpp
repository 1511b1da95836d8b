// Engine.IO v4 packets and payloads (engine.io-protocol, revision 4). Every
// decoder here is total: malformed input gives nullopt, never an exception
// or an out-of-range read (tests/fuzz/engineio_fuzz.cpp holds us to it).

#include "protocol/socketio/engineio.hpp"

#include <array>
#include <cstdint>
#include <random>

namespace proctord::protocol::engineio {

namespace {

constexpr char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The 6-bit value of a standard base64 character, or -1.
int sextet(char c) noexcept {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/// Base64 of `bytes` in `table`; `pad` adds the '=' of a partial group.
std::string encode_with(std::string_view bytes, const char* table, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) -> std::uint32_t {
    return static_cast<unsigned char>(bytes[k]);
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out.push_back(table[n >> 18 & 63]);
    out.push_back(table[n >> 12 & 63]);
    out.push_back(table[n >> 6 & 63]);
    out.push_back(table[n & 63]);
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 0)
    return out;
  std::uint32_t n = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
  out.push_back(table[n >> 18 & 63]);
  out.push_back(table[n >> 12 & 63]);
  if (rest == 2)
    out.push_back(table[n >> 6 & 63]);
  if (pad)
    out.append(rest == 2 ? "=" : "==");
  return out;
}

} // namespace

std::optional<packet> decode_text(std::string_view frame) {
  if (frame.empty() || frame[0] < '0' || frame[0] > '6')
    return std::nullopt;
  return packet{static_cast<packet_type>(frame[0]), false,
                std::string{frame.substr(1)}};
}

std::optional<std::vector<packet>> decode_payload(std::string_view body,
                                                  std::size_t max_packets) {
  if (body.empty())
    return std::nullopt;
  std::vector<packet> packets;
  for (;;) {
    auto end = body.find(separator);
    auto part = body.substr(0, end);
    // Counted before decoding, so that a body of a million separators costs
    // max_packets steps, not a million.
    if (packets.size() == max_packets)
      return std::nullopt;
    if (!part.empty() && part[0] == 'b') {
      auto bytes = base64_decode(part.substr(1));
      if (!bytes)
        return std::nullopt;
      packets.push_back({packet_type::message, true, std::move(*bytes)});
    } else if (auto p = decode_text(part)) {
      packets.push_back(std::move(*p));
    } else {
      return std::nullopt;
    }
    if (end == std::string_view::npos)
      return packets;
    body.remove_prefix(end + 1);
  }
}

void append_text(std::string& body, std::string_view text_packet) {
  if (!body.empty())
    body.push_back(separator);
  body.append(text_packet);
}

void append_binary(std::string& body, std::string_view bytes) {
  if (!body.empty())
    body.push_back(separator);
  body.push_back('b');
  body.append(base64_encode(bytes));
}

std::string open_packet(const handshake& h) {
  std::string out = "0{\"sid\":\"";
  out.append(h.sid);
  out.append(h.can_upgrade ? "\",\"upgrades\":[\"websocket\"]"
                           : "\",\"upgrades\":[]");
  out.append(",\"pingInterval\":");
  out.append(std::to_string(h.ping_interval.count()));
  out.append(",\"pingTimeout\":");
  out.append(std::to_string(h.ping_timeout.count()));
  out.append(",\"maxPayload\":");
  out.append(std::to_string(h.max_payload));
  out.push_back('}');
  return out;
}

std::string message_packet(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 1);
  out.push_back('4');
  out.append(data);
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return encode_with(bytes, alphabet, true);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    int v = sextet(text[i]);
    if (v < 0)
      return std::nullopt; // includes a '=' before the end
    n = n << 6 | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>(n >> 16 & 0xFF));
      out.push_back(static_cast<char>(n >> 8 & 0xFF));
      out.push_back(static_cast<char>(n & 0xFF));
      n = 0;
    }
  }
  // The last group holds 4 - pad characters. Canonical means the bits that
  // spill past the last whole byte are zero (RFC 4648 §3.5), so that each
  // byte string has exactly one accepted text.
  if (pad == 2) {
    if ((n & 0xF) != 0)
      return std::nullopt;
    out.push_back(static_cast<char>(n >> 4 & 0xFF));
  } else if (pad == 1) {
    if ((n & 0x3) != 0)
      return std::nullopt;
    out.push_back(static_cast<char>(n >> 10 & 0xFF));
    out.push_back(static_cast<char>(n >> 2 & 0xFF));
  }
  return out;
}

std::string new_sid() {
  std::random_device urandom{"/dev/urandom"};
  std::array<char, 15> bytes{};
  // random_device yields unsigned ints; take one byte of each so that no
  // assumption is made about how many of its bits are random.
  for (auto& b : bytes)
    b = static_cast<char>(urandom() & 0xFF);
  return encode_with({bytes.data(), bytes.size()}, url_alphabet, false);
}

} // namespace proctord::protocol::engineio
