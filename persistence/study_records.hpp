#pragma once
// Public study rooms' rows (seed 002), as the store writes and reads them.
// Times are milliseconds since the Unix epoch.

#include <cstdint>
#include <string>
#include <vector>

namespace proctord::persistence {

/// An anonymous user, bound to the keyed hash of the address that created
/// it (never the address itself). Written once.
struct public_user_record {
  std::string user_id;
  std::string user_name;
  std::string address_hash; // hex HMAC-SHA256 of the address
  std::int64_t created_at = 0;
};

/// A public room. Written at creation (and again if it changes).
struct public_room_record {
  std::string room_id;
  std::string name;
  std::int32_t capacity = 0;
  std::int64_t created_at = 0;
};

/// A user's membership of a room: written when the user joins; `removed`
/// deletes the row (a leave, or a disconnect).
struct public_member_record {
  std::string room_id;
  std::string user_id;
  std::int64_t joined_at = 0;
  bool removed = false;
};

/// Everything stored of the public rooms, loaded at start.
struct study_snapshot {
  std::vector<public_user_record> users;   // by created_at
  std::vector<public_room_record> rooms;   // by created_at
  std::vector<public_member_record> members;
};

} // namespace proctord::persistence
