#pragma once
// Wire error codes: stable strings, each defined once, mapped from the
// internal enum in exactly one function (to_code).

#include <cstdint>
#include <string_view>

namespace proctord::protocol {

enum class error_code : std::uint8_t {
  invalid_json,      // the frame is not JSON
  too_deep,          // JSON nested deeper than the configured limit
  invalid_message,   // JSON, but not an object with a string "type"
  unknown_type,      // "type" names no message of the dialect
  invalid_field,     // a field is missing, of the wrong type or out of range
  unauthorized,      // token missing, malformed, badly signed or expired
  identity_mismatch, // a token for another user on an authenticated connection
  room_not_found,
  room_ended,        // the room has ended and accepts nothing
  not_in_room,       // the connection is not a member of that room
  already_in_room,   // the connection is bound to another room
  forbidden,         // the role does not allow this action
  room_full,         // maxGuests approved participants already
  kicked,            // the user was kicked from this room and cannot rejoin
  invalid_state,     // e.g. START_ROOM on a live room
  user_not_found,    // APPROVE_JOIN / KICK_USER names no such member
  rate_limited,      // too many messages per second; the message was dropped
  store_unavailable, // the write did not commit; retry
  session_replaced,  // the same user joined the room from another connection
  overloaded,        // the server is behind on writing; a live-only message was dropped
  resume_in_progress, // a RESUME for this seat is still replaying
  internal,
};

/// The stable wire string of an error code, e.g. "ROOM_NOT_FOUND".
std::string_view to_code(error_code code) noexcept;

/// Whether a client may retry the same message unchanged.
bool retryable(error_code code) noexcept;

} // namespace proctord::protocol
