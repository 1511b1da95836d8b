// Connection state recovery of the collaborative sessions at the actor
// level: a dropped socket shows as user-left at once, and its recovery gets
// the old sid and pid back, every missed event addressed to it exactly once
// and in order, then shows the user back to the others; also after a
// restart on the same database, when the missed events come from the store.

#include "session_fixture.hpp"

using namespace proctord;
using namespace proctord::test;

namespace {

struct three_in_a_session : session_fixture {
  session_sock ann, bob, cid;

  three_in_a_session() {
    boot();
    ann = connect("ann", "instructor");
    bob = connect("bob", "learner");
    cid = connect("cid", "learner");
    join(ann, "s-1"); // 1 to ann, 2 to the others (none)
    join(bob, "s-1"); // 3 to bob, 4 to the others
    join(cid, "s-1"); // 5 to cid, 6 to the others
  }

  std::vector<std::string> offsets(const session_sock& s, const std::string& name) {
    std::vector<std::string> out;
    for (auto& e : s.of(name))
      out.push_back(e.offset);
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(three_in_a_session,
                 "session recovery: a drop is user-left at once and the recovery replays what was missed",
                 "[session]") {
  drop(bob);
  for (auto* s : {&ann, &cid}) {
    auto left = s->of("user-left");
    REQUIRE(left.size() == 1);
    CHECK(left[0].data["userId"] == "bob");
    CHECK(ids(left[0].data["participants"]) == std::vector<std::string>{"ann", "cid"});
    CHECK(left[0].offset == "7");
  }
  // The pid stays, dropped; the participant row goes.
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid()
             + "' AND disconnectedAt IS NOT NULL") == 1);
  CHECK(rows("SELECT * FROM collab_participants WHERE userId = 'bob'") == 0);
  emit(ann, ps::cmd::activity_status{false}); // 8
  emit(cid, ps::cmd::activity_status{false}); // 9
  emit(cid, ps::cmd::cursor_update{{3, 3}});  // live only: never replayed
  emit(ann, ps::cmd::activity_status{true});  // 10
  CHECK(bob.last_offset() == "6");

  auto back = recover(bob, "learner");
  REQUIRE(back.connects().size() == 1);
  CHECK(back.sid() == bob.sid());
  CHECK(back.pid() == bob.pid());
  CHECK(back.names()
        == std::vector<std::string>{"user-activity-changed", "user-activity-changed",
                                    "user-activity-changed"});
  CHECK(offsets(back, "user-activity-changed") == std::vector<std::string>{"8", "9", "10"});
  CHECK(back.of("user-activity-changed")[1].data
        == json{{"userId", "cid"}, {"isActive", false}});
  // The others see bob back.
  for (auto* s : {&ann, &cid}) {
    auto joined = s->of("user-joined");
    REQUIRE_FALSE(joined.empty());
    CHECK(joined.back().data["user"]["userId"] == "bob");
    CHECK(ids(joined.back().data["participants"])
          == std::vector<std::string>{"ann", "bob", "cid"});
    CHECK(joined.back().offset == "11");
  }
  CHECK(rows("SELECT * FROM collab_participants WHERE userId = 'bob'") == 1);
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid()
             + "' AND disconnectedAt IS NULL") == 1);
  // And it goes on live, each event once.
  emit(ann, ps::cmd::activity_status{false}); // 12
  CHECK(offsets(back, "user-activity-changed") == std::vector<std::string>{"8", "9", "10", "12"});
  emit(back, ps::cmd::cursor_update{{1, 2}});
  CHECK(ann.of("cursor-moved").size() == 2);
}

TEST_CASE_METHOD(three_in_a_session,
                 "session recovery: after a restart the missed events come from the store, once and in order",
                 "[session]") {
  drop(bob);
  emit(ann, ps::cmd::activity_status{false}); // 8
  restart();
  // cid comes back first: it missed nothing.
  auto cid2 = recover(cid, "learner");
  CHECK(cid2.sid() == cid.sid());
  CHECK(cid2.all().empty());
  // bob's missed events are older than this run: a store read. cid's
  // activity is committed while that read is on its way.
  auto bob2 = recover(bob, "learner", false);
  caf::anon_send(cid2.conn, channel_id{0},
                 protocol::socketio::command{ps::command{ps::cmd::activity_status{false}}});
  drain();
  CHECK(bob2.sid() == bob.sid());
  CHECK(bob2.pid() == bob.pid());
  // 7 (bob's own user-left) is not bob's; 8 ann's activity, 9 cid back,
  // 10 cid's activity.
  CHECK(bob2.names()
        == std::vector<std::string>{"user-activity-changed", "user-joined",
                                    "user-activity-changed"});
  auto all = bob2.all();
  REQUIRE(all.size() == 3);
  CHECK(all[0].offset == "8");
  CHECK(all[1].offset == "9");
  CHECK(all[1].data["user"]["userId"] == "cid");
  CHECK(all[2].offset == "10");
  CHECK(all[2].data == json{{"userId", "cid"}, {"isActive", false}});
  auto joined = cid2.of("user-joined");
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].data["user"]["userId"] == "bob");
  // ann has not come back: away, not among the participants. (bob's row
  // went with its drop: it is back with a new joinedAt, after cid.)
  CHECK(ids(joined[0].data["participants"]) == std::vector<std::string>{"cid", "bob"});
}

