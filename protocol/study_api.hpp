#pragma once
// The study rooms' HTTP API bodies (seed 002, "Integration with REST API"):
// parsing the POST bodies of /api/public/users and /api/public/rooms[/...]
// and encoding the answers. Every error body is {code, message, field?};
// every refused body is 400 INVALID_REQUEST (the seed's code). No CAF here:
// actors/study/study_api is the endpoint that uses these.

#include "protocol/api_error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace proctord::protocol::study {

/// Why a request was refused: `code` a stable name ("INVALID_REQUEST" for
/// a bad body), `field` the body's member at fault ("" when none: the body
/// is not a JSON object at all).
using protocol::api_error;
using protocol::encode_api_error;

struct api_limits {
  std::size_t max_depth = 32;
  std::size_t max_user_name = 64;         // characters (code points)
  std::size_t max_user_name_bytes = 256;  // UTF-8 bytes
  std::size_t max_room_name = 100;        // characters (code points)
  std::size_t max_room_name_bytes = 400;  // UTF-8 bytes
  std::size_t max_id = 128;               // bytes of a userId
  std::size_t max_event = 64;             // bytes of a broadcast's event name
  std::int32_t max_capacity = 10000;      // study_config::max_capacity
};

/// POST /api/public/users {userName}
struct new_user {
  std::string user_name; // trimmed
};

/// POST /api/public/rooms {name, capacity}
struct new_room {
  std::string name; // trimmed
  std::int32_t capacity = 0;
};

/// POST /api/public/rooms/:roomId/join and /leave {userId}
struct member_body {
  std::string user_id;
};

/// POST /api/public/rooms/:roomId/broadcast {event, data?}
struct broadcast_body {
  std::string event;
  std::string data; // raw JSON of `data`; "" when absent ("null" when null)
};

template <class T>
using parsed = std::variant<T, api_error>;

// Every parser first refuses (INVALID_REQUEST, no field) a body nested deeper
// than max_depth, one that is not valid JSON (UTF-8 included) and one that is
// not an object; then checks its members (INVALID_REQUEST, `field` naming
// the member). Unknown members are ignored; a null member is an absent one.
// Names are trimmed as JavaScript's String.prototype.trim() does and may not
// contain control characters (U+0000-U+001F, U+007F). None throws.

/// userName: a string of 1 to max_user_name characters once trimmed (at
/// most max_user_name_bytes bytes).
parsed<new_user> parse_new_user(std::string_view body,
                                const api_limits& lim = {});

/// name: a string of 1 to max_room_name characters once trimmed (at most
/// max_room_name_bytes bytes); capacity: an integer from 1 to max_capacity
/// (an integral float such as 10.0 counts: JSON cannot tell them apart).
parsed<new_room> parse_new_room(std::string_view body,
                                const api_limits& lim = {});

/// userId: a non-empty string of at most max_id bytes (not trimmed: an id
/// is compared as it is).
parsed<member_body> parse_member(std::string_view body,
                                 const api_limits& lim = {});

/// event: a non-empty string of at most max_event bytes that is not one of
/// Socket.IO's reserved names; data: any JSON value, kept as compact JSON.
parsed<broadcast_body> parse_broadcast(std::string_view body,
                                       const api_limits& lim = {});

/// Whether Socket.IO reserves `event` (connect, connect_error, disconnect,
/// disconnecting, newListener, removeListener): a server never emits them.
bool reserved_event(std::string_view event) noexcept;

/// Whether `id` can name a room: 1-128 characters of [A-Za-z0-9._~-], as a
/// /public-room/:roomId namespace (protocol/README.md, "Paths and
/// namespaces"). The path is not percent-decoded: "%20" is refused.
bool valid_room_id(std::string_view id) noexcept;

// -- Answers ----------------------------------------------------------------
// Times are ms since the Unix epoch here, ISO-8601 UTC ("...sssZ") on the
// wire.


/// 201 to POST /api/public/users: {userId, userName, createdAt}
std::string encode_user(std::string_view user_id, std::string_view user_name,
                        std::int64_t created_at);

/// 201 to POST /api/public/rooms: {roomId, name, capacity}
std::string encode_room(std::string_view room_id, std::string_view name,
                        std::int32_t capacity);

/// One room of GET /api/public/rooms.
struct room_entry {
  std::string room_id;
  std::string name;
  std::int32_t capacity = 0;
  std::int32_t occupancy = 0;
  std::int64_t created_at = 0;
};

/// 200 to GET /api/public/rooms: {rooms: [{roomId, name, capacity,
/// currentOccupancy, createdAt}]} (an object, not a bare array, so that
/// the answer can grow members such as a total without breaking clients).
std::string encode_rooms(const std::vector<room_entry>& rooms);

/// 200 to .../join: {roomId, userId, userName?, joinedAt, currentOccupancy}
/// (userName left out when empty).
std::string encode_join(std::string_view room_id, std::string_view user_id,
                        std::string_view user_name, std::int64_t joined_at,
                        std::int32_t occupancy);

/// 200 to .../leave: {roomId, userId, currentOccupancy}
std::string encode_leave(std::string_view room_id, std::string_view user_id,
                         std::int32_t occupancy);

/// 200 to .../broadcast: {roomId, event, recipients}
std::string encode_broadcast(std::string_view room_id, std::string_view event,
                             std::int32_t recipients);

} // namespace proctord::protocol::study
