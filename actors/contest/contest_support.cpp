#include "actors/contest/contest_support.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <limits>

namespace proctord::contest_detail {

// -- views ---------------------------------------------------------------------

pc::question_view question_at(const contest_state& st, int index) {
  pc::question_view q;
  if (index < 0 || index >= static_cast<int>(st.def.questions.size()))
    return q;
  auto& d = st.def.questions[static_cast<std::size_t>(index)];
  q.contest_id = st.id;
  q.question_id = d.id;
  q.index = index + 1;
  q.text = d.text;
  q.options = d.options;
  q.points = d.points;
  q.time_limit = d.time_limit;
  // While paused the open question has no deadline (the resume moves it):
  // endsAt is null, "not scheduled", rather than the old one.
  q.ends_at = index == st.open && st.status != pc::status::paused
                ? st.open_ends_at
                : 0;
  return q;
}

std::int64_t remaining_ms(const contest_state& st, std::int64_t now) {
  if (st.open < 0)
    return 0;
  if (st.status == pc::status::paused)
    return std::max<std::int64_t>(0, st.open_ends_at - st.times.paused_at);
  return std::max<std::int64_t>(0, st.open_ends_at - now);
}

std::int32_t remaining_s(const contest_state& st, std::int64_t now) {
  auto ms = remaining_ms(st, now);
  return static_cast<std::int32_t>((ms + 999) / 1000);
}

bool frozen_now(const contest_state& st, std::int64_t now) {
  if (st.def.freeze_before_end <= 0 || st.status == pc::status::upcoming
      || st.status == pc::status::completed)
    return false;
  auto total = contest::total_ms(st.limits);
  return contest::active_elapsed(st.times, now)
         >= total - std::int64_t{st.def.freeze_before_end} * 1000;
}

const contest::scoreboard& public_board(const contest_state& st,
                                        std::int64_t now) {
  return frozen_now(st, now) ? st.frozen : st.live;
}

std::vector<pc::standing> top_of(const contest::scoreboard& board,
                                 std::size_t n) {
  std::vector<pc::standing> out;
  for (auto& e : board.top(n))
    out.push_back(pc::standing{e.rank, e.user_id, e.username, e.score});
  return out;
}

pc::you_view you_of(const contest_state& st, const contest::participant& p,
                    const contest::scoreboard& board) {
  if (p.observer)
    return {};
  return pc::you_view{board.rank_of(p.user_id), st.live.score_of(p.user_id)};
}

pc::evt::contest_state state_for(const contest_state& st,
                                 const contest::participant* p,
                                 std::int64_t now) {
  auto& board = public_board(st, now);
  pc::evt::contest_state s;
  s.contest_id = st.id;
  s.title = st.def.title;
  s.state = st.status;
  if (st.open >= 0)
    s.current_question = question_at(st, st.open);
  s.remaining = remaining_s(st, now);
  s.total_questions = static_cast<std::int32_t>(st.def.questions.size());
  if (p) {
    s.you = you_of(st, *p, board);
    s.answered = p->answered;
  }
  s.top = top_of(board, st.cfg.leaderboard_top);
  s.at = now;
  return s;
}

pc::contest_info info_of(const contest_state& st, std::int64_t now) {
  pc::contest_info info;
  info.contest_id = st.id;
  info.title = st.def.title;
  info.state = st.status;
  info.score_rule = st.def.score_rule;
  info.freeze_before_end = st.def.freeze_before_end;
  info.start_time = st.times.started_at != 0 ? st.times.started_at
                                             : st.def.start_time;
  info.end_time = st.ended_at;
  info.estimated_duration = contest::total_ms(st.limits) / 1000;
  for (int i = 0; i < static_cast<int>(st.def.questions.size()); ++i) {
    auto q = question_at(st, i);
    q.ends_at = 0;
    info.questions.push_back(std::move(q));
  }
  if (st.open >= 0)
    info.current_question = question_at(st, st.open);
  info.remaining = remaining_s(st, now);
  info.participants = static_cast<std::int64_t>(st.ranked);
  info.frozen = frozen_now(st, now);
  return info;
}

std::int64_t opened_at(const contest_state& st) {
  if (st.open < 0)
    return 0;
  auto limit = std::int64_t{
    st.def.questions[static_cast<std::size_t>(st.open)].time_limit};
  return st.open_ends_at - limit * 1000;
}

pc::evt::timer_update tick_event(const contest_state& st, std::int32_t k) {
  auto& q = st.def.questions[static_cast<std::size_t>(st.open)];
  return pc::evt::timer_update{st.id, q.id, k, st.open_ends_at,
                               st.open_ends_at - std::int64_t{k} * 1000};
}

pc::evt::contest_start start_event(const contest_state& st) {
  pc::evt::contest_start e;
  e.contest_id = st.id;
  e.title = st.def.title;
  e.start_time = st.times.started_at;
  e.total_questions = static_cast<std::int32_t>(st.def.questions.size());
  e.estimated_duration = contest::total_ms(st.limits) / 1000;
  e.at = st.times.started_at;
  return e;
}

// -- delivery ------------------------------------------------------------------

void send_to(const contest::watcher& w, const std::string& contest_id,
             pc::event e) {
  if (w.relay)
    caf::anon_send(w.relay, contest_envelope{contest_id, {w.at}, std::move(e), {}});
}

void send_to(const contest_caller& c, const std::string& contest_id,
             pc::event e) {
  if (c.relay)
    caf::anon_send(c.relay,
                   contest_envelope{contest_id, {recipient{c.conn_id, 0}},
                                    std::move(e), {}});
}

void error_to(const contest_caller& c, const std::string& contest_id,
              pc::error_code code, std::string message, std::int64_t now) {
  send_to(c, contest_id, pc::evt::error{code, std::move(message), now});
}

namespace {

/// Recipients grouped by relay (one envelope per node).
struct groups {
  std::vector<std::pair<relay_actor, contest_envelope>> by_relay;

