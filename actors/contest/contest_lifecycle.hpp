#pragma once
// The contest's lifecycle and clock: start, pause, resume, the questions'
// deadlines, completion, and finding its place in the schedule after a
// restart. Internal to actors/contest/.

#include "actors/contest/contest.hpp"

#include <caf/typed_response_promise.hpp>

#include <functional>

namespace proctord::contest_detail {

using info_promise
  = caf::typed_response_promise<protocol::contest::contest_info>;

/// The subject that lifecycle commits hold: deadlines wait for them.
inline const std::string lifecycle_subject = "contest";

/// Starts the contest with its schedule's origin at `origin` (now for POST
/// /start, the startTime for a scheduled start). Answers `rp` (if pending)
/// after the commit.
void start(contest_self self, std::int64_t origin, info_promise rp);
void pause(contest_self self, info_promise rp);
void resume(contest_self self, info_promise rp);

/// The timer's deadline of generation `gen` came.
void on_deadline(contest_self self, std::uint64_t gen);

/// The timer's tick of generation `gen`: timer_update to everyone.
void on_tick(contest_self self, std::uint64_t gen, std::int32_t remaining);

/// Sets the open question from the schedule at `now` and arms the timer
/// (restore, start, resume, deadlines). Completes the contest when every
/// question's time has run out.
void place(contest_self self, std::int64_t now, bool announce);

/// Arms the timer for a scheduled start (UPCOMING with a startTime).
void arm_start(contest_self self);

/// Writes the contest row (and, once completed, the standings); retried
/// while the store refuses. `then` runs after the first attempt.
void persist_row(contest_self self, std::function<void()> then = {});

/// leaderboard_update to every watcher, when something changed.
void publish_board(contest_self self);

} // namespace proctord::contest_detail
