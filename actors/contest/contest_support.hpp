#pragma once
// What the contest's handlers share: views of its state, delivery to its
// watchers, its rows. Internal to actors/contest/.

#include "actors/contest/contest.hpp"

#include <string>
#include <vector>

namespace proctord::contest_detail {

namespace pc = protocol::contest;

// -- views ---------------------------------------------------------------------

/// The question at `index` as participants see it (ends_at 0 unless open).
pc::question_view question_at(const contest_state& st, int index);

/// Whole seconds left of the open question at `now`, rounded up (a paused
/// contest's left time); 0 when none is open.
std::int32_t remaining_s(const contest_state& st, std::int64_t now);

/// Milliseconds left of the open question (frozen while paused).
std::int64_t remaining_ms(const contest_state& st, std::int64_t now);

/// Whether the board participants see is frozen at `now`.
bool frozen_now(const contest_state& st, std::int64_t now);

/// The board participants see at `now` (the frozen one during a freeze).
const contest::scoreboard& public_board(const contest_state& st,
                                        std::int64_t now);

std::vector<pc::standing> top_of(const contest::scoreboard& board,
                                 std::size_t n);

/// A participant's own place: rank from `board`, score always live.
pc::you_view you_of(const contest_state& st, const contest::participant& p,
                    const contest::scoreboard& board);

pc::evt::contest_state state_for(const contest_state& st,
                                 const contest::participant* p,
                                 std::int64_t now);

pc::contest_info info_of(const contest_state& st, std::int64_t now);

/// contest_start as it went out: stamped with the start.
pc::evt::contest_start start_event(const contest_state& st);

/// Tick `k` of the open question, stamped with its due time
/// (endsAt - k s), live and in snapshots alike.
pc::evt::timer_update tick_event(const contest_state& st, std::int32_t k);

/// When the open question opened (its deadline minus its limit); 0: none.
std::int64_t opened_at(const contest_state& st);

// -- delivery ------------------------------------------------------------------

/// One event to one connection.
void send_to(const contest::watcher& w, const std::string& contest_id,
             pc::event e);
void send_to(const contest_caller& c, const std::string& contest_id,
             pc::event e);
void error_to(const contest_caller& c, const std::string& contest_id,
              pc::error_code code, std::string message, std::int64_t now);

/// One event to every watcher (participants and observers): one envelope
/// per relay.
void broadcast(const contest_state& st, const pc::event& e);

/// An event with a per-recipient `you` (leaderboard_update, contest_end)
/// to every watcher, ranks from `board`.
void broadcast_personal(const contest_state& st, pc::event e,
                        const contest::scoreboard& board);

/// What a join or resync answers: contest_state, then the seed's own events
/// for where the contest is (contest_start, the open question_broadcast and
/// a timer_update, and contest_paused while paused; contest_end when it is
/// over).
void send_snapshot(const contest_state& st, const contest_caller& c,
                   const contest::participant* p, std::int64_t now);

// -- rows ----------------------------------------------------------------------

persistence::contest_record contest_row(const contest_state& st);

} // namespace proctord::contest_detail