  contest_envelope& of(const relay_actor& r, const std::string& id,
                       const pc::event& e) {
    for (auto& [relay, env] : by_relay)
      if (relay == r)
        return env;
    by_relay.emplace_back(r, contest_envelope{id, {}, e, {}});
    return by_relay.back().second;
  }

  void send() {
    for (auto& [relay, env] : by_relay)
      caf::anon_send(relay, std::move(env));
    by_relay.clear();
  }
};

} // namespace

void broadcast(const contest_state& st, const pc::event& e) {
  groups g;
  for (auto& [user, p] : st.people)
    for (auto& w : p.conns)
      g.of(w.relay, st.id, e).to.push_back(w.at);
  g.send();
}

void broadcast_personal(const contest_state& st, pc::event e,
                        const contest::scoreboard& board) {
  groups g;
  for (auto& [user, p] : st.people) {
    if (p.conns.empty())
      continue;
    auto you = you_of(st, p, board);
    for (auto& w : p.conns) {
      auto& env = g.of(w.relay, st.id, e);
      env.to.push_back(w.at);
      env.yous.push_back(you);
    }
  }
  g.send();
}

void send_snapshot(const contest_state& st, const contest_caller& c,
                   const contest::participant* p, std::int64_t now) {
  send_to(c, st.id, state_for(st, p, now));
  if (st.status == pc::status::upcoming)
    return;
  if (st.status == pc::status::completed) {
    pc::evt::contest_end end;
    end.contest_id = st.id;
    end.end_time = st.ended_at;
    end.standings = top_of(st.live, st.cfg.leaderboard_top);
    if (p)
      end.you = you_of(st, *p, st.live);
    end.at = now;
    send_to(c, st.id, std::move(end));
    return;
  }
  send_to(c, st.id, start_event(st));
  if (st.open < 0)
    return;
  // The events as they went out live (their own times), so that a client
  // that saw them before sees the same frames again.
  bool paused = st.status == pc::status::paused;
  send_to(c, st.id,
          pc::evt::question_broadcast{question_at(st, st.open),
                                      paused ? now : opened_at(st)});
  auto& q = st.def.questions[static_cast<std::size_t>(st.open)];
  // The last tick everyone saw, as it went out (so the next one never
  // repeats its value); before the first, or while paused, the value now.
  if (st.last_tick != std::numeric_limits<std::int32_t>::max() && !paused)
    send_to(c, st.id, tick_event(st, st.last_tick));
  else
    send_to(c, st.id,
            pc::evt::timer_update{st.id, q.id, remaining_s(st, now),
                                  paused ? 0 : st.open_ends_at, now});
  if (st.status == pc::status::paused)
    send_to(c, st.id, pc::evt::contest_paused{st.id, remaining_s(st, now), now});
}

// -- rows ----------------------------------------------------------------------

persistence::contest_record contest_row(const contest_state& st) {
  persistence::contest_record r;
  r.contest_id = st.id;
  r.title = st.def.title;
  r.scoring = std::string{pc::to_string(st.def.score_rule)};
  r.freeze_before_end = st.def.freeze_before_end;
  r.status = std::string{pc::to_string(st.status)};
  r.created_by = st.created_by;
  r.created_at = st.created_at;
  r.start_at = st.def.start_time;
  r.started_at = st.times.started_at;
  r.paused_at = st.times.paused_at;
  r.paused_total_ms = st.times.paused_total_ms;
  r.ended_at = st.ended_at;
  return r;
}

} // namespace proctord::contest_detail
