// The store actor: group commit (write sets that wait together commit in one
// transaction), every requester answered after COMMIT, a bad write set
// failing alone, the room list for the directory, the public study rooms,
// and the sessions, exams and room logs of the live domains.

#include "fixture.hpp"

#include "actors/store_reader.hpp"
#include "protocol/event_log.hpp"

using namespace proctord;
using namespace proctord::test;

namespace {

/// What one requester heard from the store.
struct outcome {
  bool answered = false;
  bool committed = false;
  protocol::error_code code = protocol::error_code::internal;
  /// Rows of the requester's own data visible to a second connection at
  /// the moment the answer arrived.
  long long own_rows_at_answer = -1;
  /// All member rows visible at that moment.
  long long all_rows_at_answer = -1;
};

persistence::write_set room_write(const std::string& id) {
  persistence::room_record r;
  r.room_id = id;
  r.host_id = "h1";
  r.host_name = "Hannah";
  r.roomname = "Room " + id;
  r.max_guests = 10;
  r.duration = 60;
  r.status = "WAITING";
  r.created_at = 1'700'000'000'000; // any fixed time
  persistence::write_set ws;
  ws.rooms.push_back(r);
  return ws;
}

persistence::write_set member_write(const std::string& room,
                                    const std::string& user) {
  persistence::member_record m;
  m.room_id = room;
  m.user_id = user;
  m.username = "name-" + user;
  m.status = "APPROVED";
  persistence::write_set ws;
  ws.members.push_back(m);
  return ws;
}

struct store_fixture : actor_fixture {
  store_state& state() {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(store_.writer);
    return dynamic_cast<store_actor::stateful_base<store_state>&>(*ptr).state;
  }

