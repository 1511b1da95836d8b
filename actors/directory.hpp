#pragma once
// The directory: finds rooms by id and spawns new ones. It is the only
// place that knows which room ids are taken.

#include "actors/config.hpp"
#include "actors/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace proctord {

struct directory_state {
  static constexpr const char* name = "directory";
  room_config room_cfg;
  storage store;
  std::unordered_map<std::string, room_actor> live;
  std::unordered_map<caf::actor_addr, std::string> ids_by_addr;
  /// Ids of rooms that ended (they answer ROOM_ENDED).
  std::unordered_set<std::string> ended;
  bool stopping = false;
  std::mt19937_64 rng{std::random_device{}()};
};

/// `ended` lists the ids of every room that ended (so that no id is
/// reused and a JOIN_ROOM gets ROOM_ENDED); `restore` the rooms that had not,
/// which the directory spawns again.
directory_actor::behavior_type
directory(directory_actor::stateful_pointer<directory_state> self,
          room_config room_cfg, storage store,
          std::vector<std::string> ended,
          std::vector<persistence::room_snapshot> restore);

/// A fresh room id: 6 characters of [A-Za-z0-9], as in seed 000.
std::string make_room_id(std::mt19937_64& rng);

} // namespace proctord
