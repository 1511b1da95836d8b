#pragma once
// Collaborative coding sessions (seed 003): the typed commands a socket of
// namespace "/" at /api/socket/ sends, the events it receives, and their
// Socket.IO wire form (event name + arguments). Times are ms since the Unix
// epoch in the types, ISO-8601 UTC with milliseconds on the wire.
//
// Identity never comes from a payload: `userInfo` in `join-session` is
// accepted for the seed's shape and ignored (the token names the user).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace proctord::protocol::session {

/// The error codes, each sent as `error` {code, message}.
enum class error_code : std::uint8_t {
  session_not_found, // SESSION_NOT_FOUND
  not_in_session,    // NOT_IN_SESSION
  invalid_payload,   // INVALID_PAYLOAD (the message names the field)
  forbidden,         // FORBIDDEN
  session_replaced,  // SESSION_REPLACED
  rate_limited,      // RATE_LIMITED
  store_unavailable, // STORE_UNAVAILABLE (a join or leave not stored; retry)
};

std::string_view to_string(error_code c);

struct cursor {
  std::int32_t line = 0;
  std::int32_t column = 0;
};

namespace cmd {

/// `join-session` {sessionId, userInfo}.
struct join_session {
  std::string session_id;
};

/// `leave-session` (no payload).
struct leave_session {};

/// `cursor-update` {line, column}.
struct cursor_update {
  cursor at;
};

/// `activity-status` {isActive}.
struct activity_status {
  bool is_active = false;
};

/// A known event whose payload is wrong: answered INVALID_PAYLOAD.
struct invalid {
  std::string message; // names the field
};

} // namespace cmd

using command = std::variant<cmd::join_session, cmd::leave_session,
                             cmd::cursor_update, cmd::activity_status,
                             cmd::invalid>;

struct limits {
  std::size_t max_id = 128; // bytes of a sessionId
};

/// Decodes a client event by its name and its raw JSON arguments
/// (comma-separated values, as protocol::socketio::split_event gives them).
/// nullopt for an event name sessions do not know (ignored, as a Socket.IO
/// server ignores events without a handler).
std::optional<command> decode(std::string_view name, std::string_view args,
                              const limits& lim = {});

/// ParticipantInfo {userId, name, role, isActive, cursor, joinedAt}.
struct participant {
  std::string user_id;
  std::string name;
  std::string role; // "instructor" | "learner" (an admin is an instructor)
  bool is_active = true;
  std::optional<cursor> at; // null on the wire when unset
  std::int64_t joined_at = 0;
};

namespace evt {

/// `session-joined` {sessionId, participants}
struct session_joined {
  std::string session_id;
  std::vector<participant> participants;
};

/// `user-joined` {user, participants}
struct user_joined {
  participant user;
  std::vector<participant> participants;
};

/// `user-left` {userId, user, participants}
struct user_left {
  std::string user_id;
  participant user;
  std::vector<participant> participants;
};

/// `cursor-moved` {userId, cursor} (live only)
struct cursor_moved {
  std::string user_id;
  cursor at;
};

/// `user-activity-changed` {userId, isActive}
struct user_activity_changed {
  std::string user_id;
  bool is_active = false;
};

/// `session-closed` {sessionId, reason}
struct session_closed {
  std::string session_id;
  std::string reason; // "inactive"
};

/// `error` {code, message}
struct error {
  error_code code = error_code::invalid_payload;
  std::string message;
};

} // namespace evt

using event = std::variant<evt::session_joined, evt::user_joined,
                           evt::user_left, evt::cursor_moved,
                           evt::user_activity_changed, evt::session_closed,
                           evt::error>;

/// The Socket.IO form of an event: its name and its arguments as raw JSON.
struct wire_event {
  std::string_view name;
  std::string args;
};

wire_event encode(const event& e);

} // namespace proctord::protocol::session
