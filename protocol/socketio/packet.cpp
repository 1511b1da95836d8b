// Socket.IO v5 packets: decode() follows socket.io-parser's decodeString and
// isPayloadValid, with limits the JS parser lacks (attachments, namespace
// length, ack id digits, JSON depth). Order of checks: the header fields on
// the raw text, then the depth on the raw data (so that no parser sees a
// hostile nesting), then JSON syntax (nlohmann, non-throwing), then the
// data's shape for the type. No exception leaves this file except
// std::bad_alloc.

#include "protocol/socketio/packet.hpp"

#include "protocol/json_limits.hpp"
#include "protocol/json_writer.hpp"

namespace proctord::protocol::socketio {

namespace {

using json = nlohmann::json;

/// More digits than this and an id is no longer exact in a JS number
/// (2^53 has 16 digits), which is where socket.io-parser gives up too.
constexpr std::size_t max_id_digits = 15;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_binary(packet_type t) noexcept {
  return t == packet_type::binary_event || t == packet_type::binary_ack;
}

/// Event names a client may not emit: the server's own events
/// (socket.io-parser's RESERVED_EVENTS).
bool is_reserved(const std::string& name) {
  static const char* const reserved[] = {"connect",       "connect_error",
                                         "disconnect",    "disconnecting",
                                         "newListener",   "removeListener"};
  for (const char* r : reserved)
    if (name == r)
      return true;
  return false;
}

/// socket.io-parser's isPayloadValid, with data required where the header
/// says so (an EVENT without data has no name to dispatch on).
const char* shape_error(const packet& p) {
  const json& j = p.json;
  bool none = p.data.empty();
  switch (p.type) {
    case packet_type::connect:
      return none || j.is_object() ? nullptr : "CONNECT data must be an object";
    case packet_type::disconnect:
      return none ? nullptr : "DISCONNECT carries no data";
    case packet_type::connect_error:
      return !none && (j.is_string() || j.is_object())
               ? nullptr
               : "CONNECT_ERROR data must be a string or an object";
    case packet_type::event:
    case packet_type::binary_event:
      if (none || !j.is_array() || j.empty())
        return "EVENT data must be a non-empty array";
      if (j[0].is_number())
        return nullptr;
      if (!j[0].is_string())
        return "an event name must be a string or a number";
      return is_reserved(j[0].get_ref<const std::string&>())
               ? "reserved event name"
               : nullptr;
    case packet_type::ack:
    case packet_type::binary_ack:
      if (!p.id)
        return "ACK without an id";
      return !none && j.is_array() ? nullptr : "ACK data must be an array";
  }
  return "unknown packet type";
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// The text between the brackets of `data`, or nullopt when `data` is not
/// a valid JSON array. nlohmann's acceptor keeps its own stack (no
/// recursion) and builds nothing, so any nesting is safe here.
std::optional<std::string_view> inside_array(std::string_view data) {
  // A NUL would end nlohmann's input early (see decode()).
  if (data.find('\0') != std::string_view::npos ||
      !json::accept(data.begin(), data.end()))
    return std::nullopt;
  data = trim(data);
  if (data.size() < 2 || data.front() != '[' || data.back() != ']')
    return std::nullopt;
  return data.substr(1, data.size() - 2);
}

} // namespace

std::variant<packet, decode_error> decode(std::string_view text,
                                          const limits& lim) {
  auto fail = [](const char* why) { return decode_error{why}; };
  if (text.empty())
    return fail("empty packet");
  if (text[0] < '0' || text[0] > '6')
    return fail("unknown packet type");
  packet p;
  p.type = static_cast<packet_type>(text[0] - '0');
  std::size_t i = 1;

  if (is_binary(p.type)) {
    std::size_t n = 0;
    std::size_t start = i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      n = n * 10 + static_cast<std::size_t>(text[i] - '0');
      if (n > lim.max_attachments)
        return fail("too many attachments");
    }
    if (i == start || i == text.size() || text[i] != '-')
      return fail("Illegal attachments");
    p.attachments = n;
    ++i;
  }

