// The Socket.IO dialect's wire: Engine.IO v4 / Socket.IO v5 text frames as
// a load client reads and writes them (see socketio_dialect.hpp). Apart
// from the dialect's conversation so that the unit tests link it alone.

#include "socketio_dialect.hpp"

#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace sio {

namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Where the value of the first `"key":` in `json` starts; npos if none.
std::size_t value_of(std::string_view json, std::string_view key) noexcept {
  std::size_t from = 0;
  while (true) {
    auto at = json.find(key, from);
    if (at == std::string_view::npos)
      return at;
    from = at + key.size();
    if (at == 0 || json[at - 1] != '"' || from + 1 >= json.size() || json[from] != '"'
        || json[from + 1] != ':')
      continue;
    return from + 2;
  }
}

} // namespace

frame parse(std::string_view t) noexcept {
  frame f;
  if (t.empty())
    return f;
  switch (t[0]) {
    case '0': f.what = kind::open; return f;
    case '1': f.what = kind::close; return f;
    case '2': f.what = kind::ping; return f;
    case '3':
    case '5':
    case '6': f.what = kind::engine_other; return f;
    case '4': break;
    default: return f;
  }
  if (t.size() < 2)
    return f;
  kind k;
  switch (t[1]) {
    case '0': k = kind::connect; break;
    case '1': k = kind::disconnect; break;
    case '2': k = kind::event; break;
    case '4': k = kind::connect_error; break;
    case '3': k = kind::ack; break;
    case '5':
    case '6': k = kind::sio_other; break;
    default: return f;
  }
  std::size_t at = 2;
  if (t[1] == '5' || t[1] == '6') { // attachments: N-
    while (at < t.size() && is_digit(t[at]))
      ++at;
    if (at == 2 || at >= t.size() || t[at] != '-')
      return f;
    ++at;
  }
  f.nsp = "/";
  if (at < t.size() && t[at] == '/') {
    auto comma = t.find(',', at);
    if (comma == std::string_view::npos) {
      f.nsp = t.substr(at);
      at = t.size();
    } else {
      f.nsp = t.substr(at, comma - at);
      at = comma + 1;
    }
  }
  if (at < t.size() && is_digit(t[at])) { // ack id
    auto first = t.data() + at;
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(first, t.data() + t.size(), id);
    if (ec != std::errc{} || id > static_cast<std::uint64_t>(INT64_MAX))
      return f;
    f.ack = static_cast<std::int64_t>(id);
    at += static_cast<std::size_t>(end - first);
  }
  if (k == kind::ack && (f.ack < 0 || at >= t.size() || t[at] != '['))
    return frame{}; // an ack names its id and carries an array
  f.data = t.substr(at);
  if (k == kind::event) {
    if (f.data.size() < 4 || f.data[0] != '[' || f.data[1] != '"')
      return frame{};
    auto end = f.data.find('"', 2);
    if (end == std::string_view::npos)
      return frame{};
    f.event = f.data.substr(2, end - 2);
  }
  f.what = k;
  return f;
}

std::string connect_packet(std::string_view nsp) {
  return connect_packet(nsp, {});
}

std::string connect_packet(std::string_view nsp, std::string_view auth_json) {
  std::string s = "40";
  if (nsp != "/") {
    s += nsp;
    s += ',';
  }
  s += auth_json;
  return s;
}

std::string token_auth(std::string_view token) {
  return nlohmann::json({{"token", std::string(token)}}).dump();
}

namespace {

std::string event_with(std::string_view nsp, std::string_view event,
                       std::string_view args_json, std::optional<std::uint64_t> ack) {
  std::string s = "42";
  if (nsp != "/") {
    s += nsp;
    s += ',';
  }
  if (ack)
    s += std::to_string(*ack);
  s += '[';
  s += nlohmann::json(std::string(event)).dump();
  if (!args_json.empty()) {
    s += ',';
    s += args_json;
  }
  s += ']';
  return s;
}

} // namespace

std::string event_packet(std::string_view nsp, std::string_view event,
                         std::string_view args_json) {
  return event_with(nsp, event, args_json, std::nullopt);
}

std::string event_packet(std::string_view nsp, std::string_view event,
                         std::string_view args_json, std::uint64_t ack_id) {
  return event_with(nsp, event, args_json, ack_id);
}

std::int64_t offset_of(std::string_view data) noexcept {
  // [..., "123"]: from the end, the closing bracket, a quote, digits, a
  // quote, and a comma before it (else it is the event's name).
  if (data.size() < 4 || data.back() != ']' || data[data.size() - 2] != '"')
    return -1;
  auto close = data.size() - 2;
  auto open = close;
  while (open > 0 && is_digit(data[open - 1]))
    --open;
  if (open == close || open < 2 || data[open - 1] != '"' || data[open - 2] != ',')
    return -1;
  std::int64_t v = -1;
  auto [end, ec] = std::from_chars(data.data() + open, data.data() + close, v);
  return ec == std::errc{} && end == data.data() + close ? v : -1;
}

std::string_view string_field(std::string_view json, std::string_view key) noexcept {
  auto at = value_of(json, key);
  if (at == std::string_view::npos || at >= json.size() || json[at] != '"')
    return {};
  auto end = json.find('"', at + 1);
  if (end == std::string_view::npos)
    return {};
  return json.substr(at + 1, end - at - 1);
}

std::int64_t integer_field(std::string_view json, std::string_view key) noexcept {
  auto at = value_of(json, key);
  if (at == std::string_view::npos)
    return -1;
  std::int64_t v = -1;
  auto [end, ec] = std::from_chars(json.data() + at, json.data() + json.size(), v);
  return ec == std::errc{} ? v : -1;
}

std::optional<bool> boolean_field(std::string_view json, std::string_view key) noexcept {
  auto at = value_of(json, key);
  if (at == std::string_view::npos)
    return std::nullopt;
  auto rest = json.substr(at);
  if (rest.substr(0, 4) == "true")
    return true;
  if (rest.substr(0, 5) == "false")
    return false;
  return std::nullopt;
}

std::string broadcast_body(std::string_view event, std::int64_t now_ns,
                           std::size_t bytes) {
  return nlohmann::json({{"event", std::string(event)},
                         {"data", {{"text", stamped_text(now_ns, bytes)}}}})
    .dump();
}

} // namespace sio

} // namespace proctord::load
