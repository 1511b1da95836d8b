#pragma once
// The exam directory (seed 004): the domain of namespace "/" on /socket.io/
// and the REST API's counterpart. It holds the exams (one exam actor each),
// the domain's pids, and every socket of the namespace: who its token says
// it is, where it is, its rate limit.
//
// CONNECT: a token whose role is student, teacher or admin, else
// CONNECT_ERROR "UNAUTHORIZED". With a pid and an offset that
// pid_table::claim() grants, the socket goes to its exam to recover
// (exam_restore); otherwise it is connected afresh (a new pid) and waits
// here until it joins an exam (join-exam-session, join-monitoring), which
// is then the only one to write to it. Commands of a waiting socket are
// answered here (NOT_IN_EXAM, FORBIDDEN, EXAM_NOT_FOUND, ...).
//
// After a restart every exam, sitting, answer and pid comes back from the
// store (live_snapshot); the pids stored as connected dropped at the start.

#include "actors/contest/wall_clock.hpp"
#include "actors/exam/interfaces.hpp"
#include "actors/exam/stats.hpp"
#include "actors/gateway.hpp" // token_bucket

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace proctord {

struct exam_directory_state {
  static constexpr const char* name = "exam_directory";

  struct exam_entry {
    persistence::exam_record def;
    exam_actor actor;
  };

  struct socket_entry {
    live_socket sock;
    /// The sid a fresh CONNECT of this socket gets (sio_join's).
    std::string fresh_sid;
    /// The exam it is in (or entering, or recovering in); "" while it waits.
    std::string exam_id;
    token_bucket bucket;
  };

  exam_config cfg;
  store_actor store;
  relay_actor relay;
  std::shared_ptr<exam_stats> stats;
  contest::wall_clock clock;
  std::map<std::string, exam_entry> exams;
  std::unordered_map<std::uint64_t, socket_entry> sockets;
  pid_table pids;
  bool expiring = false;
};

exam_directory_actor::behavior_type
exam_directory(exam_directory_actor::stateful_pointer<exam_directory_state> self,
               exam_config cfg, store_actor store, relay_actor relay,
               persistence::live_snapshot stored,
               std::shared_ptr<exam_stats> stats);

} // namespace proctord
