// Connection state recovery in the exams: a socket that drops shows as a
// departure at once; one that comes back with its pid and offset gets its
// old sid and pid and every event it missed, once and in order, and shows
// back; after a restart (the server's actors gone, the same SQLite file)
// the missed events are read from the store.

#include "exam_fixture.hpp"

#include <algorithm>

using namespace proctord;
using namespace proctord::test;

namespace {

/// The offsets of the events, as numbers (0 for none).
std::vector<long long> offsets(const std::vector<sio_event>& events) {
  std::vector<long long> out;
  for (auto& e : events)
    out.push_back(e.offset.empty() ? 0 : std::stoll(e.offset));
  return out;
}

/// The logged events (those with an offset), names and payloads.
std::vector<json> logged(const exam_client& c) {
  std::vector<json> out;
  for (auto& e : c.events())
    if (!e.offset.empty())
      out.push_back(json{{"name", e.name}, {"payload", e.payload}, {"offset", e.offset}});
  return out;
}

} // namespace

TEST_CASE_METHOD(exam_fixture,
                 "exam recovery: a student's drop shows at once and its recovery shows it back",
                 "[exam][recovery]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto s = student(exam_id, "s-1");
  emit(s, answer("q1", "1"), 1);
  auto first = s.connected();
  drop(s);
  auto gone = t.of("student-disconnected");
  REQUIRE(gone.size() == 1);
  CHECK(gone[0]["studentId"] == "s-1");
  CHECK(sitting(exam_id, "s-1", "status") == "disconnected");
  CHECK(stats->students_disconnected == 1);

  auto back = reconnect(s, "student");
  // The same sid and pid: the stock client sets recovered = true.
  CHECK(back.connected() == first);
  auto joined = t.of("student-joined"); // its join, then its return
  REQUIRE(joined.size() == 2);
  CHECK(joined[1]["student"]["status"] == "active");
  CHECK(joined[1]["student"]["connected"] == true);
  CHECK(joined[1]["student"]["answeredCount"] == 1);
  CHECK(sitting(exam_id, "s-1", "status") == "active");
  // Nothing was missed: only its clock, then it carries on.
  CHECK(back.names() == std::vector<std::string>{"time-update"});
  emit(back, answer("q2", "2"), 2);
  CHECK(back.ack(2)["answeredCount"] == 2);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam recovery: a teacher gets what it missed once and in order and sees what a teacher who stayed sees",
                 "[exam][recovery]") {
  auto exam_id = create_exam(600);
  auto stayed = teacher(exam_id, "t-1");
  auto t = teacher(exam_id, "t-2");
  auto a = student(exam_id, "s-1");
  drop(t);
  // While t-2 is away.
  auto b = student(exam_id, "s-2");
  emit(a, answer("q1", "1"));
  emit(b, answer("q1", "2"));
  drop(a);
  emit(stayed, px::cmd::force_end_exam{exam_id, "s-2"});
  auto back = reconnect(t, "teacher");
  CHECK(back.connected() == t.connected());
  auto missed = back.events();
  std::vector<std::string> names;
  for (auto& e : missed)
    if (!e.offset.empty())
      names.push_back(e.name);
  CHECK(names
        == std::vector<std::string>{"student-joined", "progress-update",
                                    "progress-update", "student-disconnected",
                                    "exam-ended"});
  // In order, each once, continuing from where it dropped.
  auto off = offsets(missed);
  off.erase(std::remove(off.begin(), off.end(), 0), off.end());
  CHECK(std::is_sorted(off.begin(), off.end()));
  CHECK(std::adjacent_find(off.begin(), off.end()) == off.end());
  CHECK(off.front() > std::stoll(t.last_offset()));
  // The same events the teacher who stayed got, with the same offsets.
  auto all_stayed = logged(stayed);
  std::vector<json> tail(all_stayed.end() - static_cast<long>(names.size()),
                         all_stayed.end());
  CHECK(logged(back) == tail);
  // And so the same view of the exam: what t-2 had, then what it got back.
  auto seen = t.events();
  for (auto& e : back.events())
    seen.push_back(e);
  auto view = teacher_view(seen);
  auto reference = teacher_view(stayed);
  CHECK(view == reference);
  // Live again: the next change reaches it once.
  back.clear();
  auto c = student(exam_id, "s-3");
  CHECK(back.of("student-joined").size() == 1);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam recovery: an unknown pid or a bad offset connects afresh",
                 "[exam][recovery]") {
  auto exam_id = create_exam(600);
  auto s = student(exam_id, "s-1");
  auto first = s.connected();
  drop(s);
  // Another user cannot take the pid.
  auto thief = connect_raw("s-2", json{{"token", token("s-2", "student")},
                                       {"pid", first["pid"]},
                                       {"offset", s.last_offset()}}
                                    .dump());
  CHECK(thief.connected()["pid"] != first["pid"]);
  CHECK(thief.connected()["sid"] != first["sid"]);
  // An offset past the log's end was never sent.
  auto odd = connect_raw("s-1", json{{"token", token("s-1", "student")},
                                     {"pid", first["pid"]},
                                     {"offset", "999999"}}
                                  .dump());
  CHECK(odd.connected()["pid"] != first["pid"]);
  CHECK(odd.events().empty());
  // ... and that pid is spent.
  auto late = reconnect(s, "student");
  CHECK(late.connected()["pid"] != first["pid"]);
  // A fresh socket rejoins: its time kept running, its answers are kept.
  emit(late, px::cmd::join_exam_session{exam_id, "", "null", "null"});
  CHECK(late.of("exam-session-joined").at(0)["sessionId"]
        == s.of("exam-session-joined").at(0)["sessionId"]);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam recovery: after the window the pid is gone",
                 "[exam][recovery]") {
  cfg.recovery.window = std::chrono::seconds{30};
  stop_server();
  start(persistence::live_snapshot{});
  auto exam_id = create_exam(600);
  auto s = student(exam_id, "s-1");
  drop(s);
  advance(std::chrono::seconds{31});
  auto late = reconnect(s, "student");
  CHECK(late.connected()["pid"] != s.connected()["pid"]);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam recovery: a second socket of the same student replaces the first",
                 "[exam][recovery]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto first = student(exam_id, "s-1");
  auto second = student(exam_id, "s-1");
  CHECK(first.errors() == std::vector<std::string>{"SESSION_REPLACED"});
  CHECK(first->disconnected());
  CHECK(second.errors().empty());
  emit(second, answer("q1", "1"), 1);
  CHECK(second.ack(1)["ok"] == true);
  emit(first, answer("q2", "1"), 2);
  CHECK(first.ack(2).is_null()); // its namespace socket is gone
  // The replaced pid cannot be recovered.
  drop(first);
  auto ghost = reconnect(first, "student");
  CHECK(ghost.connected()["pid"] != first.connected()["pid"]);
  CHECK(t.of("student-disconnected").empty());
  // The same for a teacher's second tab.
  auto t2 = teacher(exam_id, "t-1");
  CHECK(t.errors() == std::vector<std::string>{"SESSION_REPLACED"});
  CHECK(stats->monitoring_teachers == 1);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam recovery: after a restart the missed events come from the store",
                 "[exam][recovery]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto a = student(exam_id, "s-1");
  auto b = student(exam_id, "s-2");
  drop(t);
  emit(a, answer("q1", "1"), 1);
  emit(b, answer("q1", "2"), 2);
  // kill -9: the actors vanish; the sockets' transports with them.
  sockets->remove(a.conn_id);
  sockets->remove(b.conn_id);
  stop_server();
  start(stored());
  // Nobody is connected after a restart; the monitors' log says so.
  auto back = reconnect(t, "teacher");
  CHECK(back.connected() == t.connected());
  std::vector<std::string> names;
  for (auto& e : back.events())
    if (!e.offset.empty())
      names.push_back(e.name);
  CHECK(names
        == std::vector<std::string>{"progress-update", "progress-update",
                                    "student-disconnected",
                                    "student-disconnected"});
  // Its deadline resumed: the exam still ends on time.
  auto s = reconnect(a, "student");
  CHECK(s.connected() == a.connected());
  CHECK(sitting(exam_id, "s-1", "status") == "active");
  CHECK(back.of("student-joined").size() == 1);
  advance(std::chrono::seconds{600});
  CHECK(s.of("exam-ended").size() == 1);
  CHECK(back.of("exam-ended").size() == 2);
  CHECK(sitting(exam_id, "s-2", "submissionType") == "timeout");
}

