// The event log encoding (protocol/README.md, "Event log encoding"): the
// field names below are the stored format. Renaming a field, changing its
// meaning or an enum's spelling needs a new version; adding a field with a
// default does not (older readers ignore it, newer ones default it).

#include "protocol/event_log.hpp"

#include "protocol/json_limits.hpp"
#include "protocol/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <stdexcept>
#include <utility>

namespace proctord::protocol {

using json = nlohmann::json;

// Enums are stored by name. Unlike NLOHMANN_JSON_SERIALIZE_ENUM, an unknown
// name fails the decode instead of quietly becoming the first value.
#define PROCTORD_LOG_ENUM(E, ...)                                              \
  inline const char* log_name(const E& e) {                                    \
    static const std::pair<E, const char*> names[] = __VA_ARGS__;              \
    for (const auto& [v, s] : names)                                           \
      if (v == e)                                                              \
        return s;                                                              \
    throw std::invalid_argument("event_log: no name for a value of " #E);      \
  }                                                                            \
  inline void to_json(json& j, const E& e) { j = log_name(e); }                \
  inline void from_json(const json& j, E& e) {                                 \
    static const std::pair<E, const char*> names[] = __VA_ARGS__;              \
    const auto& s = j.get_ref<const std::string&>();                           \
    for (const auto& [v, n] : names)                                           \
      if (s == n) {                                                            \
        e = v;                                                                 \
        return;                                                                \
      }                                                                        \
    throw std::invalid_argument("event_log: unknown " #E " '" + s + "'");      \
  }

PROCTORD_LOG_ENUM(room_status, {{room_status::waiting, "waiting"},
                                {room_status::live, "live"},
                                {room_status::ended, "ended"}})
PROCTORD_LOG_ENUM(member_status, {{member_status::pending, "pending"},
                                  {member_status::approved, "approved"},
                                  {member_status::rejected, "rejected"},
                                  {member_status::kicked, "kicked"},
                                  {member_status::left, "left"}})
PROCTORD_LOG_ENUM(violation_type,
                  {{violation_type::fullscreen_exit, "fullscreen_exit"},
                   {violation_type::tab_switch, "tab_switch"},
                   {violation_type::disconnect, "disconnect"}})
PROCTORD_LOG_ENUM(member_role, {{member_role::host, "host"},
                                {member_role::participant, "participant"}})

// Error codes are stored by their wire code (stable by definition).
inline void to_json(json& j, const error_code& e) { j = to_code(e); }
inline void from_json(const json& j, error_code& e) {
  const auto& s = j.get_ref<const std::string&>();
  for (int i = 0; i <= static_cast<int>(error_code::internal); ++i)
    if (to_code(static_cast<error_code>(i)) == s) {
      e = static_cast<error_code>(i);
      return;
    }
  throw std::invalid_argument("event_log: unknown error code '" + s + "'");
}

namespace cmd {
PROCTORD_LOG_ENUM(signal, {{signal::fullscreen_exit, "fullscreen_exit"},
                           {signal::fullscreen_enter, "fullscreen_enter"},
                           {signal::tab_blur, "tab_blur"},
                           {signal::tab_focus, "tab_focus"}})
} // namespace cmd

namespace evt {

PROCTORD_LOG_ENUM(leave_reason, {{leave_reason::left, "left"},
                                 {leave_reason::disconnected, "disconnected"}})
PROCTORD_LOG_ENUM(end_reason, {{end_reason::host, "host"},
                               {end_reason::time_up, "time_up"}})
PROCTORD_LOG_ENUM(resync_reason,
                  {{resync_reason::grace_expired, "grace_expired"},
                   {resync_reason::events_unavailable, "events_unavailable"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(room_created, room_id,
                                                roomname, resume_token)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(waiting_approval, room_id,
                                                resume_token)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(join_request, user_id,
                                                username, socket_id, timestamp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(join_approved, room_id,
                                                roomname, question, duration,
                                                host_name, role, status,
                                                started_at, ends_at,
                                                resume_token)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(join_rejected, room_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(user_joined, user_id, username,
                                                connected_count, resumed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(user_left, user_id, username,
                                                reason, connected_count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(room_started, room_id,
                                                started_at, ends_at, duration,
                                                server_time)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(room_ended, room_id, reason,
                                                ended_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(member_view, user_id, username,
                                                status, connected,
                                                violation_count, has_submitted)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
  room_status_view, room_id, roomname, status, host_id, host_name,
  host_connected, question, duration, max_guests, is_public, created_at,
  started_at, ends_at, server_time, connected_count, your_role, your_status,
  participants)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(violation_detected, user_id,
                                                username, type,
                                                violation_count, timestamp)
// reconnected and away_ms came later: rows without them read as a signal.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(proctoring_update, user_id,
                                                username, what, timestamp,
                                                reconnected, away_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(code_update, user_id, username,
                                                code, language, timestamp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(announcement, room_id, message,
                                                from, timestamp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(submission_received, room_id,
                                                submission_time)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(user_submitted, user_id,
                                                username, submission_time,
                                                code, language)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(kicked, room_id, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(user_kicked, user_id, username,
                                                reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(heartbeat_ack, timestamp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(resumed, room_id, role, status,
                                                last_seq, replayed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(resync_required, reason,
                                                snapshot)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(error, code, message,
                                                request_type)

} // namespace evt

#undef PROCTORD_LOG_ENUM

namespace event_log {

namespace {

/// "t" of each alternative, in the variant's order.
constexpr std::array<std::string_view, std::variant_size_v<event>> type_names{
  "room_created",        "waiting_approval",   "join_request",
  "join_approved",       "join_rejected",      "user_joined",
  "user_left",           "room_started",       "room_ended",
  "room_status",         "violation_detected", "proctoring_update",
  "code_update",         "announcement",       "submission_received",
  "user_submitted",      "kicked",             "user_kicked",
  "heartbeat_ack",       "error",              "resumed",
  "resync_required",
};

// The deepest stored event is resync_required: envelope, d, snapshot,
// participants, one member (5). Anything much deeper is not ours.
constexpr std::size_t max_depth = 8;

/// The alternative number `index` of event, read from `d`.
template <std::size_t... I>
event from_index(std::size_t index, const json& d,
                 std::index_sequence<I...>) {
  using maker = event (*)(const json&);
  static constexpr maker makers[] = {+[](const json& j) -> event {
    return j.get<std::variant_alternative_t<I, event>>();
  }...};
  return makers[index](d);
}

void set(std::string* error, std::string what) noexcept {
  if (error) {
    try {
      *error = std::move(what);
    } catch (...) {
    }
  }
}

} // namespace

std::string_view type_name(const event& e) noexcept {
  return type_names[e.index()];
}

namespace {

/// The envelope up to "d"'s opening brace.
detail::json_writer open_envelope(const event& e, std::size_t hint) {
  detail::json_writer w{hint};
  w.begin_object();
  w.field("v", static_cast<std::int64_t>(version));
  w.field("t", type_name(e));
  w.begin_object("d");
  return w;
}

std::string close_envelope(detail::json_writer&& w) {
  w.end_object();
  w.end_object();
  return std::move(w).take();
}

// The events a proctored room stores most (one per violation, one per
// focus change) are written directly instead of through an nlohmann tree:
// the same text, with the fields in the tree's (alphabetical) order.

std::string encode_direct(const event& e, const evt::violation_detected& v) {
  auto w = open_envelope(e, 128 + v.user_id.size() + v.username.size());
  w.field("timestamp", v.timestamp);
  w.field("type", log_name(v.type));
  w.field("user_id", v.user_id);
  w.field("username", v.username);
  w.field("violation_count", v.violation_count);
  return close_envelope(std::move(w));
}

std::string encode_direct(const event& e, const evt::proctoring_update& p) {
  auto w = open_envelope(e, 144 + p.user_id.size() + p.username.size());
  w.field("away_ms", p.away_ms);
  w.field("reconnected", p.reconnected);
  w.field("timestamp", p.timestamp);
  w.field("user_id", p.user_id);
  w.field("username", p.username);
  w.field("what", cmd::log_name(p.what));
  return close_envelope(std::move(w));
}

} // namespace

std::string encode(const event& e) {
  if (const auto* v = std::get_if<evt::violation_detected>(&e))
    return encode_direct(e, *v);
  if (const auto* p = std::get_if<evt::proctoring_update>(&e))
    return encode_direct(e, *p);
  json d;
  std::visit([&d](const auto& x) { d = x; }, e);
  std::string out = R"({"v":)";
  out += std::to_string(version);
  out += R"(,"t":")";
  out += type_name(e);
  out += R"(","d":)";
  // Strings came from validated JSON or from us; replace, never throw, if an
  // invalid UTF-8 sequence ever slips through.
  out += d.dump(-1, ' ', false, json::error_handler_t::replace);
  out += '}';
  return out;
}

std::optional<event> decode(std::string_view text, std::string* error) noexcept {
  try {
    if (json_depth(text, max_depth) > max_depth) {
      set(error, "nested too deeply");
      return std::nullopt;
    }
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      set(error, "not a JSON object");
      return std::nullopt;
    }
    auto v = j.find("v");
    if (v == j.end() || !v->is_number_integer() || v->get<std::int64_t>() != version) {
      set(error, "not version " + std::to_string(version));
      return std::nullopt;
    }
    auto t = j.find("t");
    if (t == j.end() || !t->is_string()) {
      set(error, "no type");
      return std::nullopt;
    }
    const auto& name = t->get_ref<const std::string&>();
    std::size_t index = 0;
    while (index < type_names.size() && type_names[index] != name)
      ++index;
    if (index == type_names.size()) {
      set(error, "unknown type '" + name + "'");
      return std::nullopt;
    }
    static const json empty = json::object();
    auto d = j.find("d");
    if (d != j.end() && !d->is_object()) {
      set(error, "\"d\" is not an object");
      return std::nullopt;
    }
    return from_index(index, d == j.end() ? empty : *d,
                      std::make_index_sequence<std::variant_size_v<event>>{});
  } catch (const std::exception& e) {
    set(error, e.what());
  } catch (...) {
    set(error, "unknown failure");
  }
  return std::nullopt;
}

std::optional<std::string> convert_legacy_native(std::string_view frame) noexcept {
  try {
    if (auto e = decode_legacy_native(frame))
      return encode(*e);
  } catch (...) {
  }
  return std::nullopt;
}

} // namespace event_log
} // namespace proctord::protocol
