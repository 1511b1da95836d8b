// Live exam monitoring (seed 004) at the actor level: students join,
// answer, end or run out of time; teachers monitor and force-end; every
// step committed to a real SQLite file before anybody hears of it.

#include "exam_fixture.hpp"

using namespace proctord;
using namespace proctord::test;

TEST_CASE_METHOD(exam_fixture,
                 "exam: a student joins and gets its session and its clock",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto s = connect("s-1", "student");
  auto hello = s.connected();
  REQUIRE(hello.is_object());
  CHECK_FALSE(hello.value("sid", "").empty());
  CHECK_FALSE(hello.value("pid", "").empty());
  emit(s, px::cmd::join_exam_session{exam_id, "my-session", R"({"os":"Linux"})",
                                     R"({"type":"wifi"})"});
  auto ev = s.events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].name == "exam-session-joined");
  auto& joined = ev[0].payload;
  CHECK(joined["examId"] == exam_id);
  CHECK(joined["sessionId"] == "my-session");
  CHECK(joined["timeRemaining"] == 600);
  CHECK(joined["answeredCount"] == 0);
  CHECK(joined["endsAt"].get<std::string>().back() == 'Z');
  CHECK_FALSE(ev[0].offset.empty()); // logged: carries its offset
  CHECK(ev[1].name == "time-update");
  CHECK(ev[1].offset.empty()); // live only
  CHECK(ev[1].payload["timeRemaining"] == 600);
  CHECK(sitting(exam_id, "s-1", "status") == "active");
  CHECK(sitting(exam_id, "s-1", "deviceInfo") == R"({"os":"Linux"})");
  CHECK(stats->students_active == 1);
  CHECK(stats->active_exams == 1);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: an answer is acknowledged only once it is in the database",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  // What the database holds when the acknowledgement reaches the socket.
  std::vector<long long> rows_at_ack;
  auto s = connect("s-1", "student", [&](const std::string& packet) {
    if (packet.rfind("43", 0) == 0)
      rows_at_ack.push_back(
        db->count("SELECT * FROM exam_answers WHERE questionId = 'q1'"));
  });
  emit(s, px::cmd::join_exam_session{exam_id, "", "null", "null"});
  s.clear();
  emit(s, answer("q1", R"({"choice":"b"})", 12.5), 1);
  CHECK(rows_at_ack == std::vector<long long>{1});
  auto ack = s.ack(1);
  CHECK(ack["ok"] == true);
  CHECK(ack["answeredCount"] == 1);
  // The acknowledgement first, then answer-submitted (an EVENT).
  REQUIRE(s->packets.size() == 2);
  CHECK(s->packets[0].rfind("431[", 0) == 0);
  auto submitted = s.of("answer-submitted");
  REQUIRE(submitted.size() == 1);
  CHECK(submitted[0]["questionId"] == "q1");
  CHECK(submitted[0]["savedAt"] == ack["savedAt"]);
  auto progress = t.of("progress-update");
  REQUIRE(progress.size() == 1);
  CHECK(progress[0]["studentId"] == "s-1");
  CHECK(progress[0]["answeredCount"] == 1);
  CHECK(progress[0]["lastQuestionId"] == "q1");
  CHECK(progress[0]["timeSpent"] == 12.5);
  CHECK(progress[0]["status"] == "active");
  CHECK(db->text("SELECT answer FROM exam_answers WHERE questionId = 'q1'")
        == R"({"choice":"b"})");
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: an answer the store refuses is acknowledged ok false and shown to nobody",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto s = student(exam_id, "s-1");
  s.clear();
  t.clear();
  {
    failing_trigger broken{file.path(), "exam_answers", "INSERT"};
    emit(s, answer("q1", "1"), 4);
  }
  auto ack = s.ack(4);
  CHECK(ack["ok"] == false);
  CHECK(ack["code"] == "STORE_UNAVAILABLE");
  CHECK(s.errors() == std::vector<std::string>{"STORE_UNAVAILABLE"});
  CHECK(s.of("answer-submitted").empty());
  CHECK(t.of("progress-update").empty());
  // The retry works and counts once.
  emit(s, answer("q1", "1"), 5);
  CHECK(s.ack(5)["answeredCount"] == 1);
  CHECK(results(exam_id).students.at(0).answers.size() == 1);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a resubmitted question replaces its answer and counts once",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto s = student(exam_id, "s-1");
  emit(s, answer("q1", R"("a")", 10), 1);
  emit(s, answer("q2", R"("c")", 5), 2);
  emit(s, answer("q1", R"("b")", 20), 3);
  CHECK(s.ack(1)["answeredCount"] == 1);
  CHECK(s.ack(2)["answeredCount"] == 2);
  CHECK(s.ack(3)["answeredCount"] == 2);
  CHECK(db->count("SELECT * FROM exam_answers") == 2);
  CHECK(db->text("SELECT answer FROM exam_answers WHERE questionId = 'q1'") == R"("b")");
  auto r = results(exam_id);
  REQUIRE(r.students.size() == 1);
  CHECK(r.students[0].session.answered_count == 2);
  CHECK(r.students[0].time_spent == 25); // 20 (q1, replaced) + 5 (q2)
  CHECK(r.students[0].session.last_question_id == "q1");
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a student's time runs out on the simulated clock",
                 "[exam]") {
  auto exam_id = create_exam(60);
  auto t = teacher(exam_id, "t-1");
  auto s = student(exam_id, "s-1");
  advance(std::chrono::seconds{59});
  CHECK(s.of("exam-ended").empty());
  advance(std::chrono::seconds{1});
  auto ended = s.of("exam-ended");
  REQUIRE(ended.size() == 1);
  CHECK(ended[0]["submissionType"] == "timeout");
  CHECK_FALSE(ended[0].contains("studentId"));
  auto seen = t.of("exam-ended");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0]["studentId"] == "s-1");
  CHECK(seen[0]["submissionType"] == "timeout");
  CHECK(sitting(exam_id, "s-1", "status") == "ended");
  CHECK(sitting(exam_id, "s-1", "submissionType") == "timeout");
  // Nothing more is taken, and a rejoin is refused.
  emit(s, answer("q1", "1"), 9);
  CHECK(s.ack(9)["code"] == "EXAM_ENDED");
  auto again = connect("s-1", "student");
  emit(again, px::cmd::join_exam_session{exam_id, "", "null", "null"});
  CHECK(again.errors() == std::vector<std::string>{"EXAM_ENDED"});
  CHECK(stats->students_ended == 1);
  CHECK(stats->active_exams == 0);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: end-exam keeps the final score and tells the monitors",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto s = student(exam_id, "s-1");
  emit(s, px::cmd::end_exam{"", "87.5"});
  REQUIRE(s.of("exam-ended").size() == 1);
  CHECK(s.of("exam-ended")[0]["submissionType"] == "manual");
  CHECK(t.of("exam-ended").at(0)["studentId"] == "s-1");
  auto r = results(exam_id);
  CHECK(r.students.at(0).final_score == "87.5");
  CHECK(r.students.at(0).type == px::submission::manual);
  CHECK(sitting(exam_id, "s-1", "finalScore") == "87.5");
}

