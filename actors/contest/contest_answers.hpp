#pragma once
// join_contest, resync, submit_answer, and connections that go away.
// Internal to actors/contest/.

#include "actors/contest/contest.hpp"

namespace proctord::contest_detail {

void join(contest_self self, const contest_caller& c);
void resync(contest_self self, const contest_caller& c);
void submit(contest_self self, const contest_caller& c,
            protocol::contest::cmd::submit_answer cmd);

/// Whether an answer given at `active_at` ms of running time counts on the
/// frozen board (the board is frozen from freezeBeforeEnd before the end).
bool answer_before_freeze(const contest_state& st, std::int64_t active_at);

/// A connection actor went away: it watches nothing any more.
void forget_connection(contest_self self, const caf::actor_addr& conn);

} // namespace proctord::contest_detail
