#pragma once
// The contests directory: creates contests (their rows committed first, then
// their actor spawned) and finds them by id. Contests restored after a
// restart are spawned again here, completed ones too (their results stay
// readable through the API).

#include "actors/contest/contest.hpp"

#include <caf/stateful_actor.hpp>

#include <string>
#include <unordered_map>
#include <vector>

namespace proctord {

struct contests_state {
  static constexpr const char* name = "contests";
  contest_config cfg;
  storage store;
  std::unordered_map<std::string, contest_actor> live;
  std::unordered_map<caf::actor_addr, std::string> ids_by_addr;
  bool stopping = false;
};

contests_actor::behavior_type
contests(contests_actor::stateful_pointer<contests_state> self,
         contest_config cfg, storage store,
         std::vector<persistence::contest_snapshot> restore);

} // namespace proctord