TEST_CASE_METHOD(exam_fixture, "exam: a teacher force-ends a student's exam",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto s = student(exam_id, "s-1");
  auto other = student(exam_id, "s-2");
  emit(t, px::cmd::force_end_exam{exam_id, "s-1"});
  REQUIRE(s.of("exam-ended").size() == 1);
  CHECK(s.of("exam-ended")[0]["submissionType"] == "forced");
  CHECK(t.of("exam-ended").at(0)["submissionType"] == "forced");
  CHECK(other.of("exam-ended").empty());
  emit(t, px::cmd::force_end_exam{exam_id, "s-1"});
  emit(t, px::cmd::force_end_exam{exam_id, "nobody"});
  CHECK(t.errors() == std::vector<std::string>{"EXAM_ENDED", "NOT_IN_EXAM"});
  CHECK(sitting(exam_id, "s-1", "submissionType") == "forced");
  CHECK(sitting(exam_id, "s-2", "status") == "active");
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a student may not monitor nor force-end and nothing changes",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto victim = student(exam_id, "s-1");
  auto sly = student(exam_id, "s-2");
  auto outside = connect("s-3", "student");
  t.clear();
  emit(sly, px::cmd::join_monitoring{exam_id});
  emit(sly, px::cmd::force_end_exam{exam_id, "s-1"});
  emit(outside, px::cmd::join_monitoring{exam_id});
  emit(outside, px::cmd::force_end_exam{exam_id, "s-1"});
  CHECK(sly.errors() == std::vector<std::string>{"FORBIDDEN", "FORBIDDEN"});
  CHECK(outside.errors() == std::vector<std::string>{"FORBIDDEN", "FORBIDDEN"});
  CHECK(sly.of("monitoring-joined").empty());
  CHECK(victim.of("exam-ended").empty());
  CHECK(t.events().empty());
  CHECK(sitting(exam_id, "s-1", "status") == "active");
  // Nor may a teacher answer.
  emit(t, answer("q1", "1"), 2);
  CHECK(t.ack(2)["code"] == "FORBIDDEN");
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: monitoring-joined has every student's state at once",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto a = student(exam_id, "s-1");
  auto b = student(exam_id, "s-2");
  emit(a, answer("q1", "1"));
  emit(a, answer("q2", "2"));
  drop(b);
  auto t = teacher(exam_id, "t-1");
  auto joined = t.of("monitoring-joined").at(0);
  CHECK(joined["examId"] == exam_id);
  std::map<std::string, json> by_id;
  for (auto& s : joined["students"])
    by_id[s["studentId"]] = s;
  REQUIRE(by_id.size() == 2);
  CHECK(by_id["s-1"]["status"] == "active");
  CHECK(by_id["s-1"]["connected"] == true);
  CHECK(by_id["s-1"]["answeredCount"] == 2);
  CHECK(by_id["s-1"]["lastQuestionId"] == "q2");
  CHECK(by_id["s-1"]["name"] == "Name s-1");
  CHECK(by_id["s-1"]["deviceInfo"] == json{{"os", "Linux"}});
  CHECK(by_id["s-2"]["status"] == "disconnected");
  CHECK(by_id["s-2"]["connected"] == false);
  for (auto key : {"sessionId", "startedAt", "endsAt", "lastSeenAt", "networkInfo"})
    CHECK(by_id["s-2"].contains(key));
  CHECK(stats->monitoring_teachers == 1);
  CHECK(stats->students_disconnected == 1);
  // A student joining later is shown at once.
  auto c = student(exam_id, "s-3");
  auto later = t.of("student-joined");
  REQUIRE(later.size() == 1);
  CHECK(later[0]["student"]["studentId"] == "s-3");
  CHECK(later[0]["student"]["connected"] == true);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: time-update ticks to students and teachers",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto s = student(exam_id, "s-1");
  auto t = teacher(exam_id, "t-1");
  s.clear();
  t.clear();
  advance(std::chrono::seconds{5});
  auto mine = s.of("time-update");
  REQUIRE(mine.size() == 1);
  CHECK(mine[0]["examId"] == exam_id);
  CHECK(mine[0]["timeRemaining"] == 595);
  auto theirs = t.of("time-update");
  REQUIRE(theirs.size() == 1);
  REQUIRE(theirs[0]["students"].size() == 1);
  CHECK(theirs[0]["students"][0]["studentId"] == "s-1");
  CHECK(theirs[0]["students"][0]["timeRemaining"] == 595);
  CHECK(theirs[0]["serverTime"].get<std::string>().back() == 'Z');
  advance(std::chrono::seconds{5});
  CHECK(s.of("time-update").size() == 2);
  CHECK(s.of("time-update")[1]["timeRemaining"] == 590);
  // Live only: no offset, so a recovery never replays them.
  for (auto& e : s.events())
    if (e.name == "time-update")
      CHECK(e.offset.empty());
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a heartbeat is acknowledged and moves lastSeenAt",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto s = student(exam_id, "s-1");
  auto before = results(exam_id).students.at(0).session.last_seen_at;
  advance(std::chrono::seconds{3});
  emit(s, px::cmd::heartbeat{}, 7);
  CHECK(s.ack(7)["ok"] == true);
  auto after = results(exam_id).students.at(0).session.last_seen_at;
  CHECK(after == before + 3000);
  // Written lazily, by the next tick.
  advance(std::chrono::seconds{2});
  CHECK(std::stoll(sitting(exam_id, "s-1", "lastSeenAt")) == after);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: commands out of place get their error codes",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto s = connect("s-1", "student");
  emit(s, answer("q1", "1"), 1);
  emit(s, px::cmd::end_exam{});
  emit(s, px::cmd::join_exam_session{"no-such-exam", "", "null", "null"});
  emit(s, px::cmd::invalid{"examId is required"});
  CHECK(s.errors()
        == std::vector<std::string>{"NOT_IN_EXAM", "NOT_IN_EXAM", "EXAM_NOT_FOUND",
                                    "INVALID_PAYLOAD"});
  CHECK(s.ack(1)["code"] == "NOT_IN_EXAM");
  auto t = connect("t-1", "teacher");
  emit(t, px::cmd::join_monitoring{"no-such-exam"});
  emit(t, px::cmd::join_exam_session{exam_id, "", "null", "null"});
  emit(t, px::cmd::force_end_exam{exam_id, "s-1"});
  CHECK(t.errors()
        == std::vector<std::string>{"EXAM_NOT_FOUND", "FORBIDDEN", "NOT_IN_EXAM"});
  // Once joined, submit-answer may name another exam: refused.
  emit(s, px::cmd::join_exam_session{exam_id, "", "null", "null"});
  emit(s, px::cmd::submit_answer{"other-exam", "q1", "1", 1}, 2);
  CHECK(s.ack(2)["code"] == "NOT_IN_EXAM");
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a socket sending too fast gets RATE_LIMITED",
                 "[exam]") {
  cfg.rate_per_second = 1;
  cfg.rate_burst = 3;
  stop_server();
  start(persistence::live_snapshot{});
  auto exam_id = create_exam(600);
  auto s = student(exam_id, "s-1"); // the join took one token
  emit(s, answer("q1", "1"), 1);
  emit(s, answer("q2", "1"), 2);
  emit(s, answer("q3", "1"), 3);
  CHECK(s.ack(2)["ok"] == true);
  CHECK(s.ack(3)["code"] == "RATE_LIMITED");
  CHECK(s.errors() == std::vector<std::string>{"RATE_LIMITED"});
  CHECK(results(exam_id).students.at(0).answers.size() == 2);
  advance(std::chrono::seconds{1});
  emit(s, answer("q3", "1"), 4);
  CHECK(s.ack(4)["ok"] == true);
  // A waiting socket is limited as well.
  auto w = connect("s-2", "student");
  for (int i = 0; i < 4; ++i)
    emit(w, px::cmd::heartbeat{}, static_cast<std::uint64_t>(10 + i));
  CHECK(w.ack(13)["code"] == "RATE_LIMITED");
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a CONNECT without a valid token or with another role is refused",
                 "[exam]") {
  for (auto auth : {std::string{}, std::string{R"({"token":"nope"})"},
                    json{{"token", token("u-1", "learner")}}.dump(),
                    json{{"token", token("u-1", "")}}.dump()}) {
    INFO(auth);
    auto c = connect_raw("u-1", auth);
    CHECK(c.refused());
    CHECK(c->packets.at(0) == R"(44{"message":"UNAUTHORIZED"})");
  }
  auto admin = connect("a-1", "admin");
  CHECK(admin.connected().is_object());
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a teacher leaves monitoring or moves to another exam",
                 "[exam]") {
  auto first = create_exam(600);
  auto second = create_exam(600);
  auto t = teacher(first, "t-1");
  auto a = student(first, "s-1");
  auto b = student(second, "s-2");
  CHECK(t.of("student-joined").size() == 1);
  // join-monitoring of another exam: it leaves the first one.
  emit(t, px::cmd::join_monitoring{second});
  auto view = t.of("monitoring-joined");
  REQUIRE(view.size() == 2);
  CHECK(view[1]["examId"] == second);
  REQUIRE(view[1]["students"].size() == 1);
  CHECK(view[1]["students"][0]["studentId"] == "s-2");
  t.clear();
  emit(a, answer("q1", "1"));
  emit(b, answer("q1", "1"));
  auto progress = t.of("progress-update");
  REQUIRE(progress.size() == 1);
  CHECK(progress[0]["examId"] == second);
  CHECK(stats->monitoring_teachers == 1);
  // leave-monitoring: nothing more reaches it, and it may monitor again.
  emit(t, px::cmd::leave_monitoring{second});
  emit(b, answer("q2", "1"));
  CHECK(t.of("progress-update").size() == 1);
  CHECK(t.errors().empty());
  CHECK(stats->monitoring_teachers == 0);
  emit(t, px::cmd::force_end_exam{second, "s-2"});
  CHECK(t.errors() == std::vector<std::string>{"NOT_IN_EXAM"});
  emit(t, px::cmd::join_monitoring{first});
  CHECK(t.of("monitoring-joined").size() == 1);
}

TEST_CASE_METHOD(exam_fixture,
                 "exam: a student who drops while its join commits is shown disconnected",
                 "[exam]") {
  auto exam_id = create_exam(600);
  auto t = teacher(exam_id, "t-1");
  auto s = connect("s-1", "student");
  // The join and the drop before anything runs.
  caf::anon_send(s.conn, channel_id{0},
                 protocol::socketio::command{px::command{
                   px::cmd::join_exam_session{exam_id, "", "null", "null"}, {}}});
  sockets->remove(s.conn_id);
  caf::anon_send(s.conn, closed_atom::value);
  drain();
  CHECK(t.of("student-joined").size() == 1);
  auto gone = t.of("student-disconnected");
  REQUIRE(gone.size() == 1);
  CHECK(gone[0]["studentId"] == "s-1");
  CHECK(sitting(exam_id, "s-1", "status") == "disconnected");
  CHECK(stats->students_disconnected == 1);
}