TEST_CASE_METHOD(three_in_a_session,
                 "session recovery: refused for another user's pid and an offset never sent",
                 "[session]") {
  drop(bob);
  auto thief = connect_with("cid", json{{"token", token("cid", "learner")},
                                        {"pid", bob.pid()},
                                        {"offset", "6"}});
  REQUIRE(thief.connects().size() == 1);
  CHECK(thief.sid() != bob.sid());
  CHECK(thief.pid() != bob.pid());
  CHECK(thief.all().empty());
  // bob's pid was not touched: bob recovers.
  auto back = recover(bob, "learner");
  CHECK(back.sid() == bob.sid());
  drop(back);
  // An offset beyond the log: afresh, and the pid is gone for good.
  auto odd = connect_with("bob", json{{"token", token("bob", "learner")},
                                      {"pid", bob.pid()},
                                      {"offset", "999"}});
  CHECK(odd.sid() != bob.sid());
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid() + "'") == 0);
  auto again = recover(bob, "learner");
  CHECK(again.sid() != bob.sid());
}

TEST_CASE_METHOD(three_in_a_session,
                 "session recovery: refused once the window is over",
                 "[session]") {
  drop(bob);
  advance(cfg.recovery.window + std::chrono::seconds{31});
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid() + "'") == 0);
  auto late = recover(bob, "learner");
  CHECK(late.sid() != bob.sid());
  CHECK(late.pid() != bob.pid());
  CHECK(late.all().empty());
  // The others heard user-left at the drop, and nothing more.
  CHECK(ann.of("user-left").size() == 1);
  CHECK(ann.of("user-joined").size() == 2);
}

TEST_CASE_METHOD(session_fixture,
                 "session recovery: refused when the session closed meanwhile",
                 "[session]") {
  cfg.idle_close = std::chrono::seconds{30};
  boot();
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  join(ann, "s-1");
  join(bob, "s-1");
  drop(bob);
  drop(ann);
  advance(std::chrono::seconds{30}); // no one is connected: idle
  CHECK(rows("SELECT * FROM collab_sessions WHERE closedAt IS NOT NULL") == 1);
  auto back = recover(bob, "learner");
  CHECK(back.sid() != bob.sid());
  CHECK(back.all().empty());
}

TEST_CASE_METHOD(three_in_a_session,
                 "session recovery: after a restart participants are away until they recover or expire",
                 "[session]") {
  restart();
  auto ann2 = recover(ann, "instructor");
  CHECK(ann2.sid() == ann.sid());
  auto dee = connect("dee", "learner");
  join(dee, "s-1");
  // bob and cid have not come back: not among the participants.
  auto joined = dee.of("session-joined");
  REQUIRE(joined.size() == 1);
  CHECK(ids(joined[0].data["participants"]) == std::vector<std::string>{"ann", "dee"});
  auto cid2 = recover(cid, "learner");
  CHECK(cid2.sid() == cid.sid());
  // bob's pid expires: gone for good, and the others hear it now (the
  // restart told them nothing).
  advance(cfg.recovery.window + std::chrono::seconds{31});
  for (auto* s : {&ann2, &dee, &cid2}) {
    auto left = s->of("user-left");
    REQUIRE(left.size() == 1);
    CHECK(left[0].data["userId"] == "bob");
    CHECK(ids(left[0].data["participants"]) == std::vector<std::string>{"ann", "cid", "dee"});
  }
  CHECK(rows("SELECT * FROM collab_participants WHERE userId = 'bob'") == 0);
  CHECK(rows("SELECT * FROM live_pids WHERE userId = 'bob'") == 0);
  CHECK(recover(bob, "learner").sid() != bob.sid());
}

TEST_CASE_METHOD(session_fixture,
                 "session recovery: a stored participant without a pid is gone for good at start",
                 "[session]") {
  // What a crash between an expiry's two commits leaves: a participant row
  // whose pid row is already deleted.
  namespace p = persistence;
  p::write_set ws;
  ws.collab_sessions.push_back(p::collab_session_record{"s-9", "ann", 1'700'000'000'000, 0, ""});
  ws.collab_participants.push_back(
    p::collab_participant_record{"s-9", "ann", "Name ann", "instructor", true, 1'700'000'000'000, false});
  ws.collab_participants.push_back(
    p::collab_participant_record{"s-9", "bob", "Name bob", "learner", true, 1'700'000'000'001, false});
  ws.live_pids.push_back(p::live_pid_record{"pid-ann", "session", "s-9", "ann", "sid-ann",
                                            false, 0, false});
  store(std::move(ws));
  boot();
  CHECK(rows("SELECT * FROM collab_participants WHERE sessionId = 's-9'") == 1);
  CHECK(rows("SELECT * FROM live_events WHERE roomId = 's-9' AND name = 'user-left'") == 1);
  // ann recovers (the row left by the previous run) and hears bob left.
  auto ann = connect_with("ann", json{{"token", token("ann", "instructor")},
                                      {"pid", "pid-ann"},
                                      {"offset", "0"}});
  REQUIRE(ann.connects().size() == 1);
  CHECK(ann.sid() == "sid-ann");
  CHECK(ann.pid() == "pid-ann");
  auto left = ann.of("user-left");
  REQUIRE(left.size() == 1);
  CHECK(left[0].data["userId"] == "bob");
  CHECK(left[0].offset == "1");
  // Its place back keeps its first join.
  auto lea = connect("lea", "learner");
  join(lea, "s-9");
  auto p0 = lea.of("session-joined").at(0).data["participants"][0];
  CHECK(p0["userId"] == "ann");
  CHECK(p0["joinedAt"] == "2023-11-14T22:13:20.000Z");
}
