// The room actor when the store refuses a step (issue 8, defect 2): a step
// is applied to memory and published only after its commit, so a failed
// commit answers the sender ERROR STORE_UNAVAILABLE and changes nothing
// anyone sees, in memory or on disk, and the retry succeeds, once. A trigger
// makes one table of the real file refuse writes (tests/sqlite_support.hpp);
// member, room and join attempt rows are upserts (BEFORE INSERT fires always).

#include "fixture.hpp"

#include "protocol/close_codes.hpp"

#include <optional>

using namespace proctord;
using namespace proctord::test;
using strings = std::vector<std::string>;

namespace {

struct failure_fixture : actor_fixture {
  /// Writes of `operation` on `table` fail until heal().
  void fail(const std::string& table, const std::string& operation) {
    trigger.emplace(file.path(), table, operation, "disk says no");
  }
  void heal() { trigger.reset(); }

  /// Every row of every table, as text: what a restart would find.
  strings disk() {
    strings out;
    for (auto& table : db->column("SELECT name FROM sqlite_master WHERE "
                                  "type = 'table' ORDER BY name")) {
      std::string row;
      for (auto& c : db->column("SELECT name FROM pragma_table_info('"
                                + table + "')"))
        row += (row.empty() ? "quote(" : " || ',' || quote(") + c + ")";
      for (auto& r : db->column("SELECT " + row + " FROM " + table
                                + " ORDER BY 1"))
        out.push_back(table + ": " + r);
    }
    return out;
  }

  /// ROOM_STATUS as `u` sees it (status, participants, connectedCount),
  /// without the clock. Clears u's inbox.
  json view(const room_actor& r, const user& u) {
    auto v = status_of(r, u);
    v.erase("serverTime");
    return v;
  }

  /// The room as `users` see it and what is on disk. Clears their inboxes.
  json look(const room_actor& r, std::initializer_list<const user*> users) {
    json out{{"disk", disk()}};
    for (auto* u : users)
      out[u->id()] = view(r, *u);
    return out;
  }

  long long events() { return db->count("SELECT 1 FROM events"); }

  std::optional<failing_trigger> trigger;
};

void clear(std::initializer_list<const user*> users) {
  for (auto* u : users)
    (*u)->clear();
}

/// `u` got one frame: ERROR STORE_UNAVAILABLE answering `request_type`.
void check_store_unavailable(const user& u, const std::string& request_type) {
  INFO("frames: " << json(u->types()).dump());
  REQUIRE(u->types() == strings{"ERROR"});
  CHECK(u->one("ERROR")["code"] == "STORE_UNAVAILABLE");
  CHECK(u->one("ERROR")["requestType"] == request_type);
}
} // namespace

TEST_CASE_METHOD(failure_fixture,
                 "room failure: a JOIN_ROOM request to a private room that "
                 "cannot be stored is refused; the retry asks the host once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(2));
  auto watcher = connect("p0");
  admit(r, host, watcher);
  auto p = connect("p1", "Paul");
  auto before = look(r, {&host});

  fail("room_users", "INSERT");
  send(r, p, join());
  check_store_unavailable(p, "JOIN_ROOM");
  CHECK(p->seats.empty());
  CHECK(p->refusals == 1);
  CHECK(host->frames.empty()); // no JOIN_REQUEST
  CHECK(watcher->frames.empty());
  CHECK(look(r, {&host}) == before); // p1 is not among the participants

  heal();
  clear({&p, &host, &watcher});
  auto n = events();
  send(r, p, join());
  CHECK(p->types() == strings{"WAITING_APPROVAL"});
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::pending);
  CHECK(host->types() == strings{"JOIN_REQUEST"});
  CHECK(host->one("JOIN_REQUEST")["data"]["userId"] == "p1");
  CHECK(watcher->frames.empty());
  CHECK(member_column(p, "status") == "PENDING");
  CHECK(db->count("SELECT 1 FROM join_attempts WHERE userId = 'p1'") == 1);
  CHECK(events() == n + 2);
  CHECK(view(r, host)["participants"][1]["status"] == "PENDING"); // p0, p1
}

