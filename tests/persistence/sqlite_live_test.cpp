// Collaborative sessions, exams and the Socket.IO recovery in the SQLite
// store: every row round-trips across a reopen, only open sessions load,
// answers and students are upserted, participants and pids removed, a room
// log is numbered, read back in bounded pages and dropped, and a bad row
// fails its own write set only.

#include "sqlite_test_support.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

constexpr millis t0 = 1'706'543'210'000; // any fixed time

// A text with quotes, SQL, accents, CJK, an emoji and a NUL byte.
const std::string unicode = std::string("it's \"q\"; DROP TABLE exams;"
                                        " -- \xc3\xa9t\xc3\xa9 \xe6\x97\xa5"
                                        "\xe6\x9c\xac \xf0\x9f\x93\x9a ")
                            + '\0' + "after NUL";

std::vector<std::string> ids(const std::vector<collab_session_record>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.session_id);
  return out;
}

std::vector<std::string> ids(const std::vector<collab_participant_record>& v) {
  std::vector<std::string> out;
  for (const auto& p : v) out.push_back(p.session_id + "/" + p.user_id);
  return out;
}

std::vector<std::string> ids(const std::vector<live_pid_record>& v) {
  std::vector<std::string> out;
  for (const auto& p : v) out.push_back(p.pid);
  return out;
}

live_replay_query after(const std::string& domain, const std::string& room,
                        std::int64_t after_seq, std::uint32_t limit = 10000) {
  return {domain, room, after_seq, limit};
}

/// An exam (e1) with one student (st1) who has answered q1.
write_set exam_with_a_student() {
  write_set ws;
  ws.exams = {make_exam("e1", t0)};
  auto s = make_student("e1", "st1", t0 + 1);
  s.answered_count = 1;
  s.last_question_id = "q1";
  s.time_spent = 12.5;
  ws.exam_students = {s};
  ws.exam_answers = {make_exam_answer("e1", "st1", "q1", t0 + 2)};
  return ws;
}

} // namespace

TEST_CASE("sessions exams students answers events and pids round-trip every "
          "field after a reopen") {
  temp_db file;
  live_snapshot in;
  in.sessions = {make_session("s-\xce\xbb", t0), make_session("s2", t0 + 1)};
  in.sessions[0].created_by = unicode;
  in.participants = {
    make_collab_participant("s-\xce\xbb", "i1", t0, "instructor"),
    make_collab_participant("s-\xce\xbb", "l1", t0 + 5)};
  in.participants[1].name = unicode;
  in.participants[1].is_active = false;
  in.exams = {make_exam("e1", t0)};
  in.exams[0].title = unicode;
  in.exams[0].duration_s = 5400;
  in.exams[0].question_count = 0;
  in.students = {make_student("e1", "st1", t0 + 10),
                 make_student("e1", "st2", t0 + 20)};
  auto& ended = in.students[1];
  ended.status = "ended";
  ended.answered_count = 7;
  ended.last_question_id = "q-\xe6\x97\xa5";
  ended.time_spent = 321.75;
  ended.last_seen_at = t0 + 90;
  ended.ended_at = t0 + 100;
  ended.submission_type = "forced";
  ended.final_score = "97.5";
  ended.device_info = unicode;
  ended.network_info = "null";
  in.answers = {make_exam_answer("e1", "st2", "q1", t0 + 30),
                make_exam_answer("e1", "st2", "q2", 0)};
  in.answers[1].answer = unicode;
  in.answers[1].time_spent = 0.125;
  in.pids = {make_pid("pA", "session", "s-\xce\xbb", "i1"),
             make_pid("pB", "exam", "e1", "teacher-1")};
  in.pids[1].monitor = true;
  in.pids[1].disconnected_at = t0 + 40;
  in.seqs = {{"exam", "e1", 3}, {"session", "s-\xce\xbb", 1}};

  std::vector<live_event_record> events = {
    make_live_event("exam", "e1", 1), make_live_event("exam", "e1", 2),
    make_live_event("exam", "e1", 3),
    make_live_event("session", "s-\xce\xbb", 1)};
  events[0].audience = live_audience::all_but;
  events[0].user_id = "st1";
  events[1].audience = live_audience::only;
  events[1].user_id = "st2";
  events[1].args = unicode;
  events[2].audience = live_audience::monitors;
  events[2].at = 0;
  {
    auto db = open_sqlite(file.path());
    write_set ws;
    ws.collab_sessions = in.sessions;
    ws.collab_participants = in.participants;
    ws.exams = in.exams;
    ws.exam_students = in.students;
    ws.exam_answers = in.answers;
    ws.live_events = events;
    ws.live_pids = in.pids;
    commit_one(*db, ws); // parents come before their rows in a set
  }

  auto db = open_sqlite(file.path());
  check_same(db->load_live(), in);
  check_same(db->load_live_events(after("exam", "e1", 0)),
             std::vector<live_event_record>(events.begin(), events.end() - 1));
  check_same(db->load_live_events(after("session", "s-\xce\xbb", 0)),
             {events.back()});

  other_connection c(file.path());
  // "Not set" is NULL: an open session's close, a student's end, an
  // unaddressed event's user, a connected pid's drop, a 0 time.
  CHECK(c.text("SELECT quote(closedAt) || quote(closeReason)"
               " FROM collab_sessions WHERE sessionId = 's2'")
        == "NULLNULL");
  CHECK(c.text("SELECT quote(lastQuestionId) || quote(endedAt)"
               " || quote(submissionType) || quote(finalScore)"
               " FROM exam_students WHERE studentId = 'st1'")
        == "NULLNULLNULLNULL");
  CHECK(c.text("SELECT quote(userId) || quote(at) FROM live_events"
               " WHERE seq = 3")
        == "NULLNULL");
  CHECK(c.text("SELECT quote(disconnectedAt) FROM live_pids"
               " WHERE pid = 'pA'")
        == "NULL");
  CHECK(c.text("SELECT quote(savedAt) FROM exam_answers"
               " WHERE questionId = 'q2'")
        == "NULL");
  // Durations are not times: a question count of 0 is 0.
  CHECK(c.text("SELECT quote(questionCount) FROM exams") == "0");
  CHECK(c.text("SELECT length(CAST(args AS BLOB)) FROM live_events"
               " WHERE seq = 2")
        == std::to_string(unicode.size()));
}

