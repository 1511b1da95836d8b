// The study rooms' HTTP API bodies (protocol/study_api.hpp). Order of
// checks: depth on the raw text, JSON syntax and UTF-8, an object at the
// top, then the members the request needs, in the order the header lists
// them. Every refusal is INVALID_REQUEST.

#include "protocol/study_api.hpp"
#include "protocol/json_number.hpp"
#include "protocol/iso_time.hpp"
#include "protocol/json_limits.hpp"
#include "protocol/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

namespace proctord::protocol::study {

namespace {

using json = nlohmann::json;
using protocol::detail::json_writer;

constexpr const char* invalid_request = "INVALID_REQUEST";

api_error refuse(std::string field, std::string message) {
  return api_error{invalid_request, std::move(message), std::move(field)};
}

/// The member `name` of `obj`, or nullptr when absent or null.
const json* find(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null())
    return nullptr;
  return &*it;
}

/// The body as a JSON object, or why it is not one.
std::variant<json, api_error> object_of(std::string_view body,
                                        const api_limits& lim) {
  if (json_depth(body, lim.max_depth) > lim.max_depth)
    return refuse({}, "JSON nested deeper than " + std::to_string(lim.max_depth)
                        + " levels");
  // A NUL would end nlohmann's input early (see native_codec.cpp).
  if (body.find('\0') != std::string_view::npos)
    return refuse({}, "the body is not valid JSON");
  auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded())
    return refuse({}, "the body is not valid JSON");
  if (!doc.is_object())
    return refuse({}, "the body must be a JSON object");
  return doc;
}

// -- UTF-8 (the parser has checked it: these only walk it) ------------------

bool continuation(unsigned char c) noexcept {
  return (c & 0xC0) == 0x80;
}

/// The code point that starts at s[i], and its length in bytes.
std::pair<char32_t, std::size_t> decode_at(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
                                 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size())
    return {0xFFFD, 1};
  char32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return {cp, len};
}

/// What JavaScript's trim() removes: WhiteSpace and LineTerminator.
bool js_space(char32_t cp) noexcept {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
    case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

std::string_view js_trim(std::string_view s) {
  while (!s.empty()) {
    auto [cp, len] = decode_at(s, 0);
    if (!js_space(cp))
      break;
    s.remove_prefix(len);
  }
  while (!s.empty()) {
    std::size_t start = s.size() - 1;
    while (start > 0 && s.size() - start < 4
           && continuation(static_cast<unsigned char>(s[start])))
      --start;
    auto [cp, len] = decode_at(s, start);
    if (start + len != s.size() || !js_space(cp))
      break;
    s.remove_suffix(len);
  }
  return s;
}

std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s)
    n += continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

bool has_control(std::string_view s) noexcept {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F)
      return true;
  }
  return false;
}

// -- Members -----------------------------------------------------------------

/// A display name: a string, trimmed, 1 to `max_chars` characters and at
/// most `max_bytes` bytes, without control characters.
std::variant<std::string, api_error> name_member(const json& obj,
                                                 const char* field,
                                                 std::size_t max_chars,
                                                 std::size_t max_bytes) {
  const json* v = find(obj, field);
  auto rule = std::string{field} + " must be a string of 1 to "
              + std::to_string(max_chars) + " characters";
  if (v == nullptr || !v->is_string())
    return refuse(field, rule);
  auto s = js_trim(v->get_ref<const std::string&>());
  if (s.empty() || s.size() > max_bytes || code_points(s) > max_chars)
    return refuse(field, rule);
  if (has_control(s))
    return refuse(field, std::string{field}
                           + " must not contain control characters");
  return std::string{s};
}

/// A non-empty string of at most `max` bytes, as it is.
std::variant<std::string, api_error> text_member(const json& obj,
                                                 const char* field,
                                                 std::size_t max) {
  const json* v = find(obj, field);
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()
      || v->get_ref<const std::string&>().size() > max)
    return refuse(field, std::string{field} + " must be a non-empty string of at most "
                           + std::to_string(max) + " bytes");
  return v->get<std::string>();
}

/// An integer in [lo, hi]. A float is taken only when it is integral (10.0
/// is 10: JSON does not tell them apart, and JavaScript cannot); 1.5,
/// strings and booleans never. (As the contest API's.)
std::optional<std::int64_t> integer(const json* v, std::int64_t lo,
                                    std::int64_t hi) {
  return protocol::detail::integer_in(v, lo, hi);
}

/// Runs `parse` on the body's object; std::bad_alloc (the only exception
/// that can get here) becomes INTERNAL.
template <class T, class F>
parsed<T> with_object(std::string_view body, const api_limits& lim, F parse) {
  try {
    auto doc = object_of(body, lim);
    if (auto* err = std::get_if<api_error>(&doc))
      return std::move(*err);
    return parse(std::get<json>(doc));
  } catch (...) {
    return api_error{"INTERNAL", "internal error", {}};
  }
}

} // namespace