  if (i < text.size() && text[i] == '/') {
    auto comma = text.find(',', i);
    auto end = comma == std::string_view::npos ? text.size() : comma;
    if (end - i > lim.max_nsp)
      return fail("namespace too long");
    p.nsp = std::string{text.substr(i, end - i)};
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  std::size_t id_start = i;
  std::uint64_t id = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (i - id_start == max_id_digits)
      return fail("ack id too long");
    id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (i > id_start)
    p.id = id;

  if (i < text.size()) {
    auto data = text.substr(i);
    // nlohmann takes a NUL for the end of input and would accept
    // `["x"]\0garbage`; JSON text never holds a raw NUL.
    if (data.find('\0') != std::string_view::npos)
      return fail("data is not valid JSON");
    if (json_depth(data, lim.max_depth) > lim.max_depth)
      return fail("data nested too deep");
    p.json = json::parse(data.begin(), data.end(), nullptr, false);
    if (p.json.is_discarded())
      return fail("data is not valid JSON");
    p.data = std::string{data};
  }

  if (const char* why = shape_error(p))
    return fail(why);
  return p;
}

// ---- encoders --------------------------------------------------------------

namespace {

/// socket.io-parser writes no namespace for "/" (nor for an empty one).
void append_nsp(std::string& out, std::string_view nsp) {
  if (!nsp.empty() && nsp != "/") {
    out.append(nsp);
    out.push_back(',');
  }
}

/// "4" + type digit + [nsp ","] + [id].
std::string head(packet_type type, std::string_view nsp,
                 std::optional<std::uint64_t> id, std::size_t reserve) {
  std::string out;
  out.reserve(reserve + nsp.size() + 24);
  out.push_back('4');
  out.push_back(static_cast<char>('0' + static_cast<int>(type)));
  append_nsp(out, nsp);
  if (id)
    out.append(std::to_string(*id));
  return out;
}

} // namespace

std::string encode(const packet& p) {
  std::string out;
  out.reserve(p.data.size() + p.nsp.size() + 32);
  out.push_back('4');
  out.push_back(static_cast<char>('0' + static_cast<int>(p.type)));
  if (is_binary(p.type)) {
    out.append(std::to_string(p.attachments));
    out.push_back('-');
  }
  append_nsp(out, p.nsp);
  if (p.id)
    out.append(std::to_string(*p.id));
  out.append(p.data);
  return out;
}

std::string event_packet(std::string_view nsp, std::string_view event,
                         std::string_view args,
                         std::optional<std::uint64_t> ack_id) {
  auto out = head(packet_type::event, nsp, ack_id, event.size() + args.size());
  out.push_back('[');
  detail::append_json_string(out, event);
  if (!args.empty()) {
    out.push_back(',');
    out.append(args);
  }
  out.push_back(']');
  return out;
}

std::string ack_packet(std::string_view nsp, std::uint64_t id,
                       std::string_view args) {
  auto out = head(packet_type::ack, nsp, id, args.size());
  out.push_back('[');
  out.append(args);
  out.push_back(']');
  return out;
}

std::string connect_packet(std::string_view nsp, std::string_view sid,
                           std::string_view pid) {
  auto out = head(packet_type::connect, nsp, std::nullopt,
                  sid.size() + pid.size() + 8);
  out.append("{\"sid\":");
  detail::append_json_string(out, sid);
  if (!pid.empty()) {
    out.append(",\"pid\":");
    detail::append_json_string(out, pid);
  }
  out.push_back('}');
  return out;
}

std::string connect_error_packet(std::string_view nsp, std::string_view message,
                                 std::string_view data_json) {
  auto out = head(packet_type::connect_error, nsp, std::nullopt,
                  message.size() + data_json.size());
  out.append("{\"message\":");
  detail::append_json_string(out, message);
  if (!data_json.empty()) {
    out.append(",\"data\":");
    out.append(data_json);
  }
  out.push_back('}');
  return out;
}

std::string disconnect_packet(std::string_view nsp) {
  return head(packet_type::disconnect, nsp, std::nullopt, 0);
}

// ---- raw views of the data -------------------------------------------------

std::optional<event_parts> split_event(std::string_view data) {
  auto inner = inside_array(data);
  if (!inner)
    return std::nullopt;
  auto rest = trim(*inner);
  if (rest.empty() || rest.front() != '"')
    return std::nullopt;
  // The name's closing quote: the first '"' not escaped by a backslash.
  std::size_t end = 1;
  while (end < rest.size() && rest[end] != '"')
    end += rest[end] == '\\' ? 2 : 1;
  if (end >= rest.size())
    return std::nullopt; // cannot happen in a valid array; kept for safety
  auto name = json::parse(rest.begin(), rest.begin() + end + 1, nullptr, false);
  if (!name.is_string())
    return std::nullopt;
  auto after = trim(rest.substr(end + 1));
  event_parts parts{name.get<std::string>(), {}};
  if (after.empty())
    return parts;
  if (after.front() != ',')
    return std::nullopt;
  parts.args = trim(after.substr(1));
  return parts;
}

std::optional<std::string_view> array_elements(std::string_view data) {
  auto inner = inside_array(data);
  if (!inner)
    return std::nullopt;
  return trim(*inner);
}

} // namespace proctord::protocol::socketio
