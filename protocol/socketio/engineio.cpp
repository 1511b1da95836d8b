// Stand-in Engine.IO codec, written so that net/'s transports could be built
// and tested while the real one was written elsewhere; the header is the
// contract, and this file is meant to be replaced by that implementation.

#include "protocol/socketio/engineio.hpp"

#include <array>
#include <random>

namespace proctord::protocol::engineio {

namespace {

constexpr char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
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

bool known_type(char c) {
  return c >= '0' && c <= '6';
}

} // namespace

std::optional<packet> decode_text(std::string_view frame) {
  if (frame.empty() || !known_type(frame.front()))
    return std::nullopt;
  packet p;
  p.type = static_cast<packet_type>(frame.front());
  p.data = std::string{frame.substr(1)};
  return p;
}

std::optional<std::vector<packet>> decode_payload(std::string_view body,
                                                  std::size_t max_packets) {
  if (body.empty())
    return std::nullopt;
  std::vector<packet> out;
  for (;;) {
    auto end = body.find(separator);
    auto one = body.substr(0, end);
    if (out.size() == max_packets)
      return std::nullopt;
    if (!one.empty() && one.front() == 'b') {
      auto bytes = base64_decode(one.substr(1));
      if (!bytes)
        return std::nullopt;
      out.push_back(packet{packet_type::message, true, std::move(*bytes)});
    } else {
      auto p = decode_text(one);
      if (!p)
        return std::nullopt;
      out.push_back(std::move(*p));
    }
    if (end == std::string_view::npos)
      return out;
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
  body += base64_encode(bytes);
}

std::string open_packet(const handshake& h) {
  std::string s = "0{\"sid\":\"" + h.sid + "\",\"upgrades\":[";
  if (h.can_upgrade)
    s += "\"websocket\"";
  s += "],\"pingInterval\":" + std::to_string(h.ping_interval.count());
  s += ",\"pingTimeout\":" + std::to_string(h.ping_timeout.count());
  s += ",\"maxPayload\":" + std::to_string(h.max_payload) + "}";
  return s;
}

std::string message_packet(std::string_view data) {
  std::string s;
  s.reserve(data.size() + 1);
  s.push_back('4');
  s.append(data);
  return s;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]};
  }
  if (bytes.size() - i == 1) {
    unsigned v = at(i) << 16;
    out += {b64[v >> 18], b64[(v >> 12) & 63], '=', '='};
  } else if (bytes.size() - i == 2) {
    unsigned v = at(i) << 16 | at(i + 1) << 8;
    out += {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], '='};
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    std::size_t pad = 0;
    if (last)
      pad = text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0;
    std::array<int, 4> v{};
    for (std::size_t k = 0; k < 4 - pad; ++k)
      if ((v[k] = b64_value(text[i + k])) < 0)
        return std::nullopt;
    unsigned n = static_cast<unsigned>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    // Canonical only: the bits a padded group drops are zero.
    if ((pad == 1 && (n & 0xFF) != 0) || (pad == 2 && (n & 0xFFFF) != 0))
      return std::nullopt;
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2)
      out.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1)
      out.push_back(static_cast<char>(n & 0xFF));
  }
  return out;
}

std::string new_sid() {
  static constexpr char url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::array<unsigned char, 15> raw{};
  for (std::size_t i = 0; i < raw.size(); i += 3) {
    auto r = rd();
    raw[i] = static_cast<unsigned char>(r);
    raw[i + 1] = static_cast<unsigned char>(r >> 8);
    raw[i + 2] = static_cast<unsigned char>(r >> 16);
  }
  std::string sid;
  sid.reserve(20);
  for (std::size_t i = 0; i < raw.size(); i += 3) {
    unsigned v = raw[i] << 16 | raw[i + 1] << 8 | raw[i + 2];
    sid += {url[v >> 18], url[(v >> 12) & 63], url[(v >> 6) & 63], url[v & 63]};
  }
  return sid;
}

} // namespace proctord::protocol::engineio
