#pragma once
// One exam (seed 004): its students' sittings and answers, the teachers
// who monitor it, its event log and its clocks. It is the only writer to
// its sockets once they are in.
//
// A student's sitting, from its first join for the exam's duration:
//
//              join-exam-session             drop (transport gone)
//   (none) ─────────────────────▶ active ───────────────────────▶ disconnected
//                                 │  ▲        recover / rejoin        │
//                                 │  └────────────────────────────────┘
//                                 │ end-exam (manual), force-end-exam
//                                 ▼ (forced), time up (timeout)
//                               ended  (a rejoin gets EXAM_ENDED; a recovery
//                                       still gets what it missed)
//
// A socket of the exam: recovering (its missed events are read; nothing
// live reaches it) → live → gone (dropped, replaced or left).
//
// Every change is committed before it is applied and shown: a step stages
// rows and logged events into one write set; while it commits, the exam's
// next step waits (one commit in flight per exam, so each step sees every
// earlier one and events go out in seq order). Logged events go to each
// live socket they are addressed to, with their seq as the offset, and
// each socket remembers the last seq it was sent (so a replay and the live
// stream never send one twice).

#include "actors/contest/wall_clock.hpp"
#include "actors/exam/interfaces.hpp"
#include "actors/exam/stats.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace proctord {

/// What an exam starts from: its definition and, after a restart, what was
/// stored of it.
struct exam_seed {
  persistence::exam_record def;
  std::vector<persistence::exam_student_record> students;
  std::vector<persistence::exam_answer_record> answers;
  std::int64_t last_seq = 0;
};

struct exam_student {
  persistence::exam_student_record row;
  /// By question id: a resubmitted question replaces its answer.
  std::map<std::string, persistence::exam_answer_record> answers;
  /// Its live socket (key), 0 for none.
  std::uint64_t socket = 0;
  /// lastSeenAt moved since the row was last written (written lazily).
  bool seen_dirty = false;
};

struct exam_socket {
  enum class role : std::uint8_t { student, monitor };
  enum class phase : std::uint8_t { recovering, live, gone };
  live_socket sock;
  role as = role::student;
  phase at = phase::live;
  /// The seq of the last logged event it was sent, or that a replay
  /// looked at (those between were not addressed to it).
  std::int64_t delivered = 0;
  /// A recovering socket's CONNECT was answered.
  bool connected = true;

  bool monitor() const { return as == role::monitor; }
};

struct exam_counts {
  std::int64_t active = 0;
  std::int64_t disconnected = 0;
  std::int64_t ended = 0;
  std::int64_t monitors = 0;
  bool running = false;
};

struct exam_state {
  static constexpr const char* name = "exam";

  exam_config cfg;
  store_actor store;
  relay_actor relay;
  exam_directory_actor directory;
  std::shared_ptr<exam_stats> stats;
  contest::wall_clock clock;
  persistence::exam_record def;
  std::optional<live_log> log;
  std::map<std::string, exam_student> students;
  std::map<std::uint64_t, exam_socket> sockets;
  /// One commit in flight at a time; the steps that came meanwhile.
  bool busy = false;
  std::deque<std::function<void()>> waiting;
  bool ticking = false;
  /// What this exam last added to `stats`.
  exam_counts counted;
};

using exam_self = exam_actor::stateful_pointer<exam_state>;

/// `wall` anchors the exam's wall-clock time to the actor clock (the
/// directory's, so that every exam reads the same time).
exam_actor::behavior_type exam(exam_self self, exam_config cfg,
                               store_actor store, relay_actor relay,
                               exam_directory_actor directory,
                               std::shared_ptr<exam_stats> stats,
                               contest::wall_clock wall, exam_seed seed);

} // namespace proctord