// maxGuests 2 with one seat taken: an admission whose failed commit kept
// its place (room_state::admitting) would make the retry ROOM_FULL.
TEST_CASE_METHOD(failure_fixture,
                 "room failure: an admission to a public room that cannot be "
                 "stored is refused; the retry admits once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(2, true));
  auto watcher = connect("p0");
  admit(r, host, watcher);
  auto p = connect("p1", "Paul");
  auto before = look(r, {&host});

  fail("room_users", "INSERT");
  send(r, p, join());
  check_store_unavailable(p, "JOIN_ROOM");
  CHECK(p->seats.empty());
  CHECK(p->refusals == 1);
  CHECK(host->frames.empty()); // no USER_JOINED
  CHECK(watcher->frames.empty());
  CHECK(look(r, {&host}) == before);
  CHECK(before["h1"]["connectedCount"] == 2);

  heal();
  clear({&p, &host, &watcher});
  auto n = events();
  send(r, p, join());
  CHECK(p->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::seated);
  for (auto* u : {&host, &watcher}) {
    CHECK((*u)->types() == strings{"USER_JOINED"});
    CHECK((*u)->one("USER_JOINED")["data"]["userId"] == "p1");
    CHECK((*u)->one("USER_JOINED")["data"]["connectedCount"] == 3);
  }
  CHECK(member_column(p, "status") == "APPROVED");
  CHECK(db->column("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == strings{"APPROVED"});
  CHECK(events() == n + 2);
  CHECK(view(r, host)["connectedCount"] == 3);
}

// maxGuests 2 with one seat taken, as above.
TEST_CASE_METHOD(failure_fixture,
                 "room failure: an APPROVE_JOIN that cannot be stored leaves "
                 "the request pending; the retry approves once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(2));
  auto watcher = connect("p0");
  admit(r, host, watcher);
  auto p = connect("p1", "Paul");
  send(r, p, join());
  clear({&p, &host, &watcher});
  auto before = look(r, {&host, &p});

  fail("room_users", "INSERT");
  send(r, host, approve(p));
  check_store_unavailable(host, "APPROVE_JOIN");
  CHECK(p->frames.empty()); // no JOIN_APPROVED
  CHECK(p->seats.empty());
  CHECK(watcher->frames.empty()); // no USER_JOINED
  CHECK(look(r, {&host, &p}) == before);
  CHECK(before["p1"]["yourStatus"] == "PENDING");

  heal();
  clear({&p, &host, &watcher});
  auto n = events();
  send(r, host, approve(p));
  CHECK(host->types() == strings{"USER_JOINED"});
  CHECK(p->types() == strings{"JOIN_APPROVED", "USER_JOINED"});
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::seated);
  CHECK(watcher->types() == strings{"USER_JOINED"});
  CHECK(watcher->one("USER_JOINED")["data"]["connectedCount"] == 3);
  CHECK(member_column(p, "status") == "APPROVED");
  CHECK(db->column("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == strings{"APPROVED"});
  CHECK(events() == n + 2);
  CHECK(view(r, host)["participants"][1]["status"] == "APPROVED");
}

TEST_CASE_METHOD(failure_fixture,
                 "room failure: a rejection that cannot be stored leaves the "
                 "request pending; the retry rejects once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  send(r, p, join());
  clear({&p, &host});
  auto before = look(r, {&host, &p});

  fail("room_users", "UPDATE"); // p1's row exists: the upsert updates it
  send(r, host, approve(p, false));
  check_store_unavailable(host, "APPROVE_JOIN");
  CHECK(p->frames.empty()); // no JOIN_REJECTED
  CHECK(p->seats.empty());  // still on its pending seat
  CHECK(look(r, {&host, &p}) == before);

  heal();
  clear({&p, &host});
  send(r, host, approve(p, false));
  CHECK(host->frames.empty());
  CHECK(p->types() == strings{"JOIN_REJECTED"});
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::released);
  CHECK(member_column(p, "status") == "REJECTED");
  CHECK(db->column("SELECT status FROM join_attempts WHERE userId = 'p1'")
        == strings{"REJECTED"});
  CHECK(view(r, host)["participants"][0]["status"] == "REJECTED");
}

TEST_CASE_METHOD(failure_fixture,
                 "room failure: a START_ROOM that cannot be stored leaves the "
                 "room waiting, with no deadline; the retry starts it once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  auto before = look(r, {&host});

  fail("rooms", "UPDATE");
  send(r, host, start());
  check_store_unavailable(host, "START_ROOM");
  CHECK(p->frames.empty()); // no ROOM_STARTED
  CHECK(look(r, {&host}) == before);
  CHECK(before["h1"]["status"] == "WAITING");
  // No deadline was armed: an hour and more later the room still waits.
  advance(std::chrono::minutes{61});
  CHECK(host->frames.empty());
  CHECK(p->frames.empty());
  CHECK(look(r, {&host}) == before);

  heal();
  auto n = events();
  send(r, host, start());
  for (auto* u : {&host, &p})
    CHECK((*u)->types() == strings{"ROOM_STARTED"});
  CHECK(room_column("status") == "LIVE");
  CHECK(room_column("startedAt") != "NULL");
  CHECK(events() == n + 1);
  CHECK(view(r, host)["status"] == "LIVE");
}

TEST_CASE_METHOD(failure_fixture,
                 "room failure: a KICK_USER that cannot be stored leaves the "
                 "participant in; the retry kicks once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1", "Paul");
  auto watcher = connect("p2");
  admit(r, host, p);
  admit(r, host, watcher);
  clear({&p});
  auto before = look(r, {&host, &p});

  fail("kick_events", "INSERT");
  send(r, host, kick(p));
  check_store_unavailable(host, "KICK_USER");
  CHECK(p->frames.empty()); // no KICKED
  CHECK(p->seats.empty());
  CHECK(p->closed == 0);
  CHECK(watcher->frames.empty()); // no USER_KICKED
  CHECK(look(r, {&host, &p}) == before); // p1 still seated
  CHECK(before["h1"]["connectedCount"] == 3);

  heal();
  auto n = events();
  send(r, host, kick(p));
  CHECK(p->types() == strings{"KICKED"});
  CHECK(p->closed == protocol::close_kicked);
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::kicked);
  for (auto* u : {&host, &watcher}) {
    CHECK((*u)->types() == strings{"USER_KICKED"});
    CHECK((*u)->one("USER_KICKED")["data"]["userId"] == "p1");
  }
  CHECK(member_column(p, "status") == "KICKED");
  CHECK(db->count("SELECT 1 FROM kick_events WHERE userId = 'p1'") == 1);
  CHECK(events() == n + 2);
  auto now = view(r, host);
  CHECK(now["participants"][0]["status"] == "KICKED");
  CHECK(now["connectedCount"] == 2);
}

