#pragma once
// The study directory (seed 002): the domain of every /public-room/:roomId
// namespace and the REST API's counterpart. It holds the anonymous users
// (each bound to the keyed hash of the address that created it), the rooms
// (one study_room actor each) and their occupancy, the per-address socket
// counts, and the sockets of rooms that do not exist.
//
// CONNECT to /public-room/<id>: always answered CONNECT; an address already
// holding max_conns_per_ip sockets then gets `error` TOO_MANY_CONNECTIONS
// and a DISCONNECT. Otherwise the socket goes to its room (study_attach), or
// stays here when the room does not exist (its join-room and leave-room get
// ROOM_NOT_FOUND; created later, the room takes it over).
//
// At start, memberships of the previous run are dropped: occupancy after a
// restart is what the reconnecting clients make it.

#include "actors/study/health.hpp"
#include "actors/study/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace proctord {

struct study_directory_state {
  static constexpr const char* name = "study_directory";

  struct room_entry {
    persistence::public_room_record def;
    study_room_actor actor;
    std::int32_t occupancy = 0;
  };

  struct socket_entry {
    sio_from from;
    sio_connection_actor conn;
    std::string address_hash;
    std::string room_id;
    /// Sockets whose room does not exist are checked here.
    socket_health health;
  };

  study_config cfg;
  store_actor store;
  relay_actor relay;
  std::unordered_map<std::string, persistence::public_user_record> users;
  std::map<std::string, room_entry> rooms;
  /// Per address hash: when its last users were created (actor clock, ms).
  std::unordered_map<std::string, std::deque<std::int64_t>> creations;
  /// Per address hash: its sockets (keys) and when each connected (actor
  /// clock, ms).
  std::unordered_map<std::string, std::vector<std::pair<std::uint64_t, std::int64_t>>>
    per_address;
  std::unordered_map<std::uint64_t, socket_entry> sockets;
  bool ticking = false;
};

study_actor::behavior_type
study_directory(study_actor::stateful_pointer<study_directory_state> self,
                study_config cfg, store_actor store, relay_actor relay,
                persistence::study_snapshot stored);

} // namespace proctord