  /// Spawns an actor that sends `ws` to the store and records the answer;
  /// `user` names the room_users row the write set adds (if any).
  std::shared_ptr<outcome> request(persistence::write_set ws,
                                   std::string user = {}) {
    auto out = std::make_shared<outcome>();
    auto probe = [this, user, out] {
      out->answered = true;
      out->own_rows_at_answer = db->count(
        "SELECT 1 FROM room_users WHERE userId = '" + user + "'");
      out->all_rows_at_answer = db->count("SELECT 1 FROM room_users");
    };
    spawn_fn([=, s = store_.writer](caf::event_based_actor* self) -> caf::behavior {
      self->request(s, caf::infinite, ws)
        .then(
          [=](committed_atom) {
            probe();
            out->committed = true;
          },
          [=](caf::error& err) {
            probe();
            out->code = to_error_code(err);
          });
      return {};
    });
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(store_fixture,
                 "store: write sets that arrive together commit in one "
                 "transaction, and each requester hears after the commit",
                 "[store]") {
  request(room_write("R00001"));
  drain();
  REQUIRE(db->count("SELECT 1 FROM rooms") == 1);
  const auto transactions_before = state().transactions;

  // 50 requesters send before the store runs, so all 50 write sets are in
  // its mailbox ahead of its flush.
  constexpr int n = 50;
  std::vector<std::shared_ptr<outcome>> outcomes;
  for (int i = 0; i < n; ++i) {
    auto user = "u" + std::to_string(i);
    outcomes.push_back(request(member_write("R00001", user), user));
  }

  // Step until the store has taken all 50: nothing is committed yet, and
  // nobody has been answered.
  while (state().pending.size() < n && sched.try_run_once()) {
    CHECK(db->count("SELECT 1 FROM room_users") == 0);
  }
  REQUIRE(state().pending.size() == n);
  for (auto& o : outcomes)
    CHECK_FALSE(o->answered);

  drain();
  CHECK(state().transactions == transactions_before + 1);
  CHECK(state().pending.empty());
  CHECK(db->count("SELECT 1 FROM room_users") == n);
  for (auto& o : outcomes) {
    CHECK(o->answered);
    CHECK(o->committed);
    // Every requester was answered after the one commit of all 50.
    CHECK(o->own_rows_at_answer == 1);
    CHECK(o->all_rows_at_answer == n);
  }
}

TEST_CASE_METHOD(store_fixture,
                 "store: a failing write set is refused while the others in "
                 "its batch commit",
                 "[store]") {
  request(room_write("R00001"));
  drain();
  const auto transactions_before = state().transactions;

  std::vector<std::shared_ptr<outcome>> good;
  for (int i = 0; i < 10; ++i) {
    auto user = "u" + std::to_string(i);
    good.push_back(request(member_write("R00001", user), user));
  }
  // A violation for a room that does not exist breaks a foreign key.
  persistence::write_set bad;
  bad.violations.push_back(
    persistence::violation_record{"NOROOM", "u99", "TAB_SWITCH", 1, 1, ""});
  // Atomic: this write set's member row must not be written either.
  bad.members.push_back(member_write("R00001", "u99").members.front());
  auto refused = request(bad, "u99");
  for (int i = 10; i < 20; ++i) {
    auto user = "u" + std::to_string(i);
    good.push_back(request(member_write("R00001", user), user));
  }
  drain();

  CHECK(state().transactions == transactions_before + 1);
  CHECK(refused->answered);
  CHECK_FALSE(refused->committed);
  CHECK(refused->code == protocol::error_code::store_unavailable);
  CHECK(db->count("SELECT 1 FROM violations") == 0);
  CHECK(db->count("SELECT 1 FROM room_users WHERE userId = 'u99'") == 0);
  for (auto& o : good) {
    CHECK(o->committed);
    CHECK(o->own_rows_at_answer == 1);
  }
  CHECK(db->count("SELECT 1 FROM room_users") == 20);
}

TEST_CASE_METHOD(store_fixture,
                 "store: write sets that arrive after a flush go into the "
                 "next transaction",
                 "[store]") {
  request(room_write("R00001"));
  drain();
  const auto before = state().transactions;
  auto a = request(member_write("R00001", "a"), "a");
  drain();
  auto b = request(member_write("R00001", "b"), "b");
  drain();
  CHECK(state().transactions == before + 2);
  CHECK(a->committed);
  CHECK(b->committed);
  // Each was answered after its own commit, before the other existed.
  CHECK(a->all_rows_at_answer == 1);
  CHECK(b->all_rows_at_answer == 2);
}

TEST_CASE_METHOD(store_fixture, "store: lists every room it holds",
                 "[store]") {
  request(room_write("R00001"));
  request(room_write("R00002"));
  drain();
  auto rooms = std::make_shared<std::vector<persistence::room_record>>();
  spawn_fn([=, s = store_.writer](caf::event_based_actor* self) -> caf::behavior {
    self->request(s, caf::infinite, rooms_atom::value)
      .then([=](std::vector<persistence::room_record>& rs) { *rooms = rs; });
    return {};
  });
  drain();
  REQUIRE(rooms->size() == 2);
  std::vector<std::string> ids;
  for (auto& r : *rooms)
    ids.push_back(r.room_id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"R00001", "R00002"});
  CHECK(rooms->front().status == "WAITING");
}

TEST_CASE_METHOD(store_fixture,
                 "store: on exit it commits what it has queued",
                 "[store]") {
  request(room_write("R00001"));
  drain();
  auto a = request(member_write("R00001", "a"), "a");
  // Only the requester runs: its write set waits in the store's mailbox.
  REQUIRE(sched.jobs.size() == 1);
  sched.run_once();
  REQUIRE(state().pending.empty());
  // The exit message queues behind the write set but before the flush that
  // the write set schedules, so the exit handler has to commit it.
  caf::anon_send_exit(store_.writer, caf::exit_reason::user_shutdown);
  drain();
  CHECK(db->count("SELECT 1 FROM room_users WHERE userId = 'a'") == 1);
  CHECK(a->committed);
  CHECK(a->own_rows_at_answer == 1);
}

TEST_CASE_METHOD(store_fixture,
                 "store: answers study_atom with the public users rooms and "
                 "members it has committed",
                 "[store]") {
  persistence::write_set ws;
  ws.public_users = {{"pu2", "Sam", "ab12", 1'700'000'000'002},
                     {"pu1", "Kim", "cd34", 1'700'000'000'001}};
  ws.public_rooms = {{"pr1", "Library", 8, 1'700'000'000'003}};
  ws.public_members = {{"pr1", "pu1", 1'700'000'000'004, false},
                       {"pr1", "pu2", 1'700'000'000'005, false}};
  auto written = request(ws);
  drain();
  persistence::write_set leave;
  leave.public_members = {{"pr1", "pu2", 0, true}};
  auto left = request(leave);
  drain();
  REQUIRE(written->committed);
  REQUIRE(left->committed);

  auto snap = std::make_shared<persistence::study_snapshot>();
  auto failed = std::make_shared<bool>(false);
  spawn_fn([=, s = store_.writer](caf::event_based_actor* self) -> caf::behavior {
    self->request(s, caf::infinite, study_atom::value)
      .then([=](persistence::study_snapshot& got) { *snap = std::move(got); },
            [=](caf::error&) { *failed = true; });
    return {};
  });
  drain();
  CHECK_FALSE(*failed);
  REQUIRE(snap->users.size() == 2);
  CHECK(snap->users[0].user_id == "pu1"); // by createdAt
  CHECK(snap->users[0].user_name == "Kim");
  CHECK(snap->users[0].address_hash == "cd34");
  CHECK(snap->users[1].user_id == "pu2");
  REQUIRE(snap->rooms.size() == 1);
  CHECK(snap->rooms[0].name == "Library");
  CHECK(snap->rooms[0].capacity == 8);
  REQUIRE(snap->members.size() == 1); // pu2 left
  CHECK(snap->members[0].user_id == "pu1");
  CHECK(snap->members[0].joined_at == 1'700'000'000'004);
  CHECK_FALSE(snap->members[0].removed);
}

TEST_CASE_METHOD(store_fixture,
                 "store: answers live_atom and live_replay_query with the "
                 "sessions exams and room log it has committed",
                 "[store]") {
  constexpr std::int64_t t0 = 1'700'000'000'000; // any fixed time
  persistence::write_set ws;
  ws.collab_sessions = {{"s1", "i1", t0, 0, ""}, {"s2", "i2", t0, 0, ""}};
  ws.collab_participants = {{"s1", "i1", "Ines", "instructor", true, t0, false},
                            {"s2", "l1", "Lee", "learner", true, t0, false}};
  ws.exams = {{"e1", "Algebra", 3600, 10, "t1", t0}};
  persistence::exam_student_record st;
  st.exam_id = "e1";
  st.student_id = "st1";
  st.name = "Sam";
  st.session_id = "sess-1";
  st.answered_count = 1;
  st.last_question_id = "q1";
  st.started_at = t0;
  st.ends_at = t0 + 3'600'000;
  ws.exam_students = {st};
  ws.exam_answers = {{"e1", "st1", "q1", R"("42")", 9.5, t0 + 1}};
  for (std::int64_t seq = 1; seq <= 3; ++seq)
    ws.live_events.push_back({"exam", "e1", seq,
                              persistence::live_audience::all, "",
                              "student-joined", "[{}]", t0 + seq});
  ws.live_pids = {{"p1", "exam", "e1", "st1", "sid1", false, 0, false}};
  auto written = request(ws);
  drain();
  // A second batch: the answer resubmitted, s2 closed.
  persistence::write_set later;
  later.exam_answers = {{"e1", "st1", "q1", R"("43")", 2.0, t0 + 5}};
  later.collab_sessions = {{"s2", "i2", t0, t0 + 9, "inactive"}};
  auto rewritten = request(later);
  drain();
  REQUIRE(written->committed);
  REQUIRE(rewritten->committed);

  auto snap = std::make_shared<persistence::live_snapshot>();
  auto events = std::make_shared<std::vector<persistence::live_event_record>>();
  auto failed = std::make_shared<int>(0);
  spawn_fn([=, s = store_.writer](caf::event_based_actor* self) -> caf::behavior {
    self->request(s, caf::infinite, live_atom::value)
      .then([=](persistence::live_snapshot& got) { *snap = std::move(got); },
            [=](caf::error&) { ++*failed; });
    self->request(s, caf::infinite,
                  persistence::live_replay_query{"exam", "e1", 1, 10})
      .then([=](std::vector<persistence::live_event_record>& got) {
              *events = std::move(got);
            },
            [=](caf::error&) { ++*failed; });
    return {};
  });
  drain();
  CHECK(*failed == 0);
  REQUIRE(snap->sessions.size() == 1); // s2 is closed
  CHECK(snap->sessions[0].session_id == "s1");
  REQUIRE(snap->participants.size() == 1);
  CHECK(snap->participants[0].name == "Ines");
  REQUIRE(snap->exams.size() == 1);
  CHECK(snap->exams[0].duration_s == 3600);
  REQUIRE(snap->students.size() == 1);
  CHECK(snap->students[0].last_question_id == "q1");
  REQUIRE(snap->answers.size() == 1);
  CHECK(snap->answers[0].answer == R"("43")"); // the resubmission
  REQUIRE(snap->pids.size() == 1);
  CHECK(snap->pids[0].sid == "sid1");
  REQUIRE(snap->seqs.size() == 1);
  CHECK(snap->seqs[0].seq == 3);
  REQUIRE(events->size() == 2); // after seq 1
  CHECK((*events)[0].seq == 2);
  CHECK((*events)[1].seq == 3);
  CHECK((*events)[1].name == "student-joined");
}

// -- failures injected with a trigger (tests/sqlite_support.hpp) -------------

TEST_CASE_METHOD(store_fixture,
                 "store: with a trigger failing inserts into room_users, only "
                 "the write sets that add members fail",
                 "[store]") {
  request(room_write("R00001"));
  drain();
  std::shared_ptr<outcome> member, room;
  {
    failing_trigger fail_members(file.path(), "room_users", "INSERT");
    member = request(member_write("R00001", "a"), "a");
    room = request(room_write("R00002"));
    drain();
  }
  CHECK(member->answered);
  CHECK_FALSE(member->committed);
  CHECK(member->code == protocol::error_code::store_unavailable);
  CHECK(room->committed); // same batch, another table
  CHECK(db->count("SELECT 1 FROM rooms") == 2);
  CHECK(db->count("SELECT 1 FROM room_users") == 0);

  // Without the trigger the same write commits.
  auto again = request(member_write("R00001", "a"), "a");
  drain();
  CHECK(again->committed);
  CHECK(db->count("SELECT 1 FROM room_users") == 1);
}

// -- the event log ------------------------------------------------------------

TEST_CASE_METHOD(store_fixture,
                 "store_reader: answers a replay query from its own "
                 "connection with what the store committed",
                 "[store]") {
  request(room_write("R00001"));
  drain();
  persistence::write_set ws;
  for (std::int64_t seq = 1; seq <= 3; ++seq) {
    persistence::event_record e;
    e.room_id = "R00001";
    e.seq = seq;
    e.audience = seq == 2 ? "HOST" : "MEMBERS";
    e.payload = protocol::event_log::encode(
      protocol::evt::user_joined{"p" + std::to_string(seq), "P", 1, false});
    ws.events.push_back(e);
  }
  request(ws);
  drain();

  auto reader = sys.spawn(store_reader,
                          std::shared_ptr<persistence::event_reader>(
                            persistence::open_sqlite_reader(file.path())));
  remember(reader);
  auto page = std::make_shared<persistence::replay_page>();
  persistence::replay_query q;
  q.room_id = "R00001";
  q.user_id = "p1";
  q.was_member = true;
  spawn_fn([=](caf::event_based_actor* self) -> caf::behavior {
    self->request(reader, caf::infinite, events_atom::value, q)
      .then([=](persistence::replay_page& p) { *page = p; });
    return {};
  });
  drain();
  CHECK(page->complete);
  CHECK(page->last_seq_in_log == 3);
  REQUIRE(page->events.size() == 2); // not the HOST row
  CHECK(page->events[0].seq == 1);
  CHECK(page->events[1].seq == 3);
  auto e = protocol::event_log::decode(page->events[1].payload);
  REQUIRE(e);
  CHECK(std::get<protocol::evt::user_joined>(*e).user_id == "p3");
}
