// The presence grace of the interview room (issue 12): a dropped connection
// that RESUMEs within room_config::presence_grace is no departure; one that
// stays away longer departs, dated at the drop. Driven on CAF's test clock:
// the grace runs out when the test moves the clock, never by waiting.

#include "fixture.hpp"

#include "actors/interview/room.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;

namespace {

using strings = std::vector<std::string>;

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

std::int64_t last_seq(db_probe& db) {
  return std::stoll(db.text("select max(seq) from events"));
}

/// A live room with a host and two approved participants, inboxes clear.
struct live_room {
  user host, p, other;
  room_actor r;
};

live_room open_live(actor_fixture& f) {
  live_room lr{f.connect("h1"), f.connect("p1", "Pat"), f.connect("p2"), {}};
  lr.r = f.open_room(lr.host);
  f.admit(lr.r, lr.host, lr.p);
  f.admit(lr.r, lr.host, lr.other);
  f.send(lr.r, lr.host, f.start());
  for (auto* u : {&lr.host, &lr.p, &lr.other})
    (*u)->clear();
  return lr;
}

} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "room presence: a participant that resumes within the grace "
                 "is no departure and the host gets RECONNECTED",
                 "[room][presence]") {
  auto [host, p, other, r] = open_live(*this);
  auto token = resume_token_of(p);
  auto seen = last_seq(*db);
  auto before_drop = wall_ms();

  close(r, p);
  advance(room_cfg.presence_grace - 1ms);
  // Nobody hears of it, and it still counts as connected.
  CHECK(host->frames.empty());
  CHECK(other->frames.empty());
  auto view = status_of(r, host);
  CHECK(view["connectedCount"] == 3);
  CHECK(view["participants"][0]["userId"] == "p1");
  CHECK(view["participants"][0]["connected"] == true);

  auto back = connect("p1", "Pat");
  send(r, back, cmd::resume{token, seen});
  CHECK(back->one("RESUMED")["replayed"] == 0);
  // The room saw nothing: no USER_LEFT, no USER_JOINED (resumed).
  CHECK(other->frames.empty());
  CHECK(back->count("USER_JOINED") == 0);
  // The host learns of the short drop, after its commit (it has a seq).
  CHECK(host->types() == strings{"PROCTORING_UPDATE"});
  auto u = host->one("PROCTORING_UPDATE");
  CHECK(u["seq"] == seen + 1);
  auto d = u["data"];
  CHECK(d["eventType"] == "RECONNECTED");
  CHECK(d["userId"] == "p1");
  CHECK(d["username"] == "Pat");
  CHECK(d["message"] == "Pat reconnected");
  auto away = d["awayMs"].get<std::int64_t>();
  auto at = d["timestamp"].get<std::int64_t>();
  CHECK(away >= 0);
  CHECK(at - away >= before_drop); // from the drop ...
  CHECK(at <= wall_ms());          // ... to the resume

  // The grace running out later changes nothing: no departure, no
  // violation, still three connected.
  host->clear();
  grace_passes();
  CHECK(host->frames.empty());
  CHECK(other->frames.empty());
  CHECK(db->count("select 1 from violations") == 0);
  CHECK(status_of(r, host)["connectedCount"] == 3);

  // RECONNECTED is stored like any PROCTORING_UPDATE: a host that resumes
  // from before it gets it replayed.
  close(r, host);
  auto host_back = connect("h1");
  send(r, host_back, cmd::resume{resume_token_of(host), seen});
  CHECK(host_back->one("RESUMED")["replayed"] == 1);
  auto replayed = host_back->one("PROCTORING_UPDATE");
  CHECK(replayed["seq"] == seen + 1);
  CHECK(replayed["data"] == d);
}

