#include "actors/contest/contest_lifecycle.hpp"

#include "actors/contest/contest_support.hpp"

#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

#include <limits>

namespace proctord::contest_detail {

namespace {

constexpr auto no_tick = std::numeric_limits<std::int32_t>::max();

void reply(info_promise& rp, const contest_state& st, std::int64_t now) {
  if (rp.pending())
    rp.deliver(info_of(st, now));
}

void refuse(info_promise& rp, protocol::error_code code) {
  if (rp.pending())
    rp.deliver(make_error(code));
}

/// Commits the row `st` would have after `change`, then applies `change`
/// and runs `after`; deadlines wait meanwhile. The store refusing leaves
/// the contest as it was.
template <class Change, class After>
void commit_lifecycle(contest_self self, Change change, After after,
                      info_promise rp) {
  auto& st = self->state;
  // The row as it will be: apply the change to a copy of the clock fields.
  auto saved_status = st.status;
  auto saved_times = st.times;
  change(st);
  auto row = contest_row(st);
  auto new_status = st.status;
  auto new_times = st.times;
  st.status = saved_status;
  st.times = saved_times;
  step s;
  s.ws.contests.push_back(std::move(row));
  s.subjects.push_back(lifecycle_subject);
  commit_hooks hooks;
  hooks.apply = [self, new_status, new_times, after, rp]() mutable {
    auto& st = self->state;
    st.status = new_status;
    st.times = new_times;
    st.row_unsaved = false;
    after(self);
    reply(rp, st, st.now());
  };
  hooks.failed = [self, rp](const caf::error& err) mutable {
    spdlog::warn("contest {}: lifecycle change not stored: {}",
                 self->state.id, caf::to_string(err));
    refuse(rp, protocol::error_code::store_unavailable);
  };
  st.log.commit(self, st.store.writer, std::move(s), std::move(hooks));
}

void arm(contest_self self, std::int64_t ends_at, std::int32_t last_sent,
         bool ticks) {
  auto& st = self->state;
  ++st.generation;
  self->send(st.timer, arm_atom::value, st.generation, ends_at, last_sent,
             ticks);
}

void complete(contest_self self, bool announce) {
  auto& st = self->state;
  st.status = protocol::contest::status::completed;
  // The schedule's end, not the moment we noticed it (after a restart
  // those differ).
  st.ended_at = st.times.started_at + st.times.paused_total_ms
                + contest::total_ms(st.limits);
  st.open = -1;
  st.open_ends_at = 0;
  ++st.generation; // nothing of the timer counts any more
  // contest_end once the final row and standings are on disk (or the
  // store refused them: the end stands, and the write is retried).
  persist_row(self, [self, announce] {
    if (!announce)
      return;
    auto& st = self->state;
    pc::evt::contest_end end;
    end.contest_id = st.id;
    end.end_time = st.ended_at;
    end.standings = top_of(st.live, st.cfg.leaderboard_top);
    end.at = st.ended_at;
    broadcast_personal(st, std::move(end), st.live);
  });
}

} // namespace

void persist_row(contest_self self, std::function<void()> then) {
  auto& st = self->state;
  step s;
  s.ws.contests.push_back(contest_row(st));
  if (st.status == pc::status::completed) {
    for (auto& e : st.live.page(0, st.live.size()))
      s.ws.contest_standings.push_back(persistence::contest_standing_record{
        st.id, e.user_id, e.username, e.rank, e.score, e.time_ms});
  }
  commit_hooks hooks;
  hooks.apply = [self, then] {
    self->state.row_unsaved = false;
    if (then)
      then();
  };
  hooks.failed = [self, then](const caf::error& err) {
    self->state.row_unsaved = true;
    if (then)
      then();
    if (err == caf::sec::request_receiver_down) {
      // The store is gone (shutdown): the next start reads the schedule.
      spdlog::warn("contest {}: its row is not stored: the store is down",
                   self->state.id);
      return;
    }
    spdlog::error("contest {}: its row is not stored ({}); retrying",
                  self->state.id, caf::to_string(err));
    self->delayed_send(self, std::chrono::seconds{1}, persist_atom::value);
  };
  st.log.commit(self, st.store.writer, std::move(s), std::move(hooks));
}

void place(contest_self self, std::int64_t now, bool announce) {
  auto& st = self->state;
  auto loc = contest::locate(st.times, st.limits, now);
  auto n = static_cast<int>(st.def.questions.size());
  if (loc.index >= n) {
    if (announce && st.open >= 0)
      broadcast(st, pc::evt::question_change{
                      st.id, st.def.questions[static_cast<std::size_t>(st.open)].id,
                      std::nullopt, now});
    complete(self, announce);
    return;
  }
  if (loc.index < 0)
    return;
  bool moved = loc.index != st.open;
  if (moved && announce && st.open >= 0)
    broadcast(st, pc::evt::question_change{
                    st.id, st.def.questions[static_cast<std::size_t>(st.open)].id,
                    st.def.questions[static_cast<std::size_t>(loc.index)].id,
                    now});
  if (moved)
    st.last_tick = no_tick;
  st.open = loc.index;
  if (st.status == pc::status::paused) {
    // Frozen: as if it resumed at the pause.
    st.open_ends_at = st.times.paused_at + loc.remaining_ms;
    return;
  }
  st.open_ends_at = loc.ends_at;
  if (moved && announce)
    broadcast(st, pc::evt::question_broadcast{question_at(st, st.open),
                                              opened_at(st)});
  arm(self, st.open_ends_at, st.last_tick, true);
}

void arm_start(contest_self self) {
  auto& st = self->state;
  if (st.status == pc::status::upcoming && st.def.start_time != 0)
    arm(self, st.def.start_time, no_tick, false);
}

void start(contest_self self, std::int64_t origin, info_promise rp) {
  auto& st = self->state;
  if (st.status != pc::status::upcoming) {
    refuse(rp, protocol::error_code::invalid_state);
    return;
  }
  commit_lifecycle(
    self,
    [origin](contest_state& s) {
      s.status = pc::status::active;
      s.times.started_at = origin;
    },
    [](contest_self self) {
      auto& st = self->state;
      auto now = st.now();
      broadcast(st, start_event(st));
      st.board_dirty = true;
      place(self, now, true);
    },
    std::move(rp));
}

void pause(contest_self self, info_promise rp) {
  auto& st = self->state;
  if (st.status != pc::status::active) {
    refuse(rp, protocol::error_code::invalid_state);
    return;
  }
  auto at = st.now();
  commit_lifecycle(
    self,
    [at](contest_state& s) {
      s.status = pc::status::paused;
      s.times.paused_at = at;
    },
    [](contest_self self) {
      auto& st = self->state;
      ++st.generation;
      self->send(st.timer, disarm_atom::value);
      broadcast(st, pc::evt::contest_paused{st.id, remaining_s(st, st.now()),
                                            st.now()});
    },
    std::move(rp));
}

void resume(contest_self self, info_promise rp) {
  auto& st = self->state;
  if (st.status != pc::status::paused) {
    refuse(rp, protocol::error_code::invalid_state);
    return;
  }
  auto at = st.now();
  auto paused_for = std::max<std::int64_t>(0, at - st.times.paused_at);
  commit_lifecycle(
    self,
    [paused_for](contest_state& s) {
      s.status = pc::status::active;
      s.times.paused_total_ms += paused_for;
      s.times.paused_at = 0;
    },
    [paused_for](contest_self self) {
      auto& st = self->state;
      st.open_ends_at += paused_for;
      auto now = st.now();
      broadcast(st, pc::evt::contest_resumed{st.id, remaining_s(st, now), now});
      place(self, now, true);
    },
    std::move(rp));
}

void on_deadline(contest_self self, std::uint64_t gen) {
  // A lifecycle change in flight decides first (a pause that commits
  // makes this deadline stale).
  self->state.log.when_free(lifecycle_subject, [self, gen] {
    auto& st = self->state;
    if (gen != st.generation)
      return;
    if (st.status == pc::status::upcoming) {
      start(self, st.def.start_time, info_promise{});
      return;
    }
    if (st.status == pc::status::active)
      place(self, st.now(), true);
  });
}

void on_tick(contest_self self, std::uint64_t gen, std::int32_t remaining) {
  auto& st = self->state;
  if (gen != st.generation || st.status != pc::status::active || st.open < 0
      || remaining >= st.last_tick)
    return;
  st.last_tick = remaining;
  broadcast(st, tick_event(st, remaining));
}

void publish_board(contest_self self) {
  auto& st = self->state;
  if (!st.board_dirty || st.status == pc::status::upcoming
      || st.status == pc::status::completed)
    return;
  st.board_dirty = false;
  auto now = st.now();
  auto& board = public_board(st, now);
  pc::evt::leaderboard_update e;
  e.contest_id = st.id;
  e.top = top_of(board, st.cfg.leaderboard_top);
  e.total_participants = static_cast<std::int64_t>(st.ranked);
  e.at = now;
  broadcast_personal(st, std::move(e), board);
}

} // namespace proctord::contest_detail
