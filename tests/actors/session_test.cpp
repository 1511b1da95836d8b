// Collaborative sessions (seed 003) at the actor level: joins, roles,
// errors, replaced sockets, cursors, activity, the idle close and the rate
// limit. Recovery is in session_recovery_test.cpp.

#include "session_fixture.hpp"

using namespace proctord;
using namespace proctord::test;

namespace {

struct fresh_session : session_fixture {
  fresh_session() { boot(); }
};

} // namespace

TEST_CASE_METHOD(fresh_session,
                 "session: an instructor opens a session and learners join it",
                 "[session]") {
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  // CONNECT is answered with a sid and a pid.
  CHECK_FALSE(ann.sid().empty());
  CHECK(ann.pid().size() == 32);
  CHECK(ann.pid() != bob.pid());
  join(ann, "s-1");
  auto joined = ann.of("session-joined");
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].data["sessionId"] == "s-1");
  REQUIRE(joined[0].data["participants"].size() == 1);
  auto me = joined[0].data["participants"][0];
  CHECK(me["userId"] == "ann");
  CHECK(me["name"] == "Name ann");
  CHECK(me["role"] == "instructor");
  CHECK(me["isActive"] == true);
  CHECK(me["cursor"].is_null());
  CHECK(me["joinedAt"].get<std::string>().back() == 'Z');
  CHECK(joined[0].offset == "1");

  join(bob, "s-1");
  auto bob_joined = bob.of("session-joined");
  REQUIRE(bob_joined.size() == 1);
  CHECK(ids(bob_joined[0].data["participants"]) == std::vector<std::string>{"ann", "bob"});
  CHECK(bob_joined[0].data["participants"][1]["role"] == "learner");
  auto told = ann.of("user-joined");
  REQUIRE(told.size() == 1);
  CHECK(told[0].data["user"]["userId"] == "bob");
  CHECK(ids(told[0].data["participants"]) == std::vector<std::string>{"ann", "bob"});
  // One log, in order: ann's session-joined (1) and user-joined (2, to no
  // one yet), bob's session-joined (3) and user-joined (4, to ann).
  CHECK(bob_joined[0].offset == "3");
  CHECK(told[0].offset == "4");
  CHECK(bob.of("user-joined").empty());

  CHECK(rows("SELECT * FROM collab_sessions WHERE sessionId = 's-1' AND createdBy = 'ann'"
             " AND closedAt IS NULL") == 1);
  CHECK(rows("SELECT * FROM collab_participants WHERE sessionId = 's-1'") == 2);
  CHECK(rows("SELECT * FROM live_pids WHERE roomId = 's-1'") == 2);
  CHECK(rows("SELECT * FROM live_events WHERE roomId = 's-1'") == 4);
}

TEST_CASE_METHOD(fresh_session,
                 "session: the role is the token's and userInfo changes nothing",
                 "[session]") {
  auto ann = connect("ann", "admin");
  auto bob = connect("bob", "learner");
  // An admin acts as an instructor: it may open a session.
  join(ann, "s-1");
  REQUIRE(ann.of("session-joined").size() == 1);
  CHECK(ann.of("session-joined")[0].data["participants"][0]["role"] == "instructor");
  emit_raw(bob, "join-session",
           R"({"sessionId":"s-1","userInfo":{"userId":"ann","name":"Ann","role":"instructor"}})");
  auto p = bob.of("session-joined").at(0).data["participants"];
  CHECK(ids(p) == std::vector<std::string>{"ann", "bob"});
  CHECK(p[1]["role"] == "learner");
  CHECK(p[1]["name"] == "Name bob");
  CHECK(rows("SELECT * FROM collab_participants WHERE userId = 'bob' AND role = 'learner'") == 1);
  // A learner cannot open a session, however it describes itself.
  auto cid = connect("cid", "learner");
  emit_raw(cid, "join-session", R"({"sessionId":"s-2","userInfo":{"role":"instructor"}})");
  CHECK(cid->errors() == std::vector<std::string>{"SESSION_NOT_FOUND"});
  CHECK(rows("SELECT * FROM collab_sessions WHERE sessionId = 's-2'") == 0);
}

TEST_CASE_METHOD(fresh_session,
                 "session: no token or another role is refused UNAUTHORIZED",
                 "[session]") {
  auto none = connect_with("x", json::object());
  CHECK(none.refused());
  auto bad = connect_with("x", json{{"token", "not-a-jwt"}});
  CHECK(bad.refused());
  auto student = connect("sam", "student");
  CHECK(student.refused());
  CHECK(student.connects().empty());
  auto ann = connect("ann", "instructor");
  CHECK_FALSE(ann.refused());
}

