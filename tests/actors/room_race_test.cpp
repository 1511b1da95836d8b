// The room actor with commands that arrive back to back, before the store
// has answered the first one (issue 8, defect 2). A command about a member
// waits for the commit of the previous one about that member, so it sees
// the outcome and is never applied twice; admissions being committed hold
// their place, so concurrent joins never overfill a room.
//
// caf::anon_send puts both commands in the room's mailbox before anything
// runs; drain() then runs the room, the store and the relay to the end.

#include "fixture.hpp"

using namespace proctord;
using namespace proctord::test;
using strings = std::vector<std::string>;

TEST_CASE_METHOD(actor_fixture,
                 "room race: two APPROVE_JOIN for one user back to back "
                 "approve it once",
                 "[room][failure][race]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto watcher = connect("p0");
  admit(r, host, watcher);
  auto p = connect("p1");
  send(r, p, join());
  host->clear();
  p->clear();
  auto n = db->count("SELECT 1 FROM events");

  caf::anon_send(r, host.who, approve(p));
  caf::anon_send(r, host.who, approve(p));
  drain();

  CHECK(p->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::seated);
  CHECK(watcher->types() == strings{"USER_JOINED"});
  CHECK(watcher->one("USER_JOINED")["data"]["connectedCount"] == 3);
  // The second ran after the first's commit: p1 was no longer pending.
  CHECK(host->types() == strings{"USER_JOINED", "ERROR"});
  CHECK(host->errors() == strings{"USER_NOT_FOUND"});
  CHECK(host->one("ERROR")["requestType"] == "APPROVE_JOIN");
  CHECK(member_column(p, "status") == "APPROVED");
  CHECK(db->count("SELECT 1 FROM room_users WHERE userId = 'p1'") == 1);
  CHECK(db->count("SELECT 1 FROM join_attempts WHERE userId = 'p1'") == 1);
  CHECK(db->text("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == "APPROVED");
  // One JOIN_APPROVED and one USER_JOINED in the log.
  CHECK(db->count("SELECT 1 FROM events") == n + 2);
  auto view = status_of(r, host);
  CHECK(view["connectedCount"] == 3);
}

TEST_CASE_METHOD(actor_fixture,
                 "room race: an approval and a rejection back to back decide "
                 "once",
                 "[room][failure][race]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  send(r, p, join());
  host->clear();
  p->clear();

  caf::anon_send(r, host.who, approve(p, true));
  caf::anon_send(r, host.who, approve(p, false));
  drain();

  CHECK(p->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  CHECK(p->count("JOIN_REJECTED") == 0);
  CHECK(host->errors() == strings{"USER_NOT_FOUND"});
  CHECK(member_column(p, "status") == "APPROVED");
  CHECK(db->text("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == "APPROVED");
}

TEST_CASE_METHOD(actor_fixture,
                 "room race: two joiners back to back for the last place of a "
                 "public room: exactly one is admitted",
                 "[room][failure][race]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(1, true));
  auto p1 = connect("p1");
  auto p2 = connect("p2");

  caf::anon_send(r, p1.who, join());
  caf::anon_send(r, p2.who, join());
  drain();

  // The first is admitted: its admission holds the place while it commits.
  CHECK(p1->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  REQUIRE(p1->seats.size() == 1);
  CHECK(p1->seats[0].state == seat_state::seated);
  CHECK(p2->types() == strings{"ERROR"});
  CHECK(p2->one("ERROR")["code"] == "ROOM_FULL");
  CHECK(p2->one("ERROR")["requestType"] == "JOIN_ROOM");
  CHECK(p2->seats.empty());
  CHECK(p2->refusals == 1);
  CHECK(host->types() == strings{"USER_JOINED"});
  CHECK(host->one("USER_JOINED")["data"]["userId"] == "p1");
  CHECK(db->count("SELECT 1 FROM room_users WHERE status = 'APPROVED'") == 1);
  CHECK(db->count("SELECT 1 FROM room_users WHERE userId = 'p2'") == 0);
  CHECK(db->count("SELECT 1 FROM join_attempts") == 1);
  auto view = status_of(r, host);
  CHECK(view["connectedCount"] == 2);
  REQUIRE(view["participants"].size() == 1);
  CHECK(view["participants"][0]["userId"] == "p1");
}

TEST_CASE_METHOD(actor_fixture,
                 "room race: a KICK_USER and the participant's LEAVE_ROOM "
                 "back to back: the kick happens once, the leave finds no seat",
                 "[room][failure][race]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  auto watcher = connect("p2");
  admit(r, host, p);
  admit(r, host, watcher);
  p->clear();

  caf::anon_send(r, host.who, kick(p));
  caf::anon_send(r, p.who, leave());
  drain();

  // The leave ran after the kick's commit: no seat to leave, no USER_LEFT.
  CHECK(p->count("KICKED") == 1);
  CHECK(p->count("USER_LEFT") == 0);
  CHECK(p->errors() == strings{"NOT_IN_ROOM"});
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::kicked);
  for (auto* u : {&host, &watcher})
    CHECK((*u)->types() == strings{"USER_KICKED"}); // and no USER_LEFT
  CHECK(member_column(p, "status") == "KICKED");
  CHECK(db->count("SELECT 1 FROM kick_events") == 1);
}
