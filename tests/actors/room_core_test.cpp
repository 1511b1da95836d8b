// What the shared room machinery gives the interview room: monitored
// connections, one replay per seat, bounded replays, one path for every
// frame, and a submission's code stored once.

#include "fixture.hpp"

#include "actors/interview/room.hpp"

#include <caf/exit_reason.hpp>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;


TEST_CASE_METHOD(actor_fixture,
                 "room: a member whose connection actor dies is away, not "
                 "connected forever",
                 "[room][core]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  send(r, host, start());
  host->clear();
  // No closed message, no LEAVE_ROOM: the actor just dies.
  caf::anon_send_exit(p.who.conn, caf::exit_reason::kill);
  drain();
  // Within the presence grace it still counts as connected ...
  CHECK(host->frames.empty());
  CHECK(status_of(r, host)["connectedCount"] == 2);
  // ... then it has left.
  grace_passes();
  auto left = host->one("USER_LEFT")["data"];
  CHECK(left["userId"] == "p1");
  CHECK(left["reason"] == "DISCONNECTED");
  CHECK(host->one("VIOLATION_DETECTED")["data"]["violationType"]
        == "DISCONNECT");
  auto s = status_of(r, host);
  CHECK(s["connectedCount"] == 1);
  CHECK(s["participants"][0]["connected"] == false);
  CHECK(db->count("select 1 from violations where type = 'DISCONNECT'") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a server shutting down is no departure for the "
                 "members it disconnects",
                 "[room][core]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  send(r, host, start());
  host->clear();
  caf::anon_send_exit(p.who.conn, caf::exit_reason::user_shutdown);
  drain();
  grace_passes();
  CHECK(host->count("USER_LEFT") == 0);
  CHECK(db->count("select 1 from violations") == 0);
  CHECK(status_of(r, host)["participants"][0]["connected"] == false);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a second RESUME while one replays gets "
                 "RESUME_IN_PROGRESS; the first completes",
                 "[room][core]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  auto token = resume_token_of(p);
  close(r, p);
  auto back = connect("p1");
  auto again = connect("p1");
  // Both before the reader answers the first.
  caf::anon_send(r, back.who, cmd::resume{token, 0});
  caf::anon_send(r, again.who, cmd::resume{token, 0});
  drain();
  CHECK(back->count("RESUMED") == 1);
  CHECK(again->count("RESUMED") == 0);
  CHECK(again->errors() == std::vector<std::string>{"RESUME_IN_PROGRESS"});
  CHECK(again->refusals == 1);
  REQUIRE(back->seats.size() == 1);
  CHECK(back->seats[0].state == seat_state::seated);
  // The first one holds the seat.
  CHECK(status_of(r, back)["yourStatus"] == "APPROVED");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a replay over the byte bound gets RESYNC_REQUIRED "
                 "with a snapshot instead",
                 "[room][core]") {
  room_cfg.max_replay_bytes = 2000; // a few events' worth
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  for (int i = 0; i < 20; ++i)
    send(r, p, cmd::proctor_signal{room_id, cmd::signal::tab_blur, {}});
  close(r, host);
  auto back = connect("h1");
  auto host_token = resume_token_of(host);
  send(r, back, cmd::resume{host_token, 0});
  CHECK(back->count("RESUMED") == 0);
  auto resync = back->one("RESYNC_REQUIRED");
  CHECK(resync["reason"] == "EVENTS_UNAVAILABLE");
  CHECK(resync["data"]["participants"][0]["violationCount"] == 20);
  REQUIRE(back->seats.size() == 1);
  CHECK(back->seats[0].state == seat_state::seated);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a submission's code is stored once, and a replay "
                 "shows it to the host",
                 "[room][core]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  send(r, host, start());
  auto host_token = resume_token_of(host);
  close(r, host);
  send(r, p, submit("def solve(): return 'only-once'"));
  CHECK(p->count("SUBMISSION_RECEIVED") == 1);
  CHECK(db->count("select 1 from submissions where code like '%only-once%'")
        == 1);
  CHECK(db->count("select 1 from events where payload like '%only-once%'")
        == 0);
  auto back = connect("h1");
  send(r, back, cmd::resume{host_token, 0});
  auto shown = back->one("USER_SUBMITTED")["data"];
  CHECK(shown["code"] == "def solve(): return 'only-once'");
  CHECK(shown["language"] == "python");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: every frame to a client takes one path, in the order "
                 "the room produced it",
                 "[room][core]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  send(r, p, join());
  host->clear();
  // An error, a durable event, a status, a live event: all through the
  // relay to the host's socket, none through its connection actor.
  send(r, host, cmd::approve_join{room_id, "nobody", true});
  send(r, host, approve(p));
  send(r, host, status());
  send(r, p, code("x = 1"));
  send(r, host, announce("hello"));
  CHECK(host->types()
        == std::vector<std::string>{"ERROR", "USER_JOINED", "ROOM_STATUS",
                                    "CODE_UPDATE", "ANNOUNCEMENT"});
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a RESUME after LEAVE_ROOM that cannot be stored leaves "
                 "the member out; the retry seats it once",
                 "[room][core][failure]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  auto token = resume_token_of(p);
  send(r, p, leave());
  host->clear();
  auto back = connect("p1");
  {
    failing_trigger broken{file.path(), "room_users", "INSERT"};
    send(r, back, cmd::resume{token, 0});
    CHECK(back->errors() == std::vector<std::string>{"STORE_UNAVAILABLE"});
    CHECK(back->count("RESUMED") == 0);
    CHECK(back->seats.empty());
    CHECK(back->refusals == 1);
    CHECK(host->count("USER_JOINED") == 0);
    auto s = status_of(r, host);
    CHECK(s["participants"][0]["status"] == "LEFT");
    CHECK(s["participants"][0]["connected"] == false);
    CHECK(member_column(p, "status") == "LEFT");
  }
  back->clear();
  send(r, back, cmd::resume{token, 0});
  CHECK(back->one("RESUMED")["status"] == "APPROVED");
  CHECK(host->count("USER_JOINED") == 1);
  CHECK(member_column(p, "status") == "APPROVED");
  REQUIRE(back->seats.size() == 1);
  CHECK(back->seats[0].state == seat_state::seated);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: joins committed together count up in USER_JOINED",
                 "[room][core]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(10, true));
  std::vector<user> joiners;
  for (int i = 0; i < 5; ++i)
    joiners.push_back(connect("p" + std::to_string(i)));
  // All in the room's mailbox before the first commit returns.
  for (auto& u : joiners)
    caf::anon_send(r, u.who, join());
  drain();
  std::vector<int> counts;
  for (auto& e : host->of("USER_JOINED"))
    counts.push_back(e["data"]["connectedCount"]);
  CHECK(counts == std::vector<int>{2, 3, 4, 5, 6});
  CHECK(status_of(r, host)["connectedCount"] == 6);
}