bool reserved_event(std::string_view event) noexcept {
  for (std::string_view r : {"connect", "connect_error", "disconnect",
                             "disconnecting", "newListener", "removeListener"})
    if (event == r)
      return true;
  return false;
}

bool valid_room_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~'
              || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

parsed<new_user> parse_new_user(std::string_view body, const api_limits& lim) {
  return with_object<new_user>(body, lim, [&](const json& obj) -> parsed<new_user> {
    auto name = name_member(obj, "userName", lim.max_user_name,
                            lim.max_user_name_bytes);
    if (auto* err = std::get_if<api_error>(&name))
      return std::move(*err);
    return new_user{std::get<std::string>(std::move(name))};
  });
}

parsed<new_room> parse_new_room(std::string_view body, const api_limits& lim) {
  return with_object<new_room>(body, lim, [&](const json& obj) -> parsed<new_room> {
    auto name = name_member(obj, "name", lim.max_room_name,
                            lim.max_room_name_bytes);
    if (auto* err = std::get_if<api_error>(&name))
      return std::move(*err);
    auto capacity = integer(find(obj, "capacity"), 1, lim.max_capacity);
    if (!capacity)
      return refuse("capacity", "capacity must be an integer from 1 to "
                                  + std::to_string(lim.max_capacity));
    return new_room{std::get<std::string>(std::move(name)),
                    static_cast<std::int32_t>(*capacity)};
  });
}

parsed<member_body> parse_member(std::string_view body, const api_limits& lim) {
  return with_object<member_body>(body, lim,
                                  [&](const json& obj) -> parsed<member_body> {
    auto id = text_member(obj, "userId", lim.max_id);
    if (auto* err = std::get_if<api_error>(&id))
      return std::move(*err);
    return member_body{std::get<std::string>(std::move(id))};
  });
}

parsed<broadcast_body> parse_broadcast(std::string_view body,
                                       const api_limits& lim) {
  return with_object<broadcast_body>(body, lim,
                                     [&](const json& obj) -> parsed<broadcast_body> {
    auto event = text_member(obj, "event", lim.max_event);
    if (auto* err = std::get_if<api_error>(&event))
      return std::move(*err);
    auto& name = std::get<std::string>(event);
    if (reserved_event(name))
      return refuse("event", "event \"" + name + "\" is reserved by Socket.IO");
    broadcast_body out{std::move(name), {}};
    // find() would take null for absent: a null `data` is sent as null.
    if (auto it = obj.find("data"); it != obj.end())
      out.data = it->dump();
    return out;
  });
}

// -- Answers ------------------------------------------------------------------


std::string encode_user(std::string_view user_id, std::string_view user_name,
                        std::int64_t created_at) {
  json_writer w{96 + user_id.size() + user_name.size()};
  w.begin_object();
  w.field("userId", user_id);
  w.field("userName", user_name);
  w.field("createdAt", to_iso(created_at));
  w.end_object();
  return std::move(w).take();
}

std::string encode_room(std::string_view room_id, std::string_view name,
                        std::int32_t capacity) {
  json_writer w{64 + room_id.size() + name.size()};
  w.begin_object();
  w.field("roomId", room_id);
  w.field("name", name);
  w.field("capacity", capacity);
  w.end_object();
  return std::move(w).take();
}

std::string encode_rooms(const std::vector<room_entry>& rooms) {
  std::size_t hint = 16;
  for (const auto& r : rooms)
    hint += 128 + r.room_id.size() + r.name.size();
  json_writer w{hint};
  w.begin_object();
  w.begin_array("rooms");
  for (const auto& r : rooms) {
    w.begin_object();
    w.field("roomId", r.room_id);
    w.field("name", r.name);
    w.field("capacity", r.capacity);
    w.field("currentOccupancy", r.occupancy);
    w.field("createdAt", to_iso(r.created_at));
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return std::move(w).take();
}

std::string encode_join(std::string_view room_id, std::string_view user_id,
                        std::string_view user_name, std::int64_t joined_at,
                        std::int32_t occupancy) {
  json_writer w{128 + room_id.size() + user_id.size() + user_name.size()};
  w.begin_object();
  w.field("roomId", room_id);
  w.field("userId", user_id);
  if (!user_name.empty())
    w.field("userName", user_name);
  w.field("joinedAt", to_iso(joined_at));
  w.field("currentOccupancy", occupancy);
  w.end_object();
  return std::move(w).take();
}

std::string encode_leave(std::string_view room_id, std::string_view user_id,
                         std::int32_t occupancy) {
  json_writer w{64 + room_id.size() + user_id.size()};
  w.begin_object();
  w.field("roomId", room_id);
  w.field("userId", user_id);
  w.field("currentOccupancy", occupancy);
  w.end_object();
  return std::move(w).take();
}

std::string encode_broadcast(std::string_view room_id, std::string_view event,
                             std::int32_t recipients) {
  json_writer w{64 + room_id.size() + event.size()};
  w.begin_object();
  w.field("roomId", room_id);
  w.field("event", event);
  w.field("recipients", recipients);
  w.end_object();
  return std::move(w).take();
}

} // namespace proctord::protocol::study
