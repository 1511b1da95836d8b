#pragma once
// One actor per contest (seed 001). It owns the contest's definition, its
// lifecycle (UPCOMING -> ACTIVE <-> PAUSED -> COMPLETED), its participants
// with their answers, and two scoreboards (live, and as it stood at the
// freeze). Its timer actor wakes it at the schedule's deadlines; answers are
// acknowledged after the store commits them (the journal's commit-then-
// apply). Events go to the participants' sockets through their relays.
//
//   UPCOMING ──start (HTTP, or startTime)──▶ ACTIVE ──last deadline──▶ COMPLETED
//                                            │   ▲
//                                      pause │   │ resume
//                                            ▼   │
//                                            PAUSED
//
// The schedule is absolute (actors/contest/schedule.hpp): questions run
// back to back from the start, shifted only by pauses. So a contest restored
// after a restart finds its open question, or its end, from the stored
// start and pauses alone.

#include "actors/config.hpp"
#include "actors/contest/interfaces.hpp"
#include "actors/contest/schedule.hpp"
#include "actors/contest/scoreboard.hpp"
#include "actors/contest/wall_clock.hpp"
#include "actors/core/journal.hpp"
#include "persistence/contest_records.hpp"

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace proctord {

namespace contest {

/// A connection watching the contest for a user.
struct watcher {
  recipient at;
  relay_actor relay;
  caf::actor_addr conn;
};

struct answer_outcome {
  bool correct = false;
  std::int64_t points = 0;
  std::int64_t elapsed_ms = 0;
  std::int64_t total_after = 0;
  std::string idempotency_key;
};

struct participant {
  std::string user_id;
  std::string username;
  bool observer = false;
  /// Answers by question id, and the ids in the order answered.
  std::unordered_map<std::string, answer_outcome> answers;
  std::vector<std::string> answered;
  std::vector<watcher> conns;
};

} // namespace contest

struct contest_state {
  static constexpr const char* name = "contest";

  contest_config cfg;
  storage store;
  journal log; // commits and per-user subjects
  contest_timer_actor timer;
  contest::wall_clock clock;

  std::string id;
  protocol::contest::contest_def def;
  std::vector<std::int32_t> limits; // the questions' time limits (s)
  std::string created_by;
  std::int64_t created_at = 0;
  protocol::contest::status status = protocol::contest::status::upcoming;
  contest::clock_state times;
  std::int64_t ended_at = 0;

  /// The open question (index into def.questions) and its window; -1 none.
  int open = -1;
  std::int64_t open_ends_at = 0;
  /// The last timer_update value sent for the open question.
  std::int32_t last_tick = std::numeric_limits<std::int32_t>::max();
  /// The timer generation whose messages count.
  std::uint64_t generation = 0;

  std::unordered_map<std::string, contest::participant> people;
  std::map<caf::actor_addr, std::string> by_conn; // connection -> user
  std::size_t ranked = 0; // participants, observers not counted
  contest::scoreboard live;
  contest::scoreboard frozen; // answers given before the freeze only
  bool board_dirty = false;
  /// The contest row failed to commit: write it again.
  bool row_unsaved = false;

  std::int64_t now() { return clock.now(self_clock()); }
  caf::actor_clock& self_clock() { return *actor_clock; }
  caf::actor_clock* actor_clock = nullptr;
};

using contest_self = contest_actor::stateful_pointer<contest_state>;

/// A new contest (its rows are committed already).
contest_actor::behavior_type
contest_new(contest_self self, contest_config cfg, storage store,
            std::string id, protocol::contest::contest_def def,
            std::string created_by, std::int64_t created_at);

/// A contest restored from the store after a restart.
contest_actor::behavior_type
contest_restored(contest_self self, contest_config cfg, storage store,
                 persistence::contest_snapshot snap);

/// The rows of a new contest (contest + questions), for its first commit.
persistence::write_set contest_rows(const std::string& id,
                                    const protocol::contest::contest_def& def,
                                    const std::string& created_by,
                                    std::int64_t created_at);

} // namespace proctord
