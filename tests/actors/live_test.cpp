// The recovery pieces the sessions and the exams share: who a CONNECT is,
// which pids may come back, and a room's numbered log.

#include "actors/socketio/live.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace proctord;
using persistence::live_audience;

namespace {

protocol::token_config tokens() {
  protocol::token_config cfg;
  cfg.secret = "live-test-secret";
  return cfg;
}

sio_join join_with(std::string auth, std::string query_token = {}) {
  sio_join j;
  j.sid = "sid-1";
  j.auth = std::move(auth);
  j.token = std::move(query_token);
  return j;
}

std::string token_for(const char* user, const char* role) {
  return protocol::mint_token({user, std::string{user} + " Name", role}, tokens());
}

} // namespace

TEST_CASE("authenticate: the token from auth or from the query", "[recovery]") {
  auto t = token_for("u1", "learner");
  auto a = authenticate(join_with("{\"token\":\"" + t + "\"}"), tokens());
  REQUIRE(a);
  CHECK(a->who.user_id == "u1");
  CHECK(a->who.role == "learner");
  CHECK(a->pid.empty());
  CHECK_FALSE(a->offset);

  auto q = authenticate(join_with("", t), tokens());
  REQUIRE(q);
  CHECK(q->who.user_id == "u1");

  // auth's token wins over the query's.
  auto both = authenticate(join_with("{\"token\":\"" + token_for("u2", "learner")
                                     + "\"}", t), tokens());
  REQUIRE(both);
  CHECK(both->who.user_id == "u2");
}

TEST_CASE("authenticate: no token or a bad one is refused", "[recovery]") {
  CHECK_FALSE(authenticate(join_with(""), tokens()));
  CHECK_FALSE(authenticate(join_with("{\"token\":\"x.y.z\"}"), tokens()));
  protocol::token_config other;
  other.secret = "another-secret";
  auto forged = protocol::mint_token({"u1", "U", "instructor"}, other);
  CHECK_FALSE(authenticate(join_with("{\"token\":\"" + forged + "\"}"), tokens()));
  CHECK_FALSE(authenticate(join_with("{\"token\":7}", ""), tokens()));
}

TEST_CASE("authenticate: the recovery pid and offset", "[recovery]") {
  auto t = token_for("u1", "student");
  auto a = authenticate(join_with("{\"token\":\"" + t
                                  + R"(","pid":"p-9","offset":"12"})"), tokens());
  REQUIRE(a);
  CHECK(a->pid == "p-9");
  REQUIRE(a->offset);
  CHECK(*a->offset == 12);
  // An offset that is not one of ours recovers nothing.
  for (const char* off : {"", "-1", "12a", "1e3", "99999999999999999999999"}) {
    INFO(off);
    auto b = authenticate(join_with("{\"token\":\"" + t + R"(","pid":"p-9","offset":")"
                                    + off + "\"}"), tokens());
    REQUIRE(b);
    CHECK_FALSE(b->offset);
  }
}

TEST_CASE("new_pid: long and never the same twice", "[recovery]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto p = new_pid();
    CHECK(p.size() == 32);
    CHECK(seen.insert(p).second);
  }
}

