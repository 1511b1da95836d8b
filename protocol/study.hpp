#pragma once
// Public study rooms (seed 002): the typed commands a socket of namespace
// /public-room/:roomId sends, the events it receives, and their Socket.IO
// wire form (event name + arguments). Times are ms since the Unix epoch in
// the types, ISO-8601 UTC with milliseconds on the wire.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace proctord::protocol::study {

/// The seed's error codes, each sent as `error` {code, message}.
enum class error_code : std::uint8_t {
  too_many_connections, // TOO_MANY_CONNECTIONS
  connection_error,     // CONNECTION_ERROR
  invalid_request,      // INVALID_REQUEST
  invalid_user,         // INVALID_USER
  room_not_found,       // ROOM_NOT_FOUND
  join_error,           // JOIN_ERROR
  leave_error,          // LEAVE_ERROR
  connection_timeout,   // CONNECTION_TIMEOUT
};

std::string_view to_string(error_code c);

namespace cmd {

/// `join-room` {userId, userName}: the name sent is not used (the stored
/// user's is).
struct join_room {
  std::string user_id;
};

/// `leave-room` {userId}.
struct leave_room {
  std::string user_id;
};

/// `pong`: the answer to the server's `ping`.
struct pong {};

/// A known event whose payload is wrong: answered INVALID_REQUEST.
struct invalid {
  std::string message;
};

} // namespace cmd

using command = std::variant<cmd::join_room, cmd::leave_room, cmd::pong,
                             cmd::invalid>;

struct limits {
  std::size_t max_id = 128; // bytes of a userId
};

/// Decodes a client event by its name and its raw JSON arguments
/// (comma-separated values, as protocol::socketio::split_event gives
/// them). nullopt for an event name the study rooms do not know (ignored,
/// as a Socket.IO server ignores events without a handler).
std::optional<command> decode(std::string_view name, std::string_view args,
                              const limits& lim = {});

namespace evt {

/// `user-joined` {userId, userName, joinedAt, currentOccupancy}
struct user_joined {
  std::string user_id;
  std::string user_name;
  std::int64_t joined_at = 0;
  std::int32_t current_occupancy = 0;
};

/// `user-left` {userId, currentOccupancy}
struct user_left {
  std::string user_id;
  std::int32_t current_occupancy = 0;
};

/// `error` {code, message}
struct error {
  error_code code = error_code::invalid_request;
  std::string message;
};

/// `ping` (no payload)
struct ping {};

} // namespace evt

using event = std::variant<evt::user_joined, evt::user_left, evt::error,
                           evt::ping>;

/// The Socket.IO form of an event: its name and its arguments as raw JSON
/// ("" for none).
struct wire_event {
  std::string_view name;
  std::string args;
};

wire_event encode(const event& e);

} // namespace proctord::protocol::study
