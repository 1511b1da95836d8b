// join_contest, resync and submit_answer: who watches the contest, and the
// answers, each acknowledged after its commit. A user's commands wait for
// that user's commit in flight (the journal's subject "user:<id>"), so a
// resent answer sees the first one's outcome, never a half-done state.

#include "actors/contest/contest_answers.hpp"

#include "actors/contest/contest_support.hpp"

#include <caf/actor_cast.hpp>

#include <algorithm>

namespace proctord::contest_detail {

namespace {

std::string about(const std::string& user_id) {
  return "user:" + user_id;
}

void watch(contest_self self, contest::participant& p, const contest_caller& c) {
  auto& st = self->state;
  for (auto& w : p.conns)
    if (w.at.conn_id == c.conn_id)
      return;
  auto addr = caf::actor_cast<caf::actor_addr>(c.conn);
  if (c.conn) {
    self->monitor(c.conn);
    st.by_conn[addr] = p.user_id;
  }
  p.conns.push_back(contest::watcher{recipient{c.conn_id, 0}, c.relay, addr});
  if (p.conns.size() > st.cfg.max_connections_per_user) {
    // The oldest connection stops receiving this contest's events.
    st.by_conn.erase(p.conns.front().conn);
    p.conns.erase(p.conns.begin());
  }
}

contest::participant& add_person(contest_state& st, const contest_caller& c,
                                 bool observer) {
  auto& p = st.people[c.user_id];
  p.user_id = c.user_id;
  p.username = c.username;
  p.observer = observer;
  return p;
}

pc::evt::submission_result result_of(const contest_state& st,
                                     const std::string& question_id,
                                     const contest::answer_outcome& o,
                                     std::int64_t now) {
  return pc::evt::submission_result{st.id,     question_id,   true, o.correct,
                                    o.points, o.total_after, now};
}

void join_new(contest_self self, const contest_caller& c) {
  auto& st = self->state;
  auto now = st.now();
  if (st.ranked >= st.cfg.max_participants) {
    error_to(c, st.id, pc::error_code::forbidden,
             "the contest is full", now);
    return;
  }
  step s;
  s.ws.contest_participants.push_back(persistence::contest_participant_record{
    st.id, c.user_id, c.username, now});
  s.subjects.push_back(about(c.user_id));
  commit_hooks hooks;
  hooks.apply = [self, c] {
    auto& st = self->state;
    auto& p = add_person(st, c, false);
    st.live.add(c.user_id, c.username);
    st.frozen.add(c.user_id, c.username);
    ++st.ranked;
    st.board_dirty = true;
    watch(self, p, c);
    send_snapshot(st, c, &p, st.now());
  };
  hooks.failed = [self, c](const caf::error&) {
    auto& st = self->state;
    error_to(c, st.id, pc::error_code::store_unavailable,
             "your join was not recorded; send it again", st.now());
  };
  st.log.commit(self, st.store.writer, std::move(s), std::move(hooks));
}

/// The caller's participant, or nullptr after telling it NOT_JOINED.
contest::participant* joined(contest_state& st, const contest_caller& c,
                             std::int64_t now) {
  auto i = st.people.find(c.user_id);
  if (i != st.people.end())
    return &i->second;
  error_to(c, st.id, pc::error_code::not_joined,
           "join the contest first (join_contest)", now);
  return nullptr;
}

} // namespace

void join(contest_self self, const contest_caller& c) {
  self->state.log.when_free(about(c.user_id), [self, c] {
    auto& st = self->state;
    auto now = st.now();
    auto i = st.people.find(c.user_id);
    if (i != st.people.end()) {
      watch(self, i->second, c);
      send_snapshot(st, c, &i->second, now);
      return;
    }
    // Observers (admins) and latecomers to a finished contest watch
    // without a place on the board.
    if (c.observer || st.status == pc::status::completed) {
      auto& p = add_person(st, c, true);
      watch(self, p, c);
      send_snapshot(st, c, &p, now);
      return;
    }
    join_new(self, c);
  });
}

void resync(contest_self self, const contest_caller& c) {
  self->state.log.when_free(about(c.user_id), [self, c] {
    auto& st = self->state;
    auto now = st.now();
    auto p = joined(st, c, now);
    if (!p)
      return;
    watch(self, *p, c);
    send_snapshot(st, c, p, now);
  });
}

void submit(contest_self self, const contest_caller& c,
            pc::cmd::submit_answer cmd) {
  self->state.log.when_free(about(c.user_id), [self, c, cmd] {
    auto& st = self->state;
    auto now = st.now();
    auto found = joined(st, c, now);
    if (!found)
      return;
    auto& p = *found;
    if (p.observer) {
      error_to(c, st.id, pc::error_code::forbidden,
               "observers do not answer", now);
      return;
    }
    watch(self, p, c);
    // A resend of an answer already recorded gets the original result.
    if (!cmd.idempotency_key.empty())
      for (auto& [qid, o] : p.answers)
        if (o.idempotency_key == cmd.idempotency_key) {
          send_to(c, st.id, result_of(st, qid, o, now));
          return;
        }
    if (st.status != pc::status::active) {
      error_to(c, st.id, pc::error_code::contest_not_active,
               std::string{"the contest is "}
                 + std::string{pc::to_string(st.status)},
               now);
      return;
    }
    auto& q = st.def.questions[static_cast<std::size_t>(std::max(st.open, 0))];
    if (st.open < 0 || q.id != cmd.question_id || now >= st.open_ends_at) {
      error_to(c, st.id, pc::error_code::question_closed,
               "question " + cmd.question_id + " is not open", now);
      return;
    }
    if (p.answers.count(q.id) != 0) {
      error_to(c, st.id, pc::error_code::already_answered,
               "question " + q.id + " is answered already", now);
      return;
    }
    auto limit_ms = std::int64_t{q.time_limit} * 1000;
    contest::answer_outcome o;
    o.elapsed_ms = std::clamp<std::int64_t>(
      limit_ms - (st.open_ends_at - now), 0, limit_ms);
    o.correct = contest::answers_match(cmd.answer, q.answer);
    if (o.correct)
      o.points = st.def.score_rule == pc::scoring::speed
                   ? contest::speed_points(q.points, o.elapsed_ms, limit_ms)
                   : q.points;
    o.total_after = st.live.score_of(c.user_id) + o.points;
    o.idempotency_key = cmd.idempotency_key;
    // Whether this answer counts on the frozen board: given before the
    // freeze, in running time.
    auto active_at = contest::locate(st.times, st.limits, now).opens_after_ms
                     + o.elapsed_ms;
    bool before_freeze = answer_before_freeze(st, active_at);
    step s;
    s.ws.contest_answers.push_back(persistence::contest_answer_record{
      st.id, c.user_id, q.id, cmd.answer, o.correct, o.points, o.elapsed_ms,
      o.total_after, cmd.idempotency_key, now});
    s.subjects.push_back(about(c.user_id));
    commit_hooks hooks;
    auto qid = q.id;
    hooks.apply = [self, c, qid, o, before_freeze] {
      auto& st = self->state;
      auto& p = st.people[c.user_id];
      p.answers[qid] = o;
      p.answered.push_back(qid);
      st.live.record(c.user_id, o.points, o.elapsed_ms);
      if (before_freeze)
        st.frozen.record(c.user_id, o.points, o.elapsed_ms);
      st.board_dirty = true;
      send_to(c, st.id, result_of(st, qid, o, st.now()));
    };
    hooks.failed = [self, c](const caf::error&) {
      auto& st = self->state;
      error_to(c, st.id, pc::error_code::store_unavailable,
               "your answer was not recorded; send it again", st.now());
    };
    st.log.commit(self, st.store.writer, std::move(s), std::move(hooks));
  });
}

bool answer_before_freeze(const contest_state& st, std::int64_t active_at) {
  if (st.def.freeze_before_end <= 0)
    return true;
  return active_at < contest::total_ms(st.limits)
                       - std::int64_t{st.def.freeze_before_end} * 1000;
}

void forget_connection(contest_self self, const caf::actor_addr& conn) {
  auto& st = self->state;
  auto i = st.by_conn.find(conn);
  if (i == st.by_conn.end())
    return;
  auto p = st.people.find(i->second);
  st.by_conn.erase(i);
  if (p == st.people.end())
    return;
  auto& conns = p->second.conns;
  conns.erase(std::remove_if(conns.begin(), conns.end(),
                             [&](const contest::watcher& w) {
                               return w.conn == conn;
                             }),
              conns.end());
}

} // namespace proctord::contest_detail
