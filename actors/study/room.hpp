#pragma once
// One public study room (seed 002): its members, its sockets and their
// health. Members come from REST joins and from sockets' `join-room`;
// occupancy is the number of members. Every membership change is committed
// before it takes effect and is told; while a join commits, its place
// counts against the capacity.
//
// A socket of the room's namespace:
//
//   attached ──join-room──▶ joined (bound to a member) ──leave-room──▶ disconnected
//      │                        │ disconnect: the member leaves if it has no
//      │                        ▼ other socket (user-left to the others)
//      └── idle: `ping` every interval; `max_missed_pings` in a row without
//          a `pong` ──▶ error CONNECTION_TIMEOUT, disconnected

#include "actors/study/health.hpp"
#include "actors/study/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace proctord {

struct study_socket {
  sio_from from;
  sio_connection_actor conn;
  std::string address_hash;
  std::string user_id; // "" until its join-room succeeds
  socket_health health;
};

struct study_member {
  std::string user_name;
  std::int64_t joined_at = 0;
  /// Its sockets (keys of study_room_state::sockets); none after a REST join.
  std::set<std::uint64_t> sockets;
};

struct study_room_state {
  static constexpr const char* name = "study_room";
  study_config cfg;
  store_actor store;
  relay_actor relay;
  study_actor directory;
  persistence::public_room_record def;
  std::string nsp; // "/public-room/<roomId>"
  std::map<std::string, study_member> members;
  std::set<std::string> pending; // joins being committed
  std::map<std::uint64_t, study_socket> sockets;
  /// Every socket's recipient, for broadcasts; empty when it must be built
  /// again (audience() in room.cpp).
  std::vector<recipient> everyone;
  bool ticking = false;
};

study_room_actor::behavior_type
study_room(study_room_actor::stateful_pointer<study_room_state> self,
           study_config cfg, store_actor store, relay_actor relay,
           study_actor directory, persistence::public_room_record def);

/// A socket's key among a room's sockets.
inline std::uint64_t socket_key(const recipient& r) {
  return (r.conn_id << 16) | r.channel;
}

} // namespace proctord
