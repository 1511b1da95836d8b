#pragma once
// The contest domain's test fixture: the real contests directory, contest
// and timer actors, the real store on a SQLite file and the real relay,
// with recording sockets of the contest dialect; CAF's simulated clock.

#include "fixture.hpp"

#include "actors/contest/contest.hpp"
#include "actors/contest/contests.hpp"
#include "protocol/iso_time.hpp"

#include <caf/scoped_actor.hpp>

namespace proctord::test {

namespace pc = protocol::contest;

/// A contest connection that ignores commands (the tests send straight to
/// the contest) and quits when its socket closes.
/// (`name` only because CAF 0.17 dereferences a null pointer when a
/// function-based actor is spawned without arguments.)
inline contest_connection_actor::behavior_type
contest_recorder(contest_connection_actor::pointer self, std::string) {
  return {
    [](pc::cmd::join_contest&) {},
    [](pc::cmd::submit_answer&) {},
    [](pc::cmd::resync&) {},
    [self](closed_atom) { self->quit(); },
  };
}

/// What one contest socket received, by event name.
struct contest_user {
  contest_caller who;
  std::shared_ptr<inbox> in;

  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (auto& f : in->frames)
      out.push_back(f.value("event", "?"));
    return out;
  }
  std::vector<json> of(std::string_view e) const {
    std::vector<json> out;
    for (auto& f : in->frames)
      if (f.value("event", "") == e)
        out.push_back(f["data"]);
    return out;
  }
  json one(std::string_view e) const {
    auto all = of(e);
    INFO("events: " << json(events()).dump() << ", expected one " << e);
    REQUIRE(all.size() == 1);
    return all.front();
  }
  json last(std::string_view e) const {
    auto all = of(e);
    INFO("events: " << json(events()).dump() << ", expected " << e);
    REQUIRE_FALSE(all.empty());
    return all.back();
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (auto& d : of("error"))
      out.push_back(d.value("code", "?"));
    return out;
  }
  void clear() const { in->clear(); }
  inbox* operator->() const { return in.get(); }
};

inline pc::contest_def three_questions(pc::scoring rule = pc::scoring::speed,
                                       std::int32_t freeze = 0) {
  pc::contest_def d;
  d.title = "Weekly #42";
  d.questions = {
    pc::question_def{"q1", "2 + 2?", std::vector<std::string>{"3", "4"}, "4",
                     100, 10},
    pc::question_def{"q2", "Capital of France?", std::nullopt, "Paris", 200,
                     20},
    pc::question_def{"q3", "Largest planet?", std::nullopt, "Jupiter", 300,
                     30},
  };
  d.score_rule = rule;
  d.freeze_before_end = freeze;
  return d;
}

class contest_fixture : public actor_fixture {
public:
  contest_config contest_cfg;
  contests_actor dir;

  contest_fixture() {
    contest_cfg.leaderboard_interval = std::chrono::seconds{5};
    contest_cfg.leaderboard_top = 3;
  }

  void start_directory(std::vector<persistence::contest_snapshot> restore = {}) {
    dir = sys.spawn(contests, contest_cfg, store_, std::move(restore));
    remember(dir);
    drain();
  }

  /// POST /api/contests: the id, after the rows are committed.
  std::string create(pc::contest_def def) {
    if (!dir)
      start_directory();
    std::string id;
    auto probe = spawn_fn([&](caf::event_based_actor* self) {
      self->request(dir, caf::infinite, create_atom::value, def,
                    std::string{"admin-1"})
        .then([&](std::string& x) { id = x; });
      return caf::behavior{[](int) {}};
    });
    drain();
    REQUIRE_FALSE(id.empty());
    return id;
  }

  contest_actor find(const std::string& id) {
    contest_actor found;
    spawn_fn([&](caf::event_based_actor* self) {
      self->request(dir, caf::infinite, lookup_atom::value, id)
        .then([&](contest_actor& c) { found = c; });
      return caf::behavior{[](int) {}};
    });
    drain();
    REQUIRE(found);
    return found;
  }

  /// Asks the contest something through the HTTP API's messages.
  template <class Reply, class... Ts>
  Reply ask(const contest_actor& c, std::string* error, Ts... xs) {
    Reply out{};
    spawn_fn([&, xs...](caf::event_based_actor* self) {
      self->request(c, caf::infinite, xs...)
        .then([&](Reply& r) { out = std::move(r); },
              [&](caf::error& e) {
                if (error)
                  *error = std::string{protocol::to_code(to_error_code(e))};
              });
      return caf::behavior{[](int) {}};
    });
    drain();
    return out;
  }

  pc::contest_info start(const contest_actor& c, std::string* error = nullptr) {
    return ask<pc::contest_info>(c, error, start_atom::value);
  }
  pc::contest_info pause(const contest_actor& c, std::string* error = nullptr) {
    return ask<pc::contest_info>(c, error, pause_atom::value);
  }
  pc::contest_info resume(const contest_actor& c, std::string* error = nullptr) {
    return ask<pc::contest_info>(c, error, resume_atom::value);
  }
  pc::leaderboard_page board(const contest_actor& c, bool live,
                             std::int64_t offset = 0,
                             std::int64_t limit = 50) {
    return ask<pc::leaderboard_page>(c, nullptr, board_atom::value,
                                     board_query{offset, limit, live});
  }

  /// A new contest connection of user `id` with a socket in the registry.
  contest_user connect(const std::string& id, bool observer = false) {
    auto in = std::make_shared<inbox>();
    auto conn = sys.spawn(contest_recorder, id);
    remember(conn);
    auto conn_id = sockets->next_id();
    auto out = std::make_shared<recording_outbound>(in);
    outs.push_back(out);
    sockets->add(conn_id, out, dialect::contest);
    contest_caller c;
    c.user_id = id;
    c.username = "name-" + id;
    c.observer = observer;
    c.conn = conn;
    c.relay = relay_;
    c.conn_id = conn_id;
    return contest_user{c, in};
  }

  template <class Command>
  void send(const contest_actor& c, const contest_user& u, Command cmd) {
    caf::anon_send(c, u.who, std::move(cmd));
    drain();
  }

  void join(const contest_actor& c, const contest_user& u,
            const std::string& id) {
    send(c, u, pc::cmd::join_contest{id});
  }

  void answer(const contest_actor& c, const contest_user& u,
              const std::string& id, const std::string& q,
              const std::string& a, const std::string& key = {}) {
    send(c, u, pc::cmd::submit_answer{id, q, a, key});
  }

  void drop(const contest_user& u) {
    sockets->remove(u.who.conn_id);
    caf::anon_send(u.who.conn, closed_atom::value);
    drain();
  }

  long long answers_stored(const std::string& user) {
    return db->count("SELECT 1 FROM contest_answers WHERE userId = '" + user
                     + "'");
  }

  /// Loads what the server would load at a restart.
  persistence::contest_snapshot snapshot_of(const std::string& id) {
    persistence::contest_snapshot snap;
    spawn_fn([&](caf::event_based_actor* self) {
      self->request(store_.writer, caf::infinite, contest_atom::value, id)
        .then([&](persistence::contest_snapshot& s) { snap = std::move(s); });
      return caf::behavior{[](int) {}};
    });
    drain();
    return snap;
  }
};

} // namespace proctord::test