TEST_CASE_METHOD(fresh_session,
                 "session: commands before a join are NOT_IN_SESSION and bad ones INVALID_PAYLOAD",
                 "[session]") {
  auto bob = connect("bob", "learner");
  emit(bob, ps::cmd::cursor_update{{1, 2}});
  emit(bob, ps::cmd::activity_status{false});
  emit(bob, ps::cmd::leave_session{});
  CHECK(bob->errors()
        == std::vector<std::string>{"NOT_IN_SESSION", "NOT_IN_SESSION", "NOT_IN_SESSION"});
  emit_raw(bob, "cursor-update", R"({"line":"x","column":1})");
  auto err = bob.of("error").back();
  CHECK(err.data["code"] == "INVALID_PAYLOAD");
  CHECK(err.data["message"].get<std::string>().find("line") != std::string::npos);
  // In no session, an error carries no offset.
  CHECK(err.offset.empty());
  emit(bob, ps::cmd::join_session{"nowhere"});
  CHECK(bob->errors().back() == "SESSION_NOT_FOUND");
  // In a session, errors carry the socket's last offset.
  auto ann = connect("ann", "instructor");
  join(ann, "s-1");
  emit_raw(ann, "activity-status", R"({"isActive":"yes"})");
  auto in_session = ann.of("error").back();
  CHECK(in_session.data["code"] == "INVALID_PAYLOAD");
  // (2: its own user-joined, which it skipped)
  CHECK(in_session.offset == "2");
}

TEST_CASE_METHOD(fresh_session,
                 "session: the same user joining again replaces the older socket",
                 "[session]") {
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  join(ann, "s-1");
  join(bob, "s-1");
  auto bob2 = connect("bob", "learner");
  join(bob2, "s-1");
  CHECK(bob->errors() == std::vector<std::string>{"SESSION_REPLACED"});
  CHECK(bob->disconnected());
  REQUIRE(bob2.of("session-joined").size() == 1);
  CHECK(ids(bob2.of("session-joined")[0].data["participants"])
        == std::vector<std::string>{"ann", "bob"});
  // bob stays one participant; ann hears no user-left.
  CHECK(ann.of("user-left").empty());
  CHECK(ann.of("user-joined").size() == 2);
  CHECK(rows("SELECT * FROM collab_participants WHERE sessionId = 's-1'") == 2);
  // The older socket's pid is forgotten: it recovers nothing.
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid() + "'") == 0);
  auto back = recover(bob, "learner");
  CHECK(back.sid() != bob.sid());
  CHECK(back.pid() != bob.pid());
  // The newer one goes on.
  emit(bob2, ps::cmd::activity_status{false});
  CHECK(ann.of("user-activity-changed").size() == 1);
}

TEST_CASE_METHOD(fresh_session,
                 "session: joining another session leaves the first",
                 "[session]") {
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  auto cid = connect("cid", "instructor");
  join(ann, "s-1");
  join(cid, "s-2");
  join(bob, "s-1");
  join(bob, "s-2");
  REQUIRE(ann.of("user-left").size() == 1);
  CHECK(ann.of("user-left")[0].data["userId"] == "bob");
  CHECK(ids(ann.of("user-left")[0].data["participants"]) == std::vector<std::string>{"ann"});
  REQUIRE(cid.of("user-joined").size() == 1);
  CHECK(bob.of("session-joined").back().data["sessionId"] == "s-2");
  CHECK(rows("SELECT * FROM collab_participants WHERE userId = 'bob'") == 1);
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid() + "' AND roomId = 's-2'") == 1);
  // Its cursor now goes to s-2 only.
  emit(bob, ps::cmd::cursor_update{{4, 2}});
  CHECK(cid.of("cursor-moved").size() == 1);
  CHECK(ann.of("cursor-moved").empty());
}

TEST_CASE_METHOD(fresh_session,
                 "session: leave-session tells the others and forgets the pid",
                 "[session]") {
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  join(ann, "s-1");
  join(bob, "s-1");
  emit(bob, ps::cmd::leave_session{});
  auto left = ann.of("user-left");
  REQUIRE(left.size() == 1);
  CHECK(left[0].data["userId"] == "bob");
  CHECK(left[0].data["user"]["role"] == "learner");
  CHECK(ids(left[0].data["participants"]) == std::vector<std::string>{"ann"});
  CHECK(bob.of("user-left").empty());
  CHECK_FALSE(bob->disconnected());
  CHECK(rows("SELECT * FROM collab_participants WHERE userId = 'bob'") == 0);
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid() + "'") == 0);
  emit(bob, ps::cmd::cursor_update{{1, 1}});
  CHECK(bob->errors() == std::vector<std::string>{"NOT_IN_SESSION"});
  // It may join again at once: its new seat is stored after the leave.
  join(bob, "s-1");
  CHECK(bob.of("session-joined").size() == 2);
  CHECK(rows("SELECT * FROM live_pids WHERE pid = '" + bob.pid() + "'") == 1);
}

