#pragma once
// The session directory (seed 003): the domain of namespace "/" at
// /api/socket/. It authenticates each CONNECT (a token whose role is
// instructor, admin or learner; anything else is refused UNAUTHORIZED),
// answers it with a fresh sid and pid, or hands a recovery ({pid, offset}
// of a pid it can claim) to the pid's session. It holds the sockets that
// are in no session, rate-limits every socket (a token bucket each), routes
// the commands of the others to their session, spawns a session when an
// instructor joins one that does not exist, and keeps the pids of every
// session, expiring those that dropped more than the recovery window ago.
//
// At start it brings back every open session of the snapshot, with its
// participants away and its pids claimable for a window from now.

#include "actors/contest/wall_clock.hpp"
#include "actors/gateway.hpp"
#include "actors/session/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace proctord {

struct session_directory_state {
  static constexpr const char* name = "session_directory";

  struct socket_entry {
    live_socket s;
    /// The session it is in (or joining); "" for none.
    std::string session_id;
    /// The session it is leaving on purpose, until that session released
    /// it; its commands wait in `deferred` meanwhile.
    std::string leaving;
    std::vector<protocol::session::command> deferred;
    token_bucket bucket;
  };

  session_config cfg;
  store_actor store;
  relay_actor relay;
  contest::wall_clock clock;
  pid_table pids;
  /// pid → its session, for every pid in `pids`.
  std::unordered_map<std::string, std::string> pid_rooms;
  std::map<std::string, session_actor> sessions;
  std::unordered_map<std::uint64_t, socket_entry> sockets;
  bool ticking = false;
};

session_directory_actor::behavior_type
session_directory(session_directory_actor::stateful_pointer<session_directory_state> self,
                  session_config cfg, store_actor store, relay_actor relay,
                  persistence::live_snapshot stored);

} // namespace proctord
