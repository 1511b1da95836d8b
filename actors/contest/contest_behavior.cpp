// The contest actor's behavior: what arrives, and what each message does.
// The rules live in contest_answers.cpp and contest_lifecycle.cpp.

#include "actors/contest/contest.hpp"

#include "actors/contest/contest_answers.hpp"
#include "actors/contest/contest_lifecycle.hpp"
#include "actors/contest/contest_support.hpp"
#include "actors/contest/timer.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace proctord {

namespace pc = protocol::contest;
using namespace contest_detail;

persistence::write_set contest_rows(const std::string& id,
                                    const pc::contest_def& def,
                                    const std::string& created_by,
                                    std::int64_t created_at) {
  persistence::write_set ws;
  persistence::contest_record r;
  r.contest_id = id;
  r.title = def.title;
  r.scoring = std::string{pc::to_string(def.score_rule)};
  r.freeze_before_end = def.freeze_before_end;
  r.status = std::string{pc::to_string(pc::status::upcoming)};
  r.created_by = created_by;
  r.created_at = created_at;
  r.start_at = def.start_time;
  ws.contests.push_back(std::move(r));
  std::int32_t position = 0;
  for (auto& q : def.questions) {
    persistence::contest_question_record row;
    row.contest_id = id;
    row.question_id = q.id;
    row.position = position++;
    row.text = q.text;
    row.has_options = q.options.has_value();
    if (q.options)
      row.options = *q.options;
    row.answer = q.answer;
    row.points = q.points;
    row.time_limit = q.time_limit;
    ws.contest_questions.push_back(std::move(row));
  }
  return ws;
}

namespace {

void init(contest_self self, contest_config cfg, storage store) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.actor_clock = &self->clock();
  st.clock = contest::wall_clock::starting_now(self->clock());
  st.log.room_id = st.id;
  st.log.publish = [](const journal_entry&) {}; // contests keep no event log
  st.timer = self->spawn<caf::linked>(contest_timer,
                                      caf::actor_cast<contest_actor>(self),
                                      st.clock);
  st.limits.clear();
  for (auto& q : st.def.questions)
    st.limits.push_back(q.time_limit);
  self->set_down_handler([self](caf::down_msg& msg) {
    forget_connection(self, msg.source);
  });
}

contest_actor::behavior_type behavior(contest_self self) {
  // The leaderboard interval runs for the contest's life.
  self->delayed_send(self, self->state.cfg.leaderboard_interval,
                     publish_atom::value);
  return {
    [=](contest_caller& c, pc::cmd::join_contest&) { join(self, c); },
    [=](contest_caller& c, pc::cmd::resync&) { resync(self, c); },
    [=](contest_caller& c, pc::cmd::submit_answer& cmd) {
      submit(self, c, std::move(cmd));
    },
    [=](start_atom) -> caf::typed_response_promise<pc::contest_info> {
      auto rp = self->make_response_promise<pc::contest_info>();
      // One lifecycle change at a time: a second waits for the first's
      // commit and sees its outcome.
      self->state.log.when_free(lifecycle_subject, [self, rp]() mutable {
        start(self, self->state.now(), rp);
      });
      return rp;
    },
    [=](pause_atom) -> caf::typed_response_promise<pc::contest_info> {
      auto rp = self->make_response_promise<pc::contest_info>();
      self->state.log.when_free(lifecycle_subject,
                                [self, rp]() mutable { pause(self, rp); });
      return rp;
    },
    [=](resume_atom) -> caf::typed_response_promise<pc::contest_info> {
      auto rp = self->make_response_promise<pc::contest_info>();
      self->state.log.when_free(lifecycle_subject,
                                [self, rp]() mutable { resume(self, rp); });
      return rp;
    },
    [=](info_atom) { return info_of(self->state, self->state.now()); },
    [=](board_atom, const board_query& q) {
      auto& st = self->state;
      auto now = st.now();
      pc::leaderboard_page page;
      page.contest_id = st.id;
      page.frozen = !q.live && frozen_now(st, now);
      auto& board = page.frozen ? st.frozen : st.live;
      page.total = static_cast<std::int64_t>(board.size());
      page.offset = std::max<std::int64_t>(0, q.offset);
      for (auto& e : board.page(static_cast<std::size_t>(page.offset),
                                static_cast<std::size_t>(
                                  std::max<std::int64_t>(0, q.limit))))
        page.standings.push_back(pc::standing{e.rank, e.user_id, e.username,
                                              e.score});
      return page;
    },
    [=](tick_atom, std::uint64_t gen, std::int32_t remaining) {
      on_tick(self, gen, remaining);
    },
    [=](deadline_atom, std::uint64_t gen) { on_deadline(self, gen); },
    [=](publish_atom) {
      publish_board(self);
      if (self->state.status != pc::status::completed)
        self->delayed_send(self, self->state.cfg.leaderboard_interval,
                           publish_atom::value);
    },
    [=](persist_atom) {
      if (self->state.row_unsaved)
        persist_row(self);
    },
  };
}

} // namespace

