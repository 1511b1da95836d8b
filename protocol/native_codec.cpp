// Text frames of the native dialect -> typed commands (protocol/README.md,
// "Client -> server"). Order of checks: depth on the raw text (so that no
// parser ever sees a hostile nesting), JSON syntax and UTF-8 (nlohmann),
// envelope ("type"), then the fields of that type. Unknown fields are
// ignored, as a browser client may send more than we read.

#include "protocol/json_limits.hpp"
#include "protocol/native_codec.hpp"
#include "protocol/json_number.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace proctord::protocol::native {

namespace {

using json = nlohmann::json;

// Limits of protocol/README.md. "chars" are Unicode code points, "bytes" are
// bytes of UTF-8.
constexpr std::size_t max_id_bytes = 64;
constexpr std::size_t max_token_bytes = 1024;
constexpr std::size_t max_roomname_chars = 255;
constexpr std::size_t max_question_bytes = 64 * 1024;
constexpr std::size_t max_language_chars = 50;
constexpr std::size_t max_reason_chars = 500;
constexpr std::size_t max_announcement_chars = 4096;
// The largest maxGuests is decode_limits::max_guests.
constexpr std::int64_t min_guests = 1, default_guests = 10;
constexpr std::int64_t min_duration = 1, max_duration = 1440,
                       default_duration = 60;
// Only limits.max_string bounds these (code, token).
constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();
// An unknown "type" is echoed in requestType; a huge one is cut.
constexpr std::size_t max_echoed_type_bytes = 64;

/// A field problem, reported as INVALID_FIELD.
struct field_error {
  std::string message;
};

/// Code points in valid UTF-8 (nlohmann has checked that already).
std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      ++n;
  return n;
}

/// `s` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max)
    return std::string{s};
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  return std::string{s.substr(0, end)};
}

enum class presence : std::uint8_t { required, optional };
enum class unit : std::uint8_t { bytes, chars };

/// Reads the fields of one command object. Each getter returns the value or
/// throws field_error naming the field; decode() turns that into a
/// decode_error, so no exception leaves this file.
class fields {
public:
  fields(const json& obj, const decode_limits& limits)
    : obj_(obj), limits_(limits) {
  }

  /// A string field of `min`..`max` bytes or characters (and never more
  /// than limits.max_string bytes). An absent or null optional field gives "".
  std::string str(const char* name, presence p, std::size_t max, unit u,
                  std::size_t min = 0) const {
    const json* v = find(name);
    if (v == nullptr) {
      if (p == presence::required)
        fail(name, "is required");
      return {};
    }
    if (!v->is_string())
      fail(name, "must be a string");
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > limits_.max_string)
      fail(name, "is too long");
    if (s.empty() && min > 0)
      fail(name, "must not be empty");
    std::size_t len = u == unit::chars ? utf8_length(s) : s.size();
    if (len < min || len > max)
      fail_range(name, min, max, u);
    return s;
  }

  /// An integer field in [lo, hi]. Floats are accepted only when integral
  /// (2.0 is 2; 2.5 is an error); strings, booleans and the rest never.
  std::int32_t integer(const char* name, std::int64_t lo, std::int64_t hi,
                       std::int64_t fallback) const {
    const json* v = find(name);
    if (v == nullptr)
      return static_cast<std::int32_t>(fallback);
    auto x = protocol::detail::integer_in(v, lo, hi);
    if (!x)
      fail(name, "must be an integer from " + std::to_string(lo) + " to "
                   + std::to_string(hi));
    return static_cast<std::int32_t>(*x);
  }

  bool boolean(const char* name, presence p, bool fallback = false) const {
    const json* v = find(name);
    if (v == nullptr) {
      if (p == presence::required)
        fail(name, "is required");
      return fallback;
    }
    if (!v->is_boolean())
      fail(name, "must be true or false");
    return v->get<bool>();
  }

  /// The optional idempotencyKey of SUBMIT_CODE and violations.
  std::string idempotency_key() const {
    return str("idempotencyKey", presence::optional, max_id_bytes, unit::bytes,
               1);
  }

  /// roomId where it may be omitted ("" = the connection's room).
  std::string room_id() const {
    return str("roomId", presence::optional, max_id_bytes, unit::bytes);
  }

  const decode_limits& limits() const noexcept {
    return limits_;
  }

  [[noreturn]] static void fail(const char* name, std::string_view what) {
    std::string msg{name};
    msg += ' ';
    msg += what;
    throw field_error{std::move(msg)};
  }

private:
  /// The member `name`, or nullptr when it is absent or null (a client that
  /// serializes an unset optional field as null means "not given").
  const json* find(const char* name) const {
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null())
      return nullptr;
    return &*it;
  }

  [[noreturn]] static void fail_range(const char* name, std::size_t min,
                                      std::size_t max, unit u) {
    std::string what = "must be ";
    if (min > 0)
      what += std::to_string(min) + " to ";
    else
      what += "at most ";
    what += std::to_string(max);
    what += u == unit::chars ? " characters" : " bytes";
    fail(name, what);
  }

  const json& obj_;
  const decode_limits& limits_;
};

using parser = command (*)(const fields&);

command parse_create_room(const fields& f) {
  cmd::create_room c;
  c.token = f.str("token", presence::optional, unbounded, unit::bytes);
  c.roomname = f.str("roomname", presence::required, max_roomname_chars,
                     unit::chars, 1);
  std::int64_t max_guests = f.limits().max_guests;
  c.max_guests = f.integer("maxGuests", min_guests, max_guests,
                           std::min(default_guests, max_guests));
  c.question = f.str("question", presence::optional, max_question_bytes,
                     unit::bytes);
  c.duration = f.integer("duration", min_duration, max_duration,
                         default_duration);
  c.is_public = f.boolean("isPublic", presence::optional, false);
  return c;
}