TEST_CASE("pid_table: a dropped pid comes back within the window only", "[recovery]") {
  using namespace std::chrono_literals;
  pid_table pids;
  pids.seated("p1", {"room-1", "u1", "s1", false});
  // Still connected: its user may claim it (an old transport not yet seen
  // dead); another user may not.
  CHECK_FALSE(pids.claim("p1", "u2", 1000, 2min));
  CHECK(pids.claim("p1", "u1", 1000, 2min));

  pids.dropped("p1", 10'000);
  REQUIRE(pids.find("p1"));
  CHECK_FALSE(pids.find("p1")->connected);
  CHECK_FALSE(pids.claim("p1", "u1", 10'000 + 120'001, 2min));
  auto back = pids.claim("p1", "u1", 10'000 + 120'000, 2min);
  REQUIRE(back);
  CHECK(back->room_id == "room-1");
  CHECK(back->sid == "s1");
  CHECK(pids.find("p1")->connected);

  CHECK_FALSE(pids.claim("unknown", "u1", 0, 2min));
  pids.forget("p1");
  CHECK_FALSE(pids.claim("p1", "u1", 0, 2min));
}

TEST_CASE("pid_table: load takes the stored pids as dropped at start", "[recovery]") {
  using namespace std::chrono_literals;
  persistence::live_pid_record a{"pa", "session", "s-1", "u1", "sid-a", false, 0, false};
  persistence::live_pid_record b{"pb", "session", "s-1", "u2", "sid-b", false, 5'000, false};
  persistence::live_pid_record c{"pc", "exam", "e-1", "t1", "sid-c", true, 0, false};
  pid_table pids;
  pids.load({a, b, c}, "session", 100'000);
  CHECK(pids.size() == 2);
  CHECK_FALSE(pids.find("pc"));
  REQUIRE(pids.find("pa"));
  CHECK(pids.find("pa")->disconnected_at == 100'000);
  CHECK(pids.find("pb")->disconnected_at == 5'000);

  // pb dropped long ago; pa at the restart.
  auto gone = pids.expire(100'000 + 60'000, 2min);
  CHECK(gone == std::vector<std::string>{"pb"});
  CHECK(pids.claim("pa", "u1", 100'000 + 60'000, 2min));
  auto row = pid_row("session", "pa", *pids.find("pa"));
  CHECK(row.room_id == "s-1");
  CHECK(row.sid == "sid-a");
  CHECK(row.disconnected_at == 0);
}

TEST_CASE("addressed: who a logged event is for", "[recovery]") {
  persistence::live_event_record e;
  e.user_id = "u1";
  e.audience = live_audience::all;
  CHECK(addressed(e, "u1", false));
  CHECK(addressed(e, "u2", true));
  e.audience = live_audience::all_but;
  CHECK_FALSE(addressed(e, "u1", false));
  CHECK(addressed(e, "u2", false));
  e.audience = live_audience::only;
  CHECK(addressed(e, "u1", true));
  CHECK_FALSE(addressed(e, "u2", true));
  e.audience = live_audience::monitors;
  CHECK(addressed(e, "u2", true));
  CHECK_FALSE(addressed(e, "u1", false));
}

TEST_CASE("live_log: numbers events and replays committed ones from memory", "[recovery]") {
  live_log log{"session", "s-1", 40, 3};
  persistence::write_set ws;
  auto a = log.append(ws, live_audience::all, "u1", "user-joined", "{}", 1);
  auto b = log.append(ws, live_audience::only, "u2", "session-joined", "{}", 2);
  CHECK(a.seq == 41);
  CHECK(b.seq == 42);
  CHECK(ws.live_events.size() == 2);
  CHECK(ws.live_events[1].room_id == "s-1");
  CHECK(log.last_seq() == 42);
  CHECK(log.committed_seq() == 40);

  // Nothing committed yet: after 40 there is nothing to replay, and what
  // came before the log started is only in the store.
  REQUIRE(log.since(40));
  CHECK(log.since(40)->empty());
  CHECK_FALSE(log.since(39));

  log.committed(a);
  log.committed(b);
  auto after = log.since(40);
  REQUIRE(after);
  REQUIRE(after->size() == 2);
  CHECK((*after)[0].seq == 41);
  CHECK((*after)[1].seq == 42);
  CHECK(log.since(41)->size() == 1);

  // Keeping 3: once 45 is committed, 41 is only in the store.
  for (int i = 0; i < 3; ++i)
    log.committed(log.append(ws, live_audience::all, "", "x", "1", 3));
  CHECK(log.committed_seq() == 45);
  CHECK_FALSE(log.since(40));
  REQUIRE(log.since(42));
  CHECK(log.since(42)->size() == 3);
  auto q = log.query(40);
  CHECK(q.room_id == "s-1");
  CHECK(q.domain == "session");
  CHECK(q.after_seq == 40);

  auto packet = to_emit(b);
  CHECK(packet.offset == "42");
  CHECK(packet.name == "session-joined");
}