TEST_CASE_METHOD(actor_fixture,
                 "room presence: once the grace passes the room sees USER_LEFT "
                 "and a DISCONNECT dated at the drop",
                 "[room][presence]") {
  auto [host, p, other, r] = open_live(*this);
  auto token = resume_token_of(p);
  auto before_drop = wall_ms();
  close(r, p);
  auto after_drop = wall_ms();
  // The wall clock moves on before the grace runs out (the test clock is
  // not the wall clock): what is dated "now" at the end is later than this.
  std::this_thread::sleep_for(5ms);

  advance(room_cfg.presence_grace - 1ms);
  CHECK(host->frames.empty());
  advance(1ms);
  CHECK(host->types() == strings{"USER_LEFT", "VIOLATION_DETECTED"});
  auto left = host->one("USER_LEFT")["data"];
  CHECK(left["userId"] == "p1");
  CHECK(left["reason"] == "DISCONNECTED");
  CHECK(left["connectedCount"] == 2);
  CHECK(other->one("USER_LEFT")["data"]["connectedCount"] == 2);
  auto v = host->one("VIOLATION_DETECTED")["data"];
  CHECK(v["violationType"] == "DISCONNECT");
  auto ts = v["timestamp"].get<std::int64_t>();
  CHECK(ts >= before_drop);
  CHECK(ts <= after_drop);
  // Stored with the drop's time too: the violation row and both events.
  CHECK(db->text("select timestamp from violations") == std::to_string(ts));
  auto left_seq = host->one("USER_LEFT")["seq"].get<std::int64_t>();
  CHECK(db->text("select createdAt from events where seq = "
                 + std::to_string(left_seq))
        == std::to_string(ts));
  CHECK(db->text("select createdAt from events where seq = "
                 + std::to_string(left_seq + 1))
        == std::to_string(ts));
  CHECK(status_of(r, host)["participants"][0]["connected"] == false);

  // Back after the grace: as after any departure, USER_JOINED (resumed) and
  // no RECONNECTED.
  host->clear();
  other->clear();
  auto back = connect("p1", "Pat");
  send(r, back, cmd::resume{token, 0});
  CHECK(back->count("RESUMED") == 1);
  auto joined = other->one("USER_JOINED")["data"];
  CHECK(joined["userId"] == "p1");
  CHECK(joined["resumed"] == true);
  CHECK(joined["connectedCount"] == 3);
  CHECK(host->count("PROCTORING_UPDATE") == 0);
  CHECK(db->count("select 1 from violations") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room presence: drop then resume then drop again: the first "
                 "absence's timer does nothing",
                 "[room][presence]") {
  auto [host, p, other, r] = open_live(*this);
  auto token = resume_token_of(p);
  REQUIRE(room_cfg.presence_grace == 10s);

  close(r, p);   // t = 0: the first timer is due at 10 s
  advance(6s);
  auto back = connect("p1", "Pat");
  send(r, back, cmd::resume{token, 0});
  CHECK(host->one("PROCTORING_UPDATE")["data"]["eventType"] == "RECONNECTED");
  close(r, back); // t = 6 s: the second timer is due at 16 s
  host->clear();

  advance(4s); // t = 10 s: the first timer fires, stale
  CHECK(host->frames.empty());
  CHECK(other->frames.empty());
  CHECK(status_of(r, host)["connectedCount"] == 3);

  advance(6s); // t = 16 s: the second absence's grace is over
  CHECK(host->types() == strings{"USER_LEFT", "VIOLATION_DETECTED"});
  CHECK(other->count("USER_LEFT") == 1);
  CHECK(db->count("select 1 from violations where type = 'DISCONNECT'") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room presence: with a grace of 0 a drop is a departure at "
                 "once",
                 "[room][presence]") {
  room_cfg.presence_grace = 0ms;
  auto [host, p, other, r] = open_live(*this);
  auto token = resume_token_of(p);

  close(r, p);
  CHECK(host->types() == strings{"USER_LEFT", "VIOLATION_DETECTED"});
  CHECK(other->one("USER_LEFT")["data"]["connectedCount"] == 2);
  CHECK(status_of(r, host)["connectedCount"] == 2);
  host->clear();
  other->clear();

  auto back = connect("p1", "Pat");
  send(r, back, cmd::resume{token, 0});
  CHECK(other->one("USER_JOINED")["data"]["resumed"] == true);
  CHECK(host->count("PROCTORING_UPDATE") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room presence: members within their grace are in every "
                 "connected count",
                 "[room][presence]") {
  auto [host, p, other, r] = open_live(*this);
  close(r, p);
  close(r, host);
  // From a participant's side: the host is still there.
  auto seen = status_of(r, other);
  CHECK(seen["connectedCount"] == 3);
  CHECK(seen["hostConnected"] == true);

  // A newcomer is the fourth.
  auto q = connect("p3");
  send(r, q, join());
  REQUIRE(q->count("WAITING_APPROVAL") == 1);
  auto host_back = connect("h1");
  send(r, host_back, cmd::resume{resume_token_of(host), 0});
  send(r, host_back, approve(q));
  CHECK(other->one("USER_JOINED")["data"]["connectedCount"] == 4);
  other->clear();

  // p1 joins again (JOIN_ROOM, not RESUME) within its grace: a re-join as
  // always, counted once.
  auto rejoined = connect("p1", "Pat");
  send(r, rejoined, join());
  auto j = other->one("USER_JOINED")["data"];
  CHECK(j["userId"] == "p1");
  CHECK(j["connectedCount"] == 4);
  other->clear();

  // Its grace running out finds it seated: nothing happens.
  grace_passes();
  CHECK(other->frames.empty());
  CHECK(status_of(r, other)["connectedCount"] == 4);
}

TEST_CASE_METHOD(actor_fixture,
                 "room presence: a host within its grace is shown to nobody "
                 "and gets no RECONNECTED",
                 "[room][presence]") {
  auto [host, p, other, r] = open_live(*this);
  auto token = resume_token_of(host);
  auto seen = last_seq(*db);
  close(r, host);
  auto back = connect("h1");
  send(r, back, cmd::resume{token, seen});
  CHECK(back->count("RESUMED") == 1);
  CHECK(back->count("PROCTORING_UPDATE") == 0);
  CHECK(back->count("USER_JOINED") == 0);
  grace_passes();
  CHECK(p->frames.empty());
  CHECK(other->frames.empty());
  CHECK(back->count("USER_LEFT") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room presence: kicked or ended within the grace the timer "
                 "does nothing",
                 "[room][presence]") {
  auto [host, p, other, r] = open_live(*this);
  auto q = connect("p3");
  admit(r, host, q);
  other->clear();

  close(r, p);
  send(r, host, kick(p));
  CHECK(other->one("USER_KICKED")["data"]["userId"] == "p1");
  close(r, q);
  send(r, host, end());
  CHECK(other->count("ROOM_ENDED") == 1);
  host->clear();
  other->clear();

  grace_passes();
  CHECK(host->frames.empty());
  CHECK(other->frames.empty());
  CHECK(db->count("select 1 from violations") == 0);
  CHECK(member_column(p, "status") == "KICKED");
  CHECK(member_column(q, "violationCount") == "0");
}
