// The room actor, authority and proctoring: who may do what, violations,
// disconnects, START_ROOM / END_ROOM, the host's ANNOUNCE, and what a failing
// store does to a command (protocol/README.md, "Semantics" and "Errors").

#include "fixture.hpp"

using namespace proctord;
using namespace proctord::test;
using strings = std::vector<std::string>;

TEST_CASE_METHOD(actor_fixture,
                 "room: only the host approves, starts, kicks and ends",
                 "[room][authority]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  auto q = connect("p2");
  send(r, q, join());
  host->clear();
  q->clear();

  send(r, p, approve(q));
  send(r, p, start());
  send(r, p, kick(q));
  send(r, p, end());

  CHECK(p->errors() == strings{"FORBIDDEN", "FORBIDDEN", "FORBIDDEN",
                               "FORBIDDEN"});
  strings request_types;
  for (auto& e : p->of("ERROR"))
    request_types.push_back(e.value("requestType", ""));
  CHECK(request_types
        == strings{"APPROVE_JOIN", "START_ROOM", "KICK_USER", "END_ROOM"});
  CHECK(p->seats.empty());
  CHECK(host->frames.empty());
  CHECK(q->frames.empty());

  // Nothing changed.
  auto view = status_of(r, host);
  CHECK(view["status"] == "WAITING");
  CHECK(view["startedAt"].is_null());
  REQUIRE(view["participants"].size() == 2);
  CHECK(view["participants"][1]["userId"] == "p2");
  CHECK(view["participants"][1]["status"] == "PENDING");
  CHECK(room_column("status") == "WAITING");
  CHECK(member_column(q, "status") == "PENDING");
  CHECK(db->count("SELECT 1 FROM kick_events") == 0);

  // The host can.
  send(r, host, start());
  CHECK(host->count("ROOM_STARTED") == 1);
  CHECK(host->errors().empty());
}

