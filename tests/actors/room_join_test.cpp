// The room actor, joining: approval, rejection, public rooms, maxGuests,
// rejoining, replaced sessions and kicks, as host and participants see them
// (protocol/README.md, "Semantics").

#include "fixture.hpp"

using namespace proctord;
using namespace proctord::test;
using strings = std::vector<std::string>;

TEST_CASE_METHOD(actor_fixture,
                 "room: a private room admits a participant once the host "
                 "approves",
                 "[room][join]") {
  auto host = connect("h1", "Hannah");
  auto r = open_room(host, room_spec(2));
  auto watcher = connect("p0", "Wendy");
  admit(r, host, watcher);
  auto p = connect("p1", "Paul");

  // The host hears of the request only once it is committed.
  long long attempts_at_request = -1;
  host->on_frame = [&](const json& f) {
    if (f["type"] == "JOIN_REQUEST")
      attempts_at_request = db->count(
        "SELECT 1 FROM join_attempts WHERE roomId = 'ABC123' "
        "AND userId = 'p1' AND status = 'PENDING'");
  };
  send(r, p, join());

  CHECK(p->types() == strings{"WAITING_APPROVAL"});
  CHECK(p->one("WAITING_APPROVAL")["roomId"] == "ABC123");
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::pending);
  CHECK(p->seats[0].room_id == "ABC123");
  CHECK(p->seats[0].room != nullptr);

  CHECK(host->types() == strings{"JOIN_REQUEST"});
  auto req = host->one("JOIN_REQUEST")["data"];
  CHECK(req["userId"] == "p1");
  CHECK(req["username"] == "Paul");
  CHECK(req["socketId"] == p.who.socket_id);
  CHECK(req["timestamp"].get<long long>() > 0);
  CHECK(attempts_at_request == 1);
  // Only the host learns of join requests.
  CHECK(watcher->frames.empty());
  CHECK(member_column(p, "status") == "PENDING");

  host->clear();
  p->clear();
  send(r, host, approve(p));

  CHECK(p->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  auto ok = p->one("JOIN_APPROVED")["data"];
  CHECK(ok["roomId"] == "ABC123");
  CHECK(ok["roomname"] == "Interview");
  CHECK(ok["question"] == "Reverse a linked list.");
  CHECK(ok["duration"] == 60);
  CHECK(ok["hostName"] == "Hannah");
  CHECK(ok["role"] == "participant");
  CHECK(ok["status"] == "WAITING");
  CHECK(ok["startedAt"].is_null());
  CHECK(ok["endsAt"].is_null());
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::seated);
  CHECK(p->seats[0].role == protocol::member_role::participant);

  // Host, Wendy and Paul are connected now.
  for (auto* u : {&host, &watcher, &p}) {
    auto joined = (*u)->one("USER_JOINED")["data"];
    CHECK(joined["userId"] == "p1");
    CHECK(joined["username"] == "Paul");
    CHECK(joined["connectedCount"] == 3);
  }
  CHECK(host->errors().empty());
  CHECK(member_column(p, "status") == "APPROVED");
  CHECK(member_column(p, "joinedAt") != "NULL");
  CHECK(db->text("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == "APPROVED");
  CHECK(db->text("SELECT decidedAt FROM join_attempts WHERE userId = 'p1'")
        != "NULL");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a rejected participant is told so and may ask again",
                 "[room][join]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  send(r, p, join());
  host->clear();
  p->clear();

  send(r, host, approve(p, false));
  CHECK(p->types() == strings{"JOIN_REJECTED"});
  CHECK(p->one("JOIN_REJECTED")["roomId"] == "ABC123");
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::released);
  CHECK(host->frames.empty());
  CHECK(member_column(p, "status") == "REJECTED");
  CHECK(db->text("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == "REJECTED");

  // The request is decided: deciding again names no pending request.
  send(r, host, approve(p));
  CHECK(host->errors() == strings{"USER_NOT_FOUND"});
  CHECK(host->one("ERROR")["requestType"] == "APPROVE_JOIN");
  CHECK(p->count("JOIN_APPROVED") == 0);

  // A new JOIN_ROOM is a new request.
  host->clear();
  p->clear();
  send(r, p, join());
  CHECK(p->types() == strings{"WAITING_APPROVAL"});
  CHECK(host->types() == strings{"JOIN_REQUEST"});
  CHECK(member_column(p, "status") == "PENDING");
  CHECK(db->count("SELECT 1 FROM join_attempts WHERE userId = 'p1' "
                  "AND status = 'PENDING'")
        == 1);
}

TEST_CASE_METHOD(actor_fixture, "room: a public room admits at once",
                 "[room][join]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(10, true));
  auto p = connect("p1");
  send(r, p, join());

  CHECK(p->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  CHECK(p->one("JOIN_APPROVED")["data"]["role"] == "participant");
  CHECK(host->types() == strings{"USER_JOINED"});
  CHECK(host->one("USER_JOINED")["data"]["connectedCount"] == 2);
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::seated);
  CHECK(member_column(p, "status") == "APPROVED");
  CHECK(db->text("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == "APPROVED");

  host->clear();
  p->clear();
  auto q = connect("p2");
  send(r, q, join());
  for (auto* u : {&host, &p, &q})
    CHECK((*u)->one("USER_JOINED")["data"]["connectedCount"] == 3);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: maxGuests refuses a JOIN_ROOM to a full room",
                 "[room][join]") {
  const bool is_public = GENERATE(true, false);
  INFO("public: " << is_public);
  auto host = connect("h1");
  auto r = open_room(host, room_spec(1, is_public));
  auto p1 = connect("p1");
  admit(r, host, p1);

  auto p2 = connect("p2");
  send(r, p2, join());
  CHECK(p2->types() == strings{"ERROR"});
  CHECK(p2->one("ERROR")["code"] == "ROOM_FULL");
  CHECK(p2->one("ERROR")["requestType"] == "JOIN_ROOM");
  CHECK(p2->seats.empty());
  CHECK(host->frames.empty());
  CHECK(p1->frames.empty());
  CHECK(db->count("SELECT 1 FROM room_users WHERE userId = 'p2'") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: an APPROVE_JOIN that would overfill the room gets "
                 "ROOM_FULL and the request stays pending",
                 "[room][join]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(1));
  auto p1 = connect("p1");
  auto p2 = connect("p2");
  send(r, p1, join());
  send(r, p2, join());
  send(r, host, approve(p1));
  host->clear();
  p1->clear();
  p2->clear();

  send(r, host, approve(p2));
  CHECK(host->types() == strings{"ERROR"});
  CHECK(host->one("ERROR")["code"] == "ROOM_FULL");
  CHECK(host->one("ERROR")["requestType"] == "APPROVE_JOIN");
  CHECK(p2->frames.empty());
  CHECK(p2->seats.empty());
  CHECK(p1->frames.empty());
  CHECK(member_column(p2, "status") == "PENDING");
  auto view = status_of(r, host);
  REQUIRE(view["participants"].size() == 2);
  CHECK(view["participants"][1]["userId"] == "p2");
  CHECK(view["participants"][1]["status"] == "PENDING");

  // Once a seat is free, the same request can be approved.
  send(r, p1, leave());
  host->clear();
  send(r, host, approve(p2));
  CHECK(host->errors().empty());
  CHECK(p2->count("JOIN_APPROVED") == 1);
  CHECK(member_column(p2, "status") == "APPROVED");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a participant approved before gets its seat back at "
                 "once, with its violation count",
                 "[room][join]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1", "Paul");
  admit(r, host, p);
  send(r, p, signal(cmd::signal::fullscreen_exit));
  send(r, p, signal(cmd::signal::tab_blur));
  CHECK(host->count("VIOLATION_DETECTED") == 2);
  host->clear();

  send(r, p, leave());
  auto left = p->one("USER_LEFT")["data"];
  CHECK(left["reason"] == "LEFT");
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::released);
  CHECK(host->types() == strings{"USER_LEFT"});
  CHECK(host->one("USER_LEFT")["data"]["userId"] == "p1");
  CHECK(host->one("USER_LEFT")["data"]["reason"] == "LEFT");
  CHECK(host->one("USER_LEFT")["data"]["connectedCount"] == 1);
  // LEAVE_ROOM is not a violation.
  CHECK(db->count("SELECT 1 FROM violations") == 2);
  CHECK(member_column(p, "status") == "LEFT");
  host->clear();

  auto again = connect("p1", "Paul");
  send(r, again, join());
  CHECK(again->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  CHECK(host->types() == strings{"USER_JOINED"});
  CHECK(host->one("USER_JOINED")["data"]["connectedCount"] == 2);
  CHECK(member_column(p, "status") == "APPROVED");
  // No new join request was recorded.
  CHECK(db->count("SELECT 1 FROM join_attempts WHERE userId = 'p1'") == 1);

  auto view = status_of(r, again);
  REQUIRE(view["participants"].size() == 1);
  CHECK(view["participants"][0]["violationCount"] == 2);
  host->clear();
  send(r, again, signal(cmd::signal::tab_blur));
  CHECK(host->one("VIOLATION_DETECTED")["data"]["violationCount"] == 3);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: joining from a second connection replaces the first",
                 "[room][join]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto first = connect("p1");
  admit(r, host, first);
  send(r, host, start());
  host->clear();
  first->clear();

  auto second = connect("p1");
  send(r, second, join());

  CHECK(first->types() == strings{"ERROR"});
  CHECK(first->one("ERROR")["code"] == "SESSION_REPLACED");
  CHECK(first->one("ERROR")["requestType"] == "JOIN_ROOM");
  REQUIRE(first->seats.size() == 1);
  CHECK(first->seats[0].state == seat_state::released);
  CHECK(second->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  CHECK(second->one("JOIN_APPROVED")["data"]["status"] == "LIVE");
  REQUIRE(second->seats.size() == 1);
  CHECK(second->seats[0].state == seat_state::seated);
  // Still two connected members: the seat moved.
  CHECK(host->one("USER_JOINED")["data"]["connectedCount"] == 2);
  host->clear();
  first->clear();

  // The old connection is outside the room: its commands and its closing
  // change nothing.
  send(r, first, submit("old"));
  CHECK(first->errors() == strings{"NOT_IN_ROOM"});
  close(r, first);
  grace_passes();
  CHECK(host->frames.empty());
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  CHECK(db->count("SELECT 1 FROM submissions") == 0);

  send(r, second, submit("new"));
  CHECK(second->count("SUBMISSION_RECEIVED") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a pending request moves to the new connection",
                 "[room][join]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto first = connect("p1");
  send(r, first, join());
  host->clear();
  first->clear();

  auto second = connect("p1");
  send(r, second, join());
  CHECK(first->errors() == strings{"SESSION_REPLACED"});
  CHECK(second->types() == strings{"WAITING_APPROVAL"});
  // The host already has this request.
  CHECK(host->frames.empty());

  send(r, host, approve(second));
  CHECK(second->count("JOIN_APPROVED") == 1);
  CHECK(first->count("JOIN_APPROVED") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a host that joins again is re-seated as host and "
                 "sees the requests it missed",
                 "[room][join]") {
  auto host = connect("h1", "Hannah");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);

  close(r, host);
  // The room hears of it once the presence grace has run out.
  CHECK(p->frames.empty());
  grace_passes();
  auto gone = p->one("USER_LEFT")["data"];
  CHECK(gone["userId"] == "h1");
  CHECK(gone["reason"] == "DISCONNECTED");
  CHECK(gone["connectedCount"] == 1);
  auto q = connect("p2", "Quinn");
  send(r, q, join());
  CHECK(q->types() == strings{"WAITING_APPROVAL"});
  p->clear();

  auto back = connect("h1", "Hannah");
  send(r, back, join());
  CHECK(back->types() == strings{"JOIN_APPROVED", "USER_JOINED", "JOIN_REQUEST"});
  CHECK(back->one("JOIN_APPROVED")["data"]["role"] == "host");
  CHECK(back->one("JOIN_REQUEST")["data"]["userId"] == "p2");
  CHECK(back->one("USER_JOINED")["data"]["connectedCount"] == 2);
  REQUIRE(back->seats.size() == 1);
  CHECK(back->seats[0].state == seat_state::seated);
  CHECK(back->seats[0].role == protocol::member_role::host);
  CHECK(p->one("USER_JOINED")["data"]["userId"] == "h1");

  send(r, back, approve(q));
  CHECK(q->count("JOIN_APPROVED") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a kicked participant is removed and cannot rejoin",
                 "[room][join][kick]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1", "Paul");
  auto other = connect("p2");
  admit(r, host, p);
  admit(r, host, other);
  p->clear();

  send(r, host, kick(p, "used a second screen"));
  CHECK(p->types() == strings{"KICKED"});
  auto k = p->one("KICKED");
  CHECK(k["roomId"] == "ABC123");
  CHECK(k["reason"] == "used a second screen");
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::kicked);
  for (auto* u : {&host, &other}) {
    auto e = (*u)->one("USER_KICKED")["data"];
    CHECK(e["userId"] == "p1");
    CHECK(e["username"] == "Paul");
    CHECK(e["reason"] == "used a second screen");
  }
  CHECK(member_column(p, "status") == "KICKED");
  CHECK(db->text("SELECT reason FROM kick_events WHERE userId = 'p1'")
        == "used a second screen");
  p->clear();

  // Neither the old connection nor a new one gets back in.
  send(r, p, status());
  CHECK(p->errors() == strings{"NOT_IN_ROOM"});
  auto again = connect("p1");
  send(r, again, join());
  CHECK(again->errors() == strings{"KICKED"});
  CHECK(again->one("ERROR")["requestType"] == "JOIN_ROOM");
  CHECK(again->seats.empty());

  // Kicking twice, kicking the host or a stranger: no such participant.
  host->clear();
  send(r, host, kick(p));
  send(r, host, kick(host));
  send(r, host, cmd::kick_user{room_id, "nobody", ""});
  CHECK(host->errors() == strings{"USER_NOT_FOUND", "USER_NOT_FOUND",
                                  "USER_NOT_FOUND"});
  CHECK(db->count("SELECT 1 FROM kick_events") == 1);
}

TEST_CASE_METHOD(actor_fixture, "room: the host may kick a pending user",
                 "[room][join][kick]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  send(r, p, join());
  host->clear();
  p->clear();

  send(r, host, kick(p, "no"));
  CHECK(p->types() == strings{"KICKED"});
  CHECK(host->count("USER_KICKED") == 1);
  auto again = connect("p1");
  send(r, again, join());
  CHECK(again->errors() == strings{"KICKED"});
}
