#pragma once
// One actor per contest connection (seed 001's /ws/contest): the token's
// user, and the contests it talks to. It finds a contest through the
// directory once, then hands every command to it with who sent it. Its own
// replies (CONTEST_NOT_FOUND) go through the relay like every other frame.

#include "actors/contest/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <string>
#include <unordered_map>

namespace proctord {

struct contest_connection_state {
  static constexpr const char* name = "contest_connection";
  contest_caller me; // conn is this actor
  contests_actor contests;
  std::unordered_map<std::string, contest_actor> known;
};

contest_connection_actor::behavior_type contest_connection(
  contest_connection_actor::stateful_pointer<contest_connection_state> self,
  contests_actor contests, relay_actor relay, std::uint64_t conn_id,
  std::string user_id, std::string username, bool observer);

} // namespace proctord