TEST_CASE_METHOD(exam_fixture,
                 "exam recovery: an event committed while the replay is read arrives once",
                 "[exam][recovery]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto a = student(exam_id, "s-1");
  drop(t);
  emit(a, answer("q1", "1"));
  sockets->remove(a.conn_id);
  stop_server();
  start(stored());
  // Memory holds nothing from before the restart: the teacher's replay is
  // read from the store.
  auto a2 = reconnect(a, "student");
  REQUIRE(a2.connected() == a.connected());
  // s-1 answers; its write set reaches the store (which schedules the
  // commit) before the teacher's CONNECT reaches the exam, whose read then
  // waits behind that commit: the exam hears "committed" while the read is
  // in flight. One message at a time.
  caf::anon_send(a2.conn, channel_id{0},
                 protocol::socketio::command{px::command{answer("q2", "2"), 5}});
  sched.run_once(); // the connection forwards it to the directory
  sched.run_once(); // the directory to the exam
  sched.run_once(); // the exam sends its write set to the store
  sched.run_once(); // the store takes it and schedules its flush
  json auth{{"token", token("t-1", "teacher")},
            {"pid", t.connected()["pid"]},
            {"offset", t.last_offset()}};
  auto in = std::make_shared<sio_inbox>();
  auto out = std::make_shared<hooked_outbound>(in, nullptr);
  keep.push_back(out);
  auto id = sockets->next_id();
  sockets->add(id, out, dialect::socketio);
  auto conn = sys.spawn(sio_connection, relay_, id,
                        std::shared_ptr<const sio_connection_config>{conn_cfg},
                        std::string{"10.0.0.1"}, std::string{});
  remember(conn);
  caf::anon_send(conn, channel_id{0}, sio_connect{"/", auth.dump()});
  REQUIRE(sched.prioritize(conn));
  sched.run_once(); // CONNECT to the directory
  REQUIRE(sched.prioritize(dir));
  sched.run_once(); // the pid is claimed: exam_restore
  sched.run_once_lifo(); // the exam asks the store, behind the flush
  drain();
  exam_client back{conn, in, id, "t-1"};
  CHECK(back.connected() == t.connected());
  CHECK(a2.ack(5)["ok"] == true);
  std::vector<std::string> names;
  for (auto& e : back.events())
    if (!e.offset.empty())
      names.push_back(e.name);
  // Missed: the answer before the restart, the disconnect of the restart,
  // the recovery of s-1, and the answer committed during the read: each
  // once, in order.
  CHECK(names
        == std::vector<std::string>{"progress-update", "student-disconnected",
                                    "student-joined", "progress-update"});
  auto off = offsets(back.events());
  off.erase(std::remove(off.begin(), off.end(), 0), off.end());
  CHECK(std::is_sorted(off.begin(), off.end()));
  CHECK(std::adjacent_find(off.begin(), off.end()) == off.end());
  // And live from then on.
  emit(a2, answer("q3", "3"));
  CHECK(back.of("progress-update").size() == 3);
}