// END_ROOM is the exception: the room is over whatever the disk says
// (room.cpp, end_room). A failed commit still ends the room in memory and
// tells everyone ROOM_ENDED; the host gets no STORE_UNAVAILABLE (end_room
// commits without a caller to answer), and a retry gets ROOM_ENDED. The room
// itself stores its end again every second until it commits, and lingers
// until then: a restart must not bring an ended room back.
TEST_CASE_METHOD(failure_fixture,
                 "room failure: an END_ROOM that cannot be stored still ends "
                 "the room for everyone, and the room stores it once it can",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  auto pending = connect("p2");
  admit(r, host, p);
  send(r, pending, join());
  clear({&host, &pending});
  auto before = disk();

  fail("rooms", "UPDATE");
  send(r, host, end());
  for (auto* u : {&host, &p, &pending}) {
    INFO((*u).id());
    CHECK((*u)->types() == strings{"ROOM_ENDED"});
    CHECK((*u)->one("ROOM_ENDED")["reason"] == "HOST");
    REQUIRE((*u)->seats.size() == 1);
    CHECK((*u)->seats[0].state == seat_state::ended);
  }
  CHECK(host->errors().empty());
  CHECK(disk() == before);
  CHECK(room_column("status") == "WAITING");
  CHECK(room_column("endedAt") == "NULL");

  heal();
  clear({&host, &p, &pending});
  send(r, host, end());
  CHECK(host->errors() == strings{"ROOM_ENDED"});
  CHECK(host->one("ERROR")["requestType"] == "END_ROOM");
  CHECK(p->frames.empty());
  CHECK(pending->frames.empty());
  CHECK(disk() == before);
  CHECK(room_column("status") == "WAITING");
  // The room's own retry, a second later, with the store healed.
  advance(std::chrono::seconds{1});
  CHECK(room_column("status") == "ENDED");
  CHECK(p->frames.empty());
}

