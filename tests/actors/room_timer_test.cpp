// The room actor and time: the countdown, the CODE_CHANGE coalescing window,
// the linger of an ended room, all on CAF's simulated clock (nothing here
// sleeps); and the order "commit, then acknowledge", stepped one message at
// a time.

#include "fixture.hpp"

#include <caf/system_messages.hpp>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

TEST_CASE_METHOD(actor_fixture,
                 "room: the countdown ends the room with TIME_UP",
                 "[room][timer]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(10, false, 1)); // one minute
  auto p = connect("p1");
  admit(r, host, p);
  auto pending = connect("p2");
  send(r, pending, join());
  send(r, host, start());
  CHECK(host->count("ROOM_STARTED") == 1);
  host->clear();
  p->clear();
  pending->clear();

  std::string status_at_event;
  host->on_frame = [&](const json& f) {
    if (f["type"] == "ROOM_ENDED")
      status_at_event = room_column("status");
  };

  advance(59s);
  CHECK(host->frames.empty());
  CHECK(p->frames.empty());
  CHECK(room_column("status") == "LIVE");

  advance(1s);
  for (auto* u : {&host, &p, &pending}) {
    CHECK((*u)->types() == strings{"ROOM_ENDED"});
    auto e = (*u)->one("ROOM_ENDED");
    CHECK(e["reason"] == "TIME_UP");
    CHECK(e["roomId"] == "ABC123");
    REQUIRE((*u)->seats.size() == 1);
    CHECK((*u)->seats[0].state == seat_state::ended);
  }
  CHECK(status_at_event == "ENDED");
  CHECK(room_column("status") == "ENDED");
  CHECK(room_column("endedAt") != "NULL");
  host->clear();

  send(r, host, status());
  CHECK(host->errors() == strings{"ROOM_ENDED"});
  // The deadline fires once.
  host->clear();
  advance(10min);
  CHECK(host->count("ROOM_ENDED") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a room ended by the host does not end again at its "
                 "deadline",
                 "[room][timer]") {
  auto host = connect("h1");
  auto r = open_room(host, room_spec(10, false, 1));
  send(r, host, start());
  advance(30s);
  send(r, host, end());
  CHECK(host->one("ROOM_ENDED")["reason"] == "HOST");
  host->clear();
  advance(2min);
  CHECK(host->count("ROOM_ENDED") == 0);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: an ended room answers for its linger time, then exits",
                 "[room][timer]") {
  room_cfg.linger = 30s;
  auto host = connect("h1");
  auto r = open_room(host);

  auto down = std::make_shared<bool>(false);
  spawn_fn([r, down](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(r);
    self->set_down_handler([down](caf::down_msg&) { *down = true; });
    return {[](int) {}}; // stays alive to watch
  });
  drain();

  send(r, host, end());
  host->clear();
  advance(29s);
  CHECK_FALSE(*down);
  send(r, host, status());
  CHECK(host->errors() == strings{"ROOM_ENDED"});
  host->clear();

  advance(1s);
  CHECK(*down);
  send(r, host, status());
  CHECK(host->frames.empty());
}

TEST_CASE_METHOD(actor_fixture,
                 "room: CODE_CHANGE reaches the host at most once per "
                 "interval, always the latest code",
                 "[room][timer][code]") {
  room_cfg.code_change_interval = 200ms;
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1", "Paul");
  admit(r, host, p);

  // Five changes within one instant of simulated time.
  for (int i = 1; i <= 5; ++i)
    send(r, p, code("v" + std::to_string(i)));
  auto now = host->of("CODE_UPDATE");
  REQUIRE(now.size() == 1);
  CHECK(now[0]["data"]["userId"] == "p1");
  CHECK(now[0]["data"]["username"] == "Paul");
  CHECK(now[0]["data"]["code"] == "v1");
  CHECK(now[0]["data"]["language"] == "python");

  advance(199ms);
  CHECK(host->count("CODE_UPDATE") == 1);
  advance(1ms);
  auto later = host->of("CODE_UPDATE");
  REQUIRE(later.size() == 2);
  CHECK(later[1]["data"]["code"] == "v5");

  // Nothing new: no more updates.
  advance(200ms);
  advance(10s);
  CHECK(host->count("CODE_UPDATE") == 2);
  // The participant never sees its own live code.
  CHECK(p->frames.empty());

  // After a quiet interval a change goes out at once again.
  send(r, p, code("v6"));
  auto last = host->of("CODE_UPDATE");
  REQUIRE(last.size() == 3);
  CHECK(last[2]["data"]["code"] == "v6");
}

TEST_CASE_METHOD(actor_fixture,
                 "room: CODE_CHANGE windows are per participant",
                 "[room][timer][code]") {
  room_cfg.code_change_interval = 200ms;
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  auto q = connect("p2");
  admit(r, host, p);
  admit(r, host, q);
  host->clear();

  send(r, p, code("p-1"));
  send(r, q, code("q-1"));
  send(r, p, code("p-2"));
  strings codes;
  for (auto& u : host->of("CODE_UPDATE"))
    codes.push_back(u["data"]["code"]);
  CHECK(codes == strings{"p-1", "q-1"});

  advance(200ms);
  codes.clear();
  for (auto& u : host->of("CODE_UPDATE"))
    codes.push_back(u["data"]["code"]);
  CHECK(codes == strings{"p-1", "q-1", "p-2"});
}

TEST_CASE_METHOD(actor_fixture,
                 "room: SUBMISSION_RECEIVED comes only after the submission "
                 "is committed",
                 "[room][store]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1", "Paul");
  admit(r, host, p);

  auto rows = [&] {
    return db->count("SELECT 1 FROM submissions WHERE roomId = 'ABC123' AND "
                     "userId = 'p1' AND code = 'print(42)' AND language = "
                     "'python'");
  };
  long long rows_at_ack = -1;
  p->on_frame = [&](const json& f) {
    if (f["type"] == "SUBMISSION_RECEIVED")
      rows_at_ack = rows();
  };

  caf::anon_send(r, p.who, submit("print(42)"));
  // The room takes SUBMIT_CODE and hands the write set to the store.
  REQUIRE(sched.has_job());
  sched.run_once();
  CHECK(rows() == 0);
  CHECK(p->frames.empty());

  // Then one message at a time: the row is committed before the ack exists,
  // and an ack never exists without the row.
  bool committed_before_ack = false;
  while (sched.try_run_once()) {
    auto stored = rows();
    auto acked = p->count("SUBMISSION_RECEIVED");
    if (acked > 0)
      CHECK(stored == 1);
    else if (stored == 1)
      committed_before_ack = true;
  }
  CHECK(committed_before_ack);
  CHECK(rows_at_ack == 1);

  auto ack = p->one("SUBMISSION_RECEIVED");
  CHECK(ack["roomId"] == "ABC123");
  CHECK(ack["submissionTime"].get<long long>()
        == std::stoll(db->text("SELECT submittedAt FROM submissions")));
  auto seen = host->one("USER_SUBMITTED")["data"];
  CHECK(seen["userId"] == "p1");
  CHECK(seen["username"] == "Paul");
  CHECK(seen["code"] == "print(42)");
  CHECK(seen["language"] == "python");
  CHECK(member_column(p, "hasSubmitted") == "1");

  // Every submission is stored; the latest counts.
  send(r, p, submit("print(43)"));
  CHECK(p->count("SUBMISSION_RECEIVED") == 2);
  CHECK(db->column("SELECT code FROM submissions ORDER BY id")
        == strings{"print(42)", "print(43)"});
  CHECK(status_of(r, host)["participants"][0]["hasSubmitted"] == true);
}