command parse_join_room(const fields& f) {
  cmd::join_room c;
  c.token = f.str("token", presence::optional, unbounded, unit::bytes);
  c.room_id = f.str("roomId", presence::required, max_id_bytes, unit::bytes,
                    1);
  return c;
}

command parse_approve_join(const fields& f) {
  cmd::approve_join c;
  c.room_id = f.room_id();
  c.user_id = f.str("userId", presence::required, max_id_bytes, unit::bytes,
                    1);
  c.approve = f.boolean("approve", presence::required);
  return c;
}

template <class T>
command parse_room_only(const fields& f) {
  T c;
  c.room_id = f.room_id();
  return c;
}

template <cmd::signal S>
command parse_signal(const fields& f) {
  // "userId" is ignored on purpose: the token says who is sending.
  return cmd::proctor_signal{f.room_id(), S, f.idempotency_key()};
}

command parse_code_change(const fields& f) {
  cmd::code_change c;
  c.room_id = f.room_id();
  c.code = f.str("code", presence::required, unbounded, unit::bytes);
  c.language = f.str("language", presence::optional, max_language_chars,
                     unit::chars);
  return c;
}

command parse_submit_code(const fields& f) {
  cmd::submit_code c;
  c.room_id = f.room_id();
  c.code = f.str("code", presence::required, unbounded, unit::bytes);
  c.language = f.str("language", presence::required, max_language_chars,
                     unit::chars, 1);
  c.idempotency_key = f.idempotency_key();
  return c;
}

command parse_kick_user(const fields& f) {
  cmd::kick_user c;
  c.room_id = f.room_id();
  c.user_id = f.str("userId", presence::required, max_id_bytes, unit::bytes,
                    1);
  c.reason = f.str("reason", presence::optional, max_reason_chars, unit::chars);
  return c;
}

command parse_announce(const fields& f) {
  cmd::announce c;
  c.room_id = f.room_id();
  c.message = f.str("message", presence::required, max_announcement_chars,
                    unit::chars, 1);
  return c;
}

command parse_heartbeat(const fields&) {
  return cmd::heartbeat{};
}

command parse_resume(const fields& f) {
  cmd::resume c;
  c.resume_token = f.str("resumeToken", presence::required, max_token_bytes,
                         unit::bytes, 1);
  c.last_seq = f.integer("lastSeq", 0, std::numeric_limits<std::int32_t>::max(),
                         0);
  return c;
}

struct entry {
  std::string_view type;
  parser parse;
};

constexpr entry parsers[] = {
  {"CREATE_ROOM", parse_create_room},
  {"JOIN_ROOM", parse_join_room},
  {"APPROVE_JOIN", parse_approve_join},
  {"START_ROOM", parse_room_only<cmd::start_room>},
  {"LEAVE_ROOM", parse_room_only<cmd::leave_room>},
  {"END_ROOM", parse_room_only<cmd::end_room>},
  {"GET_ROOM_STATUS", parse_room_only<cmd::get_room_status>},
  {"FULLSCREEN_EXIT", parse_signal<cmd::signal::fullscreen_exit>},
  {"FULLSCREEN_ENTER", parse_signal<cmd::signal::fullscreen_enter>},
  {"TAB_BLUR", parse_signal<cmd::signal::tab_blur>},
  {"TAB_FOCUS", parse_signal<cmd::signal::tab_focus>},
  {"CODE_CHANGE", parse_code_change},
  {"SUBMIT_CODE", parse_submit_code},
  {"KICK_USER", parse_kick_user},
  {"ANNOUNCE", parse_announce},
  {"HEARTBEAT", parse_heartbeat},
  {"RESUME", parse_resume},
};

decode_error fail(error_code code, std::string message,
                  std::string request_type = {}) {
  return decode_error{code, std::move(message), std::move(request_type)};
}

decode_result decode_impl(std::string_view text, const decode_limits& limits) {
  if (json_depth(text, limits.max_depth) > limits.max_depth)
    return fail(error_code::too_deep,
                "JSON nested deeper than " + std::to_string(limits.max_depth)
                  + " levels");
  // nlohmann's lexer takes a NUL byte for the end of the input, so
  // `{"type":"HEARTBEAT"}\0anything` would pass. A NUL is never valid JSON
  // (outside strings it is no token, inside it is a raw control character).
  if (text.find('\0') != std::string_view::npos)
    return fail(error_code::invalid_json, "the frame is not valid JSON");
  // Non-throwing parse; it also rejects invalid UTF-8 inside strings.
  auto doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded())
    return fail(error_code::invalid_json, "the frame is not valid JSON");
  if (!doc.is_object())
    return fail(error_code::invalid_message, "expected a JSON object");
  auto type_it = doc.find("type");
  if (type_it == doc.end() || !type_it->is_string())
    return fail(error_code::invalid_message,
                "expected a string field \"type\"");
  const auto& type = type_it->get_ref<const std::string&>();
  for (const auto& e : parsers) {
    if (e.type != type)
      continue;
    try {
      return e.parse(fields{doc, limits});
    } catch (field_error& err) {
      return fail(error_code::invalid_field, std::move(err.message), type);
    }
  }
  return fail(error_code::unknown_type, "unknown message type",
              truncate_utf8(type, max_echoed_type_bytes));
}

} // namespace

decode_result decode(std::string_view text, const decode_limits& limits) {
  try {
    return decode_impl(text, limits);
  } catch (...) {
    // Only std::bad_alloc can get here (a frame the size of the heap).
    return decode_error{error_code::internal, {}, {}};
  }
}

} // namespace proctord::protocol::native