TEST_CASE_METHOD(fresh_session,
                 "session: cursors are coalesced per user to the latest, once per interval",
                 "[session]") {
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  auto cid = connect("cid", "learner");
  join(ann, "s-1");
  join(bob, "s-1");
  join(cid, "s-1");
  for (int i = 1; i <= 5; ++i)
    emit(bob, ps::cmd::cursor_update{{i, 10 * i}});
  emit(cid, ps::cmd::cursor_update{{7, 7}});
  // The first of each user at once, the others wait for the window.
  auto moved = ann.of("cursor-moved");
  REQUIRE(moved.size() == 2);
  CHECK(moved[0].data == json{{"userId", "bob"}, {"cursor", {{"line", 1}, {"column", 10}}}});
  CHECK(moved[1].data["userId"] == "cid");
  CHECK(moved[0].offset.empty()); // live only: no offset
  CHECK(bob.of("cursor-moved").size() == 1); // cid's, never its own
  advance(std::chrono::milliseconds{50});
  moved = ann.of("cursor-moved");
  REQUIRE(moved.size() == 3);
  CHECK(moved[2].data == json{{"userId", "bob"}, {"cursor", {{"line", 5}, {"column", 50}}}});
  advance(std::chrono::milliseconds{50});
  CHECK(ann.of("cursor-moved").size() == 3); // nothing new: the window closes
  emit(bob, ps::cmd::cursor_update{{9, 9}});
  CHECK(ann.of("cursor-moved").size() == 4); // a new window: at once
  // The participant list shows the latest cursor; nothing was logged.
  auto dee = connect("dee", "learner");
  join(dee, "s-1");
  auto p = dee.of("session-joined")[0].data["participants"];
  CHECK(p[1]["cursor"] == json{{"line", 9}, {"column", 9}});
  CHECK(rows("SELECT * FROM live_events WHERE name = 'cursor-moved'") == 0);
}

TEST_CASE_METHOD(fresh_session,
                 "session: activity-status is stored and told to the others",
                 "[session]") {
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  join(ann, "s-1");
  join(bob, "s-1");
  emit(bob, ps::cmd::activity_status{false});
  auto changed = ann.of("user-activity-changed");
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].data == json{{"userId", "bob"}, {"isActive", false}});
  CHECK(changed[0].offset == "5");
  CHECK(bob.of("user-activity-changed").empty());
  CHECK(rows("SELECT * FROM collab_participants WHERE userId = 'bob' AND isActive = 0") == 1);
}

TEST_CASE_METHOD(session_fixture,
                 "session: a session where no one is active for idle_close closes",
                 "[session]") {
  cfg.idle_close = std::chrono::minutes{1};
  boot();
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  join(ann, "s-1");
  join(bob, "s-1");
  emit(ann, ps::cmd::activity_status{false});
  advance(std::chrono::minutes{2});
  CHECK(ann.of("session-closed").empty()); // bob is still active
  emit(bob, ps::cmd::activity_status{false});
  advance(std::chrono::seconds{59});
  CHECK(ann.of("session-closed").empty());
  advance(std::chrono::seconds{1});
  for (auto* s : {&ann, &bob}) {
    auto closed = s->of("session-closed");
    REQUIRE(closed.size() == 1);
    CHECK(closed[0].data == json{{"sessionId", "s-1"}, {"reason", "inactive"}});
    CHECK_FALSE((*s)->disconnected()); // connected, in no session
  }
  CHECK(rows("SELECT * FROM collab_sessions WHERE closedAt IS NOT NULL"
             " AND closeReason = 'inactive'") == 1);
  CHECK(rows("SELECT * FROM live_pids") == 0);
  CHECK(rows("SELECT * FROM live_events") == 0);
  emit(bob, ps::cmd::cursor_update{{1, 1}});
  CHECK(bob->errors() == std::vector<std::string>{"NOT_IN_SESSION"});
  join(bob, "s-1");
  CHECK(bob->errors().back() == "SESSION_NOT_FOUND");
  // An instructor opens it anew.
  join(ann, "s-1");
  REQUIRE(ann.of("session-joined").size() == 2);
  CHECK(ids(ann.of("session-joined")[1].data["participants"]) == std::vector<std::string>{"ann"});
  CHECK(ann.of("session-joined")[1].offset == "1");
}

TEST_CASE_METHOD(session_fixture,
                 "session: a socket over its rate gets RATE_LIMITED and the event is dropped",
                 "[session]") {
  cfg.rate_per_second = 1;
  cfg.rate_burst = 3;
  boot();
  auto ann = connect("ann", "instructor");
  auto bob = connect("bob", "learner");
  join(ann, "s-1");
  join(bob, "s-1");
  emit(bob, ps::cmd::activity_status{false});
  emit(bob, ps::cmd::activity_status{true});
  emit(bob, ps::cmd::activity_status{false}); // the fourth event at once
  CHECK(bob->errors() == std::vector<std::string>{"RATE_LIMITED"});
  // Seated: the error carries its last offset (the others' events count).
  CHECK(bob.of("error")[0].offset == "6");
  CHECK(ann.of("user-activity-changed").size() == 2);
  advance(std::chrono::seconds{1});
  emit(bob, ps::cmd::activity_status{false});
  CHECK(ann.of("user-activity-changed").size() == 3);
  // Another socket is not slowed down.
  emit(ann, ps::cmd::activity_status{true});
  CHECK(ann->errors().empty());
}