TEST_CASE_METHOD(failure_fixture,
                 "room failure: a LEAVE_ROOM that cannot be stored keeps the "
                 "participant in; the retry leaves once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  auto watcher = connect("p2");
  admit(r, host, p);
  admit(r, host, watcher);
  clear({&p});
  auto before = look(r, {&host, &p});

  fail("room_users", "INSERT");
  send(r, p, leave());
  check_store_unavailable(p, "LEAVE_ROOM");
  CHECK(p->seats.empty()); // not released
  CHECK(host->frames.empty()); // no USER_LEFT
  CHECK(watcher->frames.empty());
  CHECK(look(r, {&host, &p}) == before); // p1 still seated

  heal();
  auto n = events();
  send(r, p, leave());
  CHECK(p->types() == strings{"USER_LEFT"});
  REQUIRE(p->seats.size() == 1);
  CHECK(p->seats[0].state == seat_state::released);
  for (auto* u : {&host, &watcher}) {
    CHECK((*u)->types() == strings{"USER_LEFT"});
    CHECK((*u)->one("USER_LEFT")["data"]["connectedCount"] == 2);
  }
  CHECK(member_column(p, "status") == "LEFT");
  CHECK(events() == n + 1);
  CHECK(view(r, host)["participants"][0]["status"] == "LEFT");
}

// With an idempotency key: a failed commit must not have put the key on
// record, or the retry would be taken for a resend and dropped.
TEST_CASE_METHOD(failure_fixture,
                 "room failure: a TAB_BLUR that cannot be stored is not "
                 "counted; the retry with its key counts once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  auto watcher = connect("p2");
  admit(r, host, p);
  admit(r, host, watcher);
  clear({&p});
  auto blur = signal(cmd::signal::tab_blur);
  blur.idempotency_key = "blur-1";
  auto before = look(r, {&host});

  fail("violations", "INSERT");
  send(r, p, blur);
  check_store_unavailable(p, "TAB_BLUR");
  CHECK(host->frames.empty()); // no VIOLATION_DETECTED
  CHECK(watcher->frames.empty());
  CHECK(look(r, {&host}) == before);
  CHECK(before["h1"]["participants"][0]["violationCount"] == 0);

  heal();
  clear({&p});
  auto n = events();
  send(r, p, blur);
  send(r, p, blur); // a resend: on record now, counted once
  CHECK(p->frames.empty());
  CHECK(host->types() == strings{"VIOLATION_DETECTED"});
  CHECK(host->one("VIOLATION_DETECTED")["data"]["violationCount"] == 1);
  CHECK(watcher->frames.empty());
  CHECK(db->count("SELECT 1 FROM violations WHERE userId = 'p1'") == 1);
  CHECK(member_column(p, "violationCount") == "1");
  CHECK(events() == n + 1);
  CHECK(view(r, host)["participants"][0]["violationCount"] == 1);
}

// With an idempotency key, as above.
TEST_CASE_METHOD(failure_fixture,
                 "room failure: a SUBMIT_CODE that cannot be stored is not "
                 "received; the retry with its key is received once",
                 "[room][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  auto watcher = connect("p2");
  admit(r, host, p);
  admit(r, host, watcher);
  clear({&p});
  auto code = submit("print(1)");
  code.idempotency_key = "sub-1";
  auto before = look(r, {&host, &p});

  fail("submissions", "INSERT");
  send(r, p, code);
  check_store_unavailable(p, "SUBMIT_CODE");
  CHECK(host->frames.empty()); // no USER_SUBMITTED
  CHECK(watcher->frames.empty());
  CHECK(look(r, {&host, &p}) == before);
  CHECK(before["p1"]["participants"][0]["hasSubmitted"] == false);

  heal();
  clear({&p});
  auto n = events();
  send(r, p, code);
  CHECK(p->types() == strings{"SUBMISSION_RECEIVED"});
  send(r, p, code); // a resend: answered again, stored once
  CHECK(p->types() == strings{"SUBMISSION_RECEIVED", "SUBMISSION_RECEIVED"});
  CHECK(host->types() == strings{"USER_SUBMITTED"});
  CHECK(host->one("USER_SUBMITTED")["data"]["code"] == "print(1)");
  CHECK(watcher->frames.empty());
  CHECK(db->count("SELECT 1 FROM submissions WHERE userId = 'p1'") == 1);
  CHECK(member_column(p, "hasSubmitted") == "1");
  CHECK(events() == n + 2);
  CHECK(view(r, host)["participants"][0]["hasSubmitted"] == true);
}