TEST_CASE_METHOD(actor_fixture,
                 "room: only approved participants report, change and submit "
                 "code",
                 "[room][authority]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto pending = connect("p1");
  send(r, pending, join());
  host->clear();
  pending->clear();

  send(r, pending, signal(cmd::signal::fullscreen_exit));
  send(r, pending, signal(cmd::signal::tab_blur));
  send(r, pending, code("x = 1"));
  send(r, pending, submit("x = 1"));
  CHECK(pending->errors()
        == strings{"FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"});
  strings request_types;
  for (auto& e : pending->of("ERROR"))
    request_types.push_back(e.value("requestType", ""));
  CHECK(request_types
        == strings{"FULLSCREEN_EXIT", "TAB_BLUR", "CODE_CHANGE", "SUBMIT_CODE"});
  CHECK(host->frames.empty());
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  CHECK(db->count("SELECT 1 FROM submissions") == 0);
  CHECK(member_column(pending, "violationCount") == "0");

  // The host is no participant either.
  send(r, host, signal(cmd::signal::fullscreen_exit));
  send(r, host, submit("x = 2"));
  CHECK(host->errors() == strings{"FORBIDDEN", "FORBIDDEN"});
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  CHECK(db->count("SELECT 1 FROM submissions") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a connection that does not hold the seat is not in "
                 "the room",
                 "[room][authority]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);

  // The same users on other connections that never joined.
  auto host_elsewhere = connect("h1");
  auto p_elsewhere = connect("p1");
  auto stranger = connect("x1");

  send(r, host_elsewhere, start());
  send(r, host_elsewhere, end());
  send(r, host_elsewhere, approve(p));
  CHECK(host_elsewhere->errors()
        == strings{"NOT_IN_ROOM", "NOT_IN_ROOM", "NOT_IN_ROOM"});

  send(r, p_elsewhere, signal(cmd::signal::fullscreen_exit));
  send(r, p_elsewhere, submit("print(1)"));
  send(r, p_elsewhere, status());
  send(r, p_elsewhere, leave());
  CHECK(p_elsewhere->errors()
        == strings{"NOT_IN_ROOM", "NOT_IN_ROOM", "NOT_IN_ROOM", "NOT_IN_ROOM"});

  send(r, stranger, status());
  send(r, stranger, code("y"));
  CHECK(stranger->errors() == strings{"NOT_IN_ROOM", "NOT_IN_ROOM"});

  // None of it reached the seat holders or the database.
  CHECK(host->frames.empty());
  CHECK(p->frames.empty());
  CHECK(room_column("status") == "WAITING");
  CHECK(member_column(p, "status") == "APPROVED");
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  CHECK(db->count("SELECT 1 FROM submissions") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: violations of every type are counted per participant",
                 "[room][violations]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1", "Paul");
  auto other = connect("p2");
  admit(r, host, p);
  admit(r, host, other);
  send(r, host, start());
  host->clear();
  p->clear();
  other->clear();

  // The host sees a violation only once it is stored.
  strings rows_at_event;
  host->on_frame = [&](const json& f) {
    if (f["type"] == "VIOLATION_DETECTED")
      rows_at_event.push_back(std::to_string(
        db->count("SELECT 1 FROM violations WHERE userId = 'p1'")));
  };

  send(r, p, signal(cmd::signal::fullscreen_exit));
  send(r, p, signal(cmd::signal::fullscreen_enter));
  send(r, p, signal(cmd::signal::tab_blur));
  send(r, p, signal(cmd::signal::tab_focus));
  send(r, other, signal(cmd::signal::tab_blur));

  CHECK(host->types()
        == strings{"VIOLATION_DETECTED", "PROCTORING_UPDATE",
                   "VIOLATION_DETECTED", "PROCTORING_UPDATE",
                   "VIOLATION_DETECTED"});
  auto v = host->of("VIOLATION_DETECTED");
  REQUIRE(v.size() == 3);
  CHECK(v[0]["data"]["userId"] == "p1");
  CHECK(v[0]["data"]["username"] == "Paul");
  CHECK(v[0]["data"]["violationType"] == "FULLSCREEN_EXIT");
  CHECK(v[0]["data"]["violationCount"] == 1);
  CHECK(v[0]["data"]["timestamp"].get<long long>() > 0);
  CHECK(v[1]["data"]["violationType"] == "TAB_SWITCH");
  CHECK(v[1]["data"]["violationCount"] == 2);
  // Counts are per participant.
  CHECK(v[2]["data"]["userId"] == "p2");
  CHECK(v[2]["data"]["violationCount"] == 1);
  CHECK(rows_at_event == strings{"1", "2", "2"});
  auto u = host->of("PROCTORING_UPDATE");
  REQUIRE(u.size() == 2);
  CHECK(u[0]["data"]["eventType"] == "FULLSCREEN_ENTER");
  CHECK(u[1]["data"]["eventType"] == "TAB_FOCUS");
  CHECK(u[1]["data"]["userId"] == "p1");
  // Participants hear nothing of proctoring.
  CHECK(p->frames.empty());
  CHECK(other->frames.empty());
  host->clear();

  // A LIVE participant's connection drops and stays away past the presence
  // grace: USER_LEFT to the room and a DISCONNECT violation to the host.
  close(r, p);
  CHECK(host->frames.empty());
  CHECK(other->frames.empty());
  grace_passes();
  CHECK(host->types() == strings{"USER_LEFT", "VIOLATION_DETECTED"});
  auto left = host->one("USER_LEFT")["data"];
  CHECK(left["userId"] == "p1");
  CHECK(left["reason"] == "DISCONNECTED");
  CHECK(left["connectedCount"] == 2);
  CHECK(other->one("USER_LEFT")["data"]["reason"] == "DISCONNECTED");
  auto d = host->one("VIOLATION_DETECTED")["data"];
  CHECK(d["violationType"] == "DISCONNECT");
  CHECK(d["violationCount"] == 3);

  CHECK(db->column("SELECT type FROM violations WHERE userId = 'p1' "
                   "ORDER BY id")
        == strings{"FULLSCREEN_EXIT", "TAB_SWITCH", "DISCONNECT"});
  CHECK(db->column("SELECT violationCount FROM violations WHERE userId = "
                   "'p1' ORDER BY id")
        == strings{"1", "2", "3"});
  CHECK(member_column(p, "violationCount") == "3");
  auto view = status_of(r, host);
  REQUIRE(view["participants"].size() == 2);
  CHECK(view["participants"][0]["violationCount"] == 3);
  CHECK(view["participants"][0]["connected"] == false);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: no DISCONNECT violation before the room is LIVE",
                 "[room][violations]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);

  close(r, p);
  grace_passes();
  CHECK(host->types() == strings{"USER_LEFT"});
  CHECK(host->one("USER_LEFT")["data"]["reason"] == "DISCONNECTED");
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  CHECK(member_column(p, "violationCount") == "0");

  // Nor for a pending user's connection, nor the host's, when LIVE.
  auto q = connect("p2");
  send(r, q, join());
  send(r, host, start());
  host->clear();
  close(r, q);
  grace_passes();
  CHECK(host->frames.empty());
  close(r, host);
  grace_passes();
  CHECK(db->count("SELECT 1 FROM violations") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: START_ROOM starts the countdown once",
                 "[room][lifecycle]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(10, false, 45));
  auto p = connect("p1");
  admit(r, host, p);
  auto q = connect("p2");
  send(r, q, join());
  host->clear();
  q->clear();

  send(r, host, start());
  for (auto* u : {&host, &p}) {
    auto s = (*u)->one("ROOM_STARTED")["data"];
    CHECK(s["roomId"] == "ABC123");
    CHECK(s["duration"] == 45);
    // endsAt = startedAt + 45 minutes.
    CHECK(s["endsAt"].get<long long>() - s["startedAt"].get<long long>()
          == 45 * 60'000);
    CHECK(s["serverTime"].get<long long>() >= s["startedAt"].get<long long>());
  }
  // Not for a pending user.
  CHECK(q->frames.empty());
  CHECK(room_column("status") == "LIVE");
  CHECK(std::stoll(room_column("endsAt")) - std::stoll(room_column("startedAt"))
        == 45 * 60'000);
  host->clear();
  p->clear();

  send(r, host, start());
  CHECK(host->errors() == strings{"INVALID_STATE"});
  CHECK(host->one("ERROR")["requestType"] == "START_ROOM");
  CHECK(p->frames.empty());

  // A participant admitted now learns the deadline.
  send(r, host, approve(q));
  auto ok = q->one("JOIN_APPROVED")["data"];
  CHECK(ok["status"] == "LIVE");
  CHECK(ok["endsAt"].get<long long>() - ok["startedAt"].get<long long>()
        == 45 * 60'000);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: END_ROOM ends the room for everyone, then every "
                 "command gets ROOM_ENDED",
                 "[room][lifecycle]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  auto pending = connect("p2");
  send(r, pending, join());
  send(r, host, start());
  host->clear();
  p->clear();
  pending->clear();

  std::string status_at_event;
  host->on_frame = [&](const json& f) {
    if (f["type"] == "ROOM_ENDED")
      status_at_event = room_column("status");
  };
  send(r, host, end());
  for (auto* u : {&host, &p, &pending}) {
    auto e = (*u)->one("ROOM_ENDED");
    CHECK(e["roomId"] == "ABC123");
    CHECK(e["reason"] == "HOST");
    CHECK(e["endedAt"].get<long long>() > 0);
    REQUIRE((*u)->seats.size() == 1);
    CHECK((*u)->seats[0].state == seat_state::ended);
  }
  CHECK(status_at_event == "ENDED");
  CHECK(room_column("endedAt") != "NULL");
  host->clear();
  p->clear();

  send(r, host, end());
  send(r, host, start());
  send(r, host, status());
  send(r, p, submit("late"));
  send(r, p, signal(cmd::signal::fullscreen_exit));
  auto newcomer = connect("p3");
  send(r, newcomer, join());
  CHECK(host->errors() == strings{"ROOM_ENDED", "ROOM_ENDED", "ROOM_ENDED"});
  CHECK(p->errors() == strings{"ROOM_ENDED", "ROOM_ENDED"});
  CHECK(newcomer->errors() == strings{"ROOM_ENDED"});
  CHECK(db->count("SELECT 1 FROM submissions") == 0);
  CHECK(db->count("SELECT 1 FROM violations") == 0);

  // Connections that close now are no violation, even once the grace ran out.
  close(r, p);
  grace_passes();
  CHECK(db->count("SELECT 1 FROM violations") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a submission that cannot be stored is refused and "
                 "can be retried",
                 "[room][store]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);

  // A trigger makes the store's write set fail (as a full disk would).
  db->exec("CREATE TRIGGER no_submissions BEFORE INSERT ON submissions "
           "BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  send(r, p, submit("print(1)"));
  CHECK(p->types() == strings{"ERROR"});
  CHECK(p->one("ERROR")["code"] == "STORE_UNAVAILABLE");
  CHECK(p->one("ERROR")["requestType"] == "SUBMIT_CODE");
  CHECK(host->frames.empty());
  CHECK(member_column(p, "hasSubmitted") == "0");
  CHECK(status_of(r, host)["participants"][0]["hasSubmitted"] == false);
  p->clear();

  db->exec("DROP TRIGGER no_submissions");
  send(r, p, submit("print(1)"));
  CHECK(p->types() == strings{"SUBMISSION_RECEIVED"});
  CHECK(host->one("USER_SUBMITTED")["data"]["code"] == "print(1)");
  CHECK(member_column(p, "hasSubmitted") == "1");
}

// A violation whose write set fails is answered with the reporting message's
// type, and is not counted: the next stored one says violationCount 1.
TEST_CASE_METHOD(actor_fixture,
                 "room: a violation that cannot be stored is not published "
                 "and not counted",
                 "[room][store]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);

  db->exec("CREATE TRIGGER no_violations BEFORE INSERT ON violations "
           "BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  send(r, p, signal(cmd::signal::fullscreen_exit));
  // Persist, then publish: the host sees nothing.
  CHECK(host->frames.empty());
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  REQUIRE(p->errors() == strings{"STORE_UNAVAILABLE"});
  CHECK(p->one("ERROR")["requestType"] == "FULLSCREEN_EXIT");
  p->clear();

  db->exec("DROP TRIGGER no_violations");
  send(r, p, signal(cmd::signal::tab_blur));
  CHECK(db->count("SELECT 1 FROM violations WHERE userId = 'p1'") == 1);
  CHECK(host->one("VIOLATION_DETECTED")["data"]["violationCount"] == 1);
  CHECK(member_column(p, "violationCount") == "1");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: ROOM_STATUS shows the host everyone and a participant "
                 "only itself",
                 "[room][status]") {
  auto host = connect("h1", "Hannah");
  auto r = open_room(host, room_spec(5, false, 30));
  auto p = connect("p1", "Paul");
  admit(r, host, p);
  auto q = connect("p2", "Quinn");
  send(r, q, join());

  auto h = status_of(r, host);
  CHECK(h["roomId"] == "ABC123");
  CHECK(h["status"] == "WAITING");
  CHECK(h["hostId"] == "h1");
  CHECK(h["hostName"] == "Hannah");
  CHECK(h["hostConnected"] == true);
  CHECK(h["question"] == "Reverse a linked list.");
  CHECK(h["duration"] == 30);
  CHECK(h["maxGuests"] == 5);
  CHECK(h["isPublic"] == false);
  CHECK(h["connectedCount"] == 2);
  CHECK(h["yourRole"] == "host");
  REQUIRE(h["participants"].size() == 2);
  CHECK(h["participants"][0]["userId"] == "p1");
  CHECK(h["participants"][0]["status"] == "APPROVED");
  CHECK(h["participants"][0]["connected"] == true);
  CHECK(h["participants"][1]["userId"] == "p2");
  CHECK(h["participants"][1]["status"] == "PENDING");

  auto mine = status_of(r, p);
  CHECK(mine["yourRole"] == "participant");
  CHECK(mine["yourStatus"] == "APPROVED");
  CHECK(mine["question"] == "Reverse a linked list.");
  REQUIRE(mine["participants"].size() == 1);
  CHECK(mine["participants"][0]["userId"] == "p1");

  // A pending user may ask too, but does not see the question yet.
  auto waiting = status_of(r, q);
  CHECK(waiting["yourStatus"] == "PENDING");
  CHECK(waiting["question"] == "");
  REQUIRE(waiting["participants"].size() == 1);
  CHECK(waiting["participants"][0]["userId"] == "p2");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: leaving or being kicked from a LIVE room is no "
                 "DISCONNECT when the connection then closes",
                 "[room][violations]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto leaver = connect("p1");
  auto kicked = connect("p2");
  admit(r, host, leaver);
  admit(r, host, kicked);
  send(r, host, start());

  send(r, leaver, leave());
  close(r, leaver);
  send(r, host, kick(kicked));
  close(r, kicked);
  grace_passes();
  CHECK(host->count("VIOLATION_DETECTED") == 0);
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  CHECK(member_column(leaver, "status") == "LEFT");
  CHECK(member_column(kicked, "status") == "KICKED");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a pending user that leaves is gone from the host's "
                 "list of requests",
                 "[room][join]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  send(r, p, join());
  host->clear();
  p->clear();

  send(r, p, leave());
  CHECK(host->one("USER_LEFT")["data"]["userId"] == "p1");
  CHECK(host->one("USER_LEFT")["data"]["connectedCount"] == 1);
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::released);
  CHECK(member_column(p, "status") == "LEFT");
  host->clear();
  send(r, host, approve(p));
  CHECK(host->errors() == strings{"USER_NOT_FOUND"});
}

// A rejected user is out of the room: END_ROOM does not reach its
// connection, which may be in another room by then.
TEST_CASE_METHOD(actor_fixture,
                 "room: a rejected user is not told that the room ended",
                 "[room][lifecycle]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  send(r, p, join());
  send(r, host, approve(p, false));
  p->clear();

  send(r, host, end());
  CHECK(host->count("ROOM_ENDED") == 1);
  CHECK(p->frames.empty());
  CHECK(p->seats.empty());
}

TEST_CASE_METHOD(actor_fixture,
                 "room: ANNOUNCE reaches the host and approved participants, "
                 "one frame for all, and writes nothing",
                 "[room][announce]") {
  auto host = connect("h1", "Hannah");
  auto r = open_room(host);
  auto p = connect("p1");
  auto p2 = connect("p2");
  admit(r, host, p);
  admit(r, host, p2);
  auto pending = connect("p3");
  send(r, pending, join());
  for (auto* u : {&host, &p, &p2, &pending})
    (*u)->clear();

  // data_version changes whenever another connection commits: it shows that
  // the store was not written at all, not only that no event was logged.
  auto version = db->text("PRAGMA data_version");
  auto last_seq = db->text("SELECT MAX(seq) FROM events");
  auto events = db->count("SELECT 1 FROM events");

  using namespace std::chrono;
  auto now = [] {
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
  };
  auto before = now();
  send(r, host, announce("10 minutes left"));
  auto after = now();
  for (auto* u : {&host, &p, &p2}) {
    CHECK((*u)->types() == strings{"ANNOUNCEMENT"});
    auto a = (*u)->one("ANNOUNCEMENT");
    CHECK(a["data"]["roomId"] == "ABC123");
    CHECK(a["data"]["message"] == "10 minutes left");
    CHECK(a["data"]["from"] == "Hannah");
    CHECK(a["data"]["timestamp"].get<long long>() >= before);
    CHECK(a["data"]["timestamp"].get<long long>() <= after);
    CHECK_FALSE(a.contains("seq"));
    CHECK((*u)->seats.empty());
  }
  // Encoded once: every recipient holds the same buffer.
  REQUIRE(host->raw.size() == 1);
  REQUIRE(p->raw.size() == 1);
  REQUIRE(p2->raw.size() == 1);
  CHECK(p->raw[0] == host->raw[0]);
  CHECK(p2->raw[0] == host->raw[0]);
  // A pending user is not in the audience.
  CHECK(pending->frames.empty());
  CHECK(db->text("PRAGMA data_version") == version);
  CHECK(db->text("SELECT MAX(seq) FROM events") == last_seq);
  CHECK(db->count("SELECT 1 FROM events") == events);
  host->clear();
  p->clear();
  p2->clear();

  // LIVE too. (START_ROOM commits: the probe sees that.)
  send(r, host, start());
  CHECK(db->text("PRAGMA data_version") != version);
  version = db->text("PRAGMA data_version");
  host->clear();
  p->clear();
  p2->clear();
  send(r, host, announce("5 minutes left"));
  for (auto* u : {&host, &p, &p2})
    CHECK((*u)->one("ANNOUNCEMENT")["data"]["message"] == "5 minutes left");
  CHECK(pending->count("ANNOUNCEMENT") == 0);
  CHECK(db->text("PRAGMA data_version") == version);
  CHECK(db->count("SELECT 1 FROM events WHERE payload LIKE '%ANNOUNCEMENT%'")
        == 0);

  // A member that has left is no longer in the audience.
  send(r, p2, leave());
  host->clear();
  p->clear();
  p2->clear();
  send(r, host, announce("bye"));
  CHECK(host->count("ANNOUNCEMENT") == 1);
  CHECK(p->count("ANNOUNCEMENT") == 1);
  CHECK(p2->frames.empty());
}

TEST_CASE_METHOD(actor_fixture,
                 "room: only the host may ANNOUNCE, and not after the end",
                 "[room][announce][authority]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  auto pending = connect("p2");
  send(r, pending, join());
  auto host_elsewhere = connect("h1"); // the host's user, not its seat
  host->clear();
  pending->clear();
  auto version = db->text("PRAGMA data_version");

  send(r, p, announce("I am the host now"));
  send(r, pending, announce("let me in"));
  send(r, host_elsewhere, announce("from another tab"));
  CHECK(p->errors() == strings{"FORBIDDEN"});
  CHECK(p->one("ERROR")["requestType"] == "ANNOUNCE");
  CHECK(pending->errors() == strings{"FORBIDDEN"});
  CHECK(pending->one("ERROR")["requestType"] == "ANNOUNCE");
  CHECK(host_elsewhere->errors() == strings{"NOT_IN_ROOM"});
  CHECK(host_elsewhere->one("ERROR")["requestType"] == "ANNOUNCE");
  CHECK(host->frames.empty());
  CHECK(p->count("ANNOUNCEMENT") == 0);
  CHECK(pending->count("ANNOUNCEMENT") == 0);
  CHECK(db->text("PRAGMA data_version") == version);

  send(r, host, end());
  host->clear();
  p->clear();
  send(r, host, announce("too late"));
  CHECK(host->errors() == strings{"ROOM_ENDED"});
  CHECK(host->one("ERROR")["requestType"] == "ANNOUNCE");
  CHECK(p->frames.empty());
}