TEST_CASE("a closed session and its participants are not loaded until the "
          "session is opened again") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set open;
  open.collab_sessions = {make_session("s1", t0), make_session("s2", t0 + 1)};
  open.collab_participants = {
    make_collab_participant("s1", "i1", t0, "instructor"),
    make_collab_participant("s2", "i2", t0 + 1, "instructor"),
    make_collab_participant("s2", "l1", t0 + 2)};
  commit_one(*db, open);

  write_set close;
  auto closed = make_session("s2", t0 + 1);
  closed.closed_at = t0 + 1'800'000;
  closed.close_reason = "inactive";
  close.collab_sessions = {closed};
  commit_one(*db, close);

  auto snap = db->load_live();
  CHECK(ids(snap.sessions) == std::vector<std::string>{"s1"});
  CHECK(ids(snap.participants) == std::vector<std::string>{"s1/i1"});
  // The closed session stays in the table, with why it closed.
  other_connection c(file.path());
  CHECK(c.text("SELECT closedAt || ' ' || closeReason FROM collab_sessions"
               " WHERE sessionId = 's2'")
        == std::to_string(t0 + 1'800'000) + " inactive");

  // An instructor opens the same id again: it is loaded with its rows.
  write_set reopen;
  reopen.collab_sessions = {make_session("s2", t0 + 2'000'000)};
  commit_one(*db, reopen);
  snap = db->load_live();
  CHECK(ids(snap.sessions) == std::vector<std::string>{"s1", "s2"});
  CHECK(ids(snap.participants)
        == std::vector<std::string>{"s1/i1", "s2/i2", "s2/l1"});
  CHECK(snap.sessions[1].closed_at == 0);
  CHECK(snap.sessions[1].close_reason.empty());
}

TEST_CASE("sessions load by createdAt then id and participants by session "
          "then joinedAt then user") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.collab_sessions = {make_session("b", t0), make_session("c", t0 + 1),
                        make_session("a", t0)};
  ws.collab_participants = {make_collab_participant("c", "z", t0 + 5),
                            make_collab_participant("a", "y", t0 + 7),
                            make_collab_participant("a", "x", t0 + 7),
                            make_collab_participant("a", "w", t0 + 8),
                            make_collab_participant("a", "v", t0 + 6)};
  commit_one(*db, ws);
  const auto snap = db->load_live();
  CHECK(ids(snap.sessions) == std::vector<std::string>{"a", "b", "c"});
  CHECK(ids(snap.participants)
        == std::vector<std::string>{"a/v", "a/x", "a/y", "a/w", "c/z"});
}

