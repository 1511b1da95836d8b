// The Socket.IO dialect's wire: Engine.IO v4 / Socket.IO v5 text frames as
// a load client reads and writes them (see socketio_dialect.hpp). Apart
// from the dialect's conversation so that the unit tests link it alone.

#include "socketio_dialect.hpp"

#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace sio {

namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
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
    case '3':
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
  while (at < t.size() && is_digit(t[at])) // ack id
    ++at;
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
  std::string s = "40";
  if (nsp != "/") {
    s += nsp;
    s += ',';
  }
  return s;
}

std::string event_packet(std::string_view nsp, std::string_view event,
                         std::string_view args_json) {
  std::string s = "42";
  if (nsp != "/") {
    s += nsp;
    s += ',';
  }
  s += '[';
  s += nlohmann::json(std::string(event)).dump();
  if (!args_json.empty()) {
    s += ',';
    s += args_json;
  }
  s += ']';
  return s;
}

std::string_view string_field(std::string_view json, std::string_view key) noexcept {
  std::size_t from = 0;
  while (true) {
    auto at = json.find(key, from);
    if (at == std::string_view::npos)
      return {};
    from = at + key.size();
    if (at == 0 || json[at - 1] != '"' || from + 2 >= json.size() || json[from] != '"'
        || json[from + 1] != ':' || json[from + 2] != '"')
      continue;
    auto start = from + 3;
    auto end = json.find('"', start);
    if (end == std::string_view::npos)
      return {};
    return json.substr(start, end - start);
  }
}

std::int64_t integer_field(std::string_view json, std::string_view key) noexcept {
  std::size_t from = 0;
  while (true) {
    auto at = json.find(key, from);
    if (at == std::string_view::npos)
      return -1;
    from = at + key.size();
    if (at == 0 || json[at - 1] != '"' || from + 1 >= json.size() || json[from] != '"'
        || json[from + 1] != ':')
      continue;
    std::int64_t v = -1;
    auto first = json.data() + from + 2;
    auto [end, ec] = std::from_chars(first, json.data() + json.size(), v);
    return ec == std::errc{} ? v : -1;
  }
}

std::string broadcast_body(std::string_view event, std::int64_t now_ns,
                           std::size_t bytes) {
  return nlohmann::json({{"event", std::string(event)},
                         {"data", {{"text", stamped_text(now_ns, bytes)}}}})
    .dump();
}

} // namespace sio

} // namespace proctord::load