contest_actor::behavior_type
contest_new(contest_self self, contest_config cfg, storage store,
            std::string id, pc::contest_def def, std::string created_by,
            std::int64_t created_at) {
  auto& st = self->state;
  st.id = std::move(id);
  st.def = std::move(def);
  st.created_by = std::move(created_by);
  st.created_at = created_at;
  init(self, std::move(cfg), std::move(store));
  arm_start(self);
  return behavior(self);
}

contest_actor::behavior_type
contest_restored(contest_self self, contest_config cfg, storage store,
                 persistence::contest_snapshot snap) {
  auto& st = self->state;
  auto& row = snap.contest;
  st.id = row.contest_id;
  st.def.title = row.title;
  st.def.score_rule = row.scoring == "fixed" ? pc::scoring::fixed
                                             : pc::scoring::speed;
  st.def.freeze_before_end = row.freeze_before_end;
  st.def.start_time = row.start_at;
  for (auto& q : snap.questions) {
    pc::question_def d;
    d.id = q.question_id;
    d.text = q.text;
    if (q.has_options)
      d.options = q.options;
    d.answer = q.answer;
    d.points = q.points;
    d.time_limit = q.time_limit;
    st.def.questions.push_back(std::move(d));
  }
  st.created_by = row.created_by;
  st.created_at = row.created_at;
  st.status = pc::status_from_string(row.status).value_or(pc::status::upcoming);
  st.times = contest::clock_state{row.started_at, row.paused_at,
                                  row.paused_total_ms};
  st.ended_at = row.ended_at;
  init(self, std::move(cfg), std::move(store));
  for (auto& p : snap.participants) {
    auto& person = st.people[p.user_id];
    person.user_id = p.user_id;
    person.username = p.username;
    st.live.add(p.user_id, p.username);
    st.frozen.add(p.user_id, p.username);
    ++st.ranked;
  }
  // Answers in the order given: scores, times and the frozen board as they
  // were.
  std::vector<std::int64_t> opens_after;
  std::int64_t sum = 0;
  for (auto limit : st.limits) {
    opens_after.push_back(sum);
    sum += std::int64_t{limit} * 1000;
  }
  for (auto& a : snap.answers) {
    auto& p = st.people[a.user_id];
    contest::answer_outcome o{a.correct, a.points, a.elapsed_ms, a.total_score,
                              a.idempotency_key};
    p.answers[a.question_id] = o;
    p.answered.push_back(a.question_id);
    st.live.record(a.user_id, a.points, a.elapsed_ms);
    std::int64_t at = a.elapsed_ms;
    for (std::size_t i = 0; i < st.def.questions.size(); ++i)
      if (st.def.questions[i].id == a.question_id)
        at += opens_after[i];
    if (answer_before_freeze(st, at))
      st.frozen.record(a.user_id, a.points, a.elapsed_ms);
  }
  switch (st.status) {
    case pc::status::upcoming:
      arm_start(self);
      break;
    case pc::status::active:
    case pc::status::paused:
      // Where the absolute schedule says it is now: questions whose time ran
      // out while the server was down are closed.
      place(self, st.now(), false);
      break;
    case pc::status::completed:
      break;
  }
  return behavior(self);
}

} // namespace proctord