TEST_CASE("a resubmitted answer replaces the earlier one") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, exam_with_a_student());

  write_set again;
  auto second = make_exam_answer("e1", "st1", "q1", t0 + 50);
  second.answer = R"({"choice":"C"})";
  second.time_spent = 3.25;
  again.exam_answers = {second};
  commit_one(*db, again);
  auto snap = db->load_live();
  REQUIRE(snap.answers.size() == 1);
  check_same(snap.answers[0], second);

  // Twice in one set: the later one stays.
  write_set twice;
  auto third = second;
  third.answer = R"("free text")";
  third.saved_at = t0 + 60;
  twice.exam_answers = {make_exam_answer("e1", "st1", "q2", t0 + 55), second,
                        third};
  commit_one(*db, twice);
  snap = db->load_live();
  REQUIRE(snap.answers.size() == 2);
  check_same(snap.answers[0], third);
  CHECK(snap.answers[1].question_id == "q2");
}

TEST_CASE("a student written again takes every new value") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, exam_with_a_student());

  auto s = make_student("e1", "st1", t0 + 1);
  s.name = "Renamed";
  s.session_id = "sess-2";
  s.status = "ended";
  s.answered_count = 2;
  s.last_question_id = "q2";
  s.time_spent = 30;
  s.ends_at = t0 + 99;
  s.last_seen_at = t0 + 98;
  s.ended_at = t0 + 99;
  s.submission_type = "timeout";
  s.device_info = "{}";
  write_set ws;
  ws.exam_students = {s};
  commit_one(*db, ws);
  const auto snap = db->load_live();
  REQUIRE(snap.students.size() == 1);
  check_same(snap.students[0], s);
  CHECK(snap.answers.size() == 1); // the student's answers stay
}

TEST_CASE("a removed participant or pid is deleted and a removal of no row "
          "is no error") {
  temp_db file;
  {
    auto db = open_sqlite(file.path());
    write_set ws;
    ws.collab_sessions = {make_session("s1", t0)};
    ws.collab_participants = {
      make_collab_participant("s1", "i1", t0, "instructor"),
      make_collab_participant("s1", "l1", t0 + 1)};
    ws.live_pids = {make_pid("p1", "session", "s1", "i1"),
                    make_pid("p2", "session", "s1", "l1")};
    commit_one(*db, ws);
    write_set leave;
    leave.collab_participants = {collab_removal("s1", "l1"),
                                 collab_removal("s1", "l1"), // leave, then
                                 collab_removal("s1", "nobody")}; // drop
    leave.live_pids = {pid_removal("p2"), pid_removal("p2"),
                       pid_removal("unknown")};
    commit_one(*db, leave);
  }
  auto db = open_sqlite(file.path());
  auto snap = db->load_live();
  CHECK(ids(snap.participants) == std::vector<std::string>{"s1/i1"});
  CHECK(ids(snap.pids) == std::vector<std::string>{"p1"});
  CHECK(snap.sessions.size() == 1); // the session stays

  // In order: a removal then a write leaves the write, a write then a
  // removal leaves nothing.
  write_set ws;
  ws.collab_participants = {collab_removal("s1", "i1"),
                            make_collab_participant("s1", "i1", t0 + 10,
                                                    "instructor"),
                            make_collab_participant("s1", "l2", t0 + 11),
                            collab_removal("s1", "l2")};
  auto dropped = make_pid("p1", "session", "s1", "i1");
  dropped.disconnected_at = t0 + 12;
  ws.live_pids = {pid_removal("p1"), dropped, make_pid("p3", "exam", "e", "u"),
                  pid_removal("p3")};
  commit_one(*db, ws);
  snap = db->load_live();
  REQUIRE(ids(snap.participants) == std::vector<std::string>{"s1/i1"});
  CHECK(snap.participants[0].joined_at == t0 + 10);
  REQUIRE(snap.pids.size() == 1);
  check_same(snap.pids[0], dropped);
}
