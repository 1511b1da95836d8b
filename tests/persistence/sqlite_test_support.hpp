#pragma once
// Shared by the persistence tests: temporary database files, a second plain
// sqlite3 connection, a spy on the store's own connection, and records.

#include "persistence/backend.hpp"
#include "persistence/sqlite_detail.hpp"
#include "tests/sqlite_support.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace proctord::persistence::test {

namespace fs = std::filesystem;


/// A unique database path; the file and its companions go at the end.
class temp_db : public proctord::test::temp_file {
public:
  temp_db() : temp_file("persistence") {
  }
};

/// A second connection to the same file.
class other_connection : public proctord::test::sqlite_probe {
public:
  using sqlite_probe::sqlite_probe;

  /// The single value `sql` selects (exactly one row).
  std::string text(const std::string& sql) {
    const auto rows = column(sql);
    REQUIRE(rows.size() == 1);
    return rows.front();
  }
  long long integer(const std::string& sql) { return std::stoll(text(sql)); }
};

/// Creates `path` as release `version` left a new file: that schema
/// version, in WAL mode, no rows. Checked through another connection.
inline void create_at_version(const std::string& path, int version) {
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    sqlite_detail::db_handle db(raw);
    sqlite_detail::configure(raw, sync_mode::normal);
    sqlite_detail::migrate(raw, version);
  }
  other_connection c(path);
  REQUIRE(c.integer("PRAGMA user_version") == version);
}

/// Puts someone else's table, `name`, in the way of the last CREATE of
/// migration step `version`, then checks that opening `path` fails at that
/// step and leaves the file at version - 1. The caller checks that the
/// step's earlier changes were rolled back with it.
inline void check_step_blocked(const std::string& path, int version,
                               const std::string& name) {
  {
    other_connection c(path);
    c.exec("CREATE TABLE " + name + " (x INTEGER)");
  }
  CHECK_THROWS_WITH(open_sqlite(path),
                    Catch::Contains("migrate to schema version "
                                    + std::to_string(version)));
  other_connection c(path);
  CHECK(c.integer("PRAGMA user_version") == version - 1);
}

/// Captures the sqlite3* of the next connection opened in this process (an
/// SQLite auto-extension), so tests can ask the backend's own connection for
/// its per-connection settings without a test hook in the API.
class connection_spy {
public:
  connection_spy() {
    captured = nullptr;
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&capture));
  }
  ~connection_spy() {
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&capture));
  }
  long long pragma(const char* name) {
    REQUIRE(captured != nullptr);
    sqlite3_stmt* st = nullptr;
    const std::string sql = std::string("PRAGMA ") + name;
    REQUIRE(sqlite3_prepare_v2(captured, sql.c_str(), -1, &st, nullptr)
            == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const auto v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }
  /// The captured connection (the backend's own).
  sqlite3* db() const {
    REQUIRE(captured != nullptr);
    return captured;
  }

private:
  static int capture(sqlite3* db, const char**, const sqlite3_api_routines*) {
    if (!captured) captured = db;
    return SQLITE_OK;
  }
  static inline sqlite3* captured = nullptr;
};

inline room_record make_room(const std::string& id) {
  room_record r;
  r.room_id = id;
  r.host_id = "host-" + id;
  r.host_name = "Host " + id;
  r.roomname = "Room " + id;
  r.max_guests = 25;
  r.question = "Reverse a linked list.";
  r.duration = 90;
  r.is_public = true;
  r.status = "WAITING";
  r.created_at = 1'700'000'000'000;
  return r;
}

inline member_record make_member(const std::string& room, const std::string& user,
                          const std::string& status = "APPROVED") {
  member_record m;
  m.room_id = room;
  m.user_id = user;
  m.username = "name-" + user;
  m.status = status;
  m.joined_at = 1'700'000'000'500;
  return m;
}

inline void commit_one(backend& db, const write_set& ws) {
  db.begin();
  db.apply(ws);
  db.commit();
}

inline void check_same(const room_record& a, const room_record& b) {
  CHECK(a.room_id == b.room_id);
  CHECK(a.host_id == b.host_id);
  CHECK(a.host_name == b.host_name);
  CHECK(a.roomname == b.roomname);
  CHECK(a.max_guests == b.max_guests);
  CHECK(a.question == b.question);
  CHECK(a.duration == b.duration);
  CHECK(a.is_public == b.is_public);
  CHECK(a.status == b.status);
  CHECK(a.created_at == b.created_at);
  CHECK(a.started_at == b.started_at);
  CHECK(a.ends_at == b.ends_at);
  CHECK(a.ended_at == b.ended_at);
}

inline void check_same(const member_record& a, const member_record& b) {
  CHECK(a.room_id == b.room_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.username == b.username);
  CHECK(a.status == b.status);
  CHECK(a.violation_count == b.violation_count);
  CHECK(a.has_submitted == b.has_submitted);
  CHECK(a.joined_at == b.joined_at);
  CHECK(a.left_at == b.left_at);
}

// -- contests -----------------------------------------------------------------

/// An UPCOMING contest created at `created_at`, starting 10 minutes later.
inline contest_record make_contest(const std::string& id,
                                   millis created_at = 1'706'543'210'000) {
  contest_record c;
  c.contest_id = id;
  c.title = "Contest " + id;
  c.scoring = "speed";
  c.freeze_before_end = 60;
  c.status = "UPCOMING";
  c.created_by = "admin-1";
  c.created_at = created_at;
  c.start_at = created_at + 600'000;
  return c;
}

/// A multiple-choice question (A, B, C; the answer is B).
inline contest_question_record make_question(const std::string& contest,
                                             const std::string& id,
                                             std::int32_t position) {
  contest_question_record q;
  q.contest_id = contest;
  q.question_id = id;
  q.position = position;
  q.text = "What is " + id + "?";
  q.has_options = true;
  q.options = {"A", "B", "C"};
  q.answer = "B";
  q.points = 100;
  q.time_limit = 30;
  return q;
}

inline contest_participant_record
make_participant(const std::string& contest, const std::string& user,
                 millis joined_at) {
  return {contest, user, "name-" + user, joined_at};
}

/// A correct answer (B) with an idempotency key of its own.
inline contest_answer_record make_answer(const std::string& contest,
                                         const std::string& user,
                                         const std::string& question,
                                         millis submitted_at) {
  contest_answer_record a;
  a.contest_id = contest;
  a.user_id = user;
  a.question_id = question;
  a.answer = "B";
  a.correct = true;
  a.points = 80;
  a.elapsed_ms = 4'000;
  a.total_score = 80;
  a.idempotency_key = "key-" + user + "-" + question;
  a.submitted_at = submitted_at;
  return a;
}

inline void check_same(const contest_record& a, const contest_record& b) {
  CHECK(a.contest_id == b.contest_id);
  CHECK(a.title == b.title);
  CHECK(a.scoring == b.scoring);
  CHECK(a.freeze_before_end == b.freeze_before_end);
  CHECK(a.status == b.status);
  CHECK(a.created_by == b.created_by);
  CHECK(a.created_at == b.created_at);
  CHECK(a.start_at == b.start_at);
  CHECK(a.started_at == b.started_at);
  CHECK(a.paused_at == b.paused_at);
  CHECK(a.paused_total_ms == b.paused_total_ms);
  CHECK(a.ended_at == b.ended_at);
}

inline void check_same(const contest_question_record& a,
                const contest_question_record& b) {
  CHECK(a.contest_id == b.contest_id);
  CHECK(a.question_id == b.question_id);
  CHECK(a.position == b.position);
  CHECK(a.text == b.text);
  CHECK(a.has_options == b.has_options);
  CHECK(a.options == b.options);
  CHECK(a.answer == b.answer);
  CHECK(a.points == b.points);
  CHECK(a.time_limit == b.time_limit);
}

inline void check_same(const contest_participant_record& a,
                const contest_participant_record& b) {
  CHECK(a.contest_id == b.contest_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.username == b.username);
  CHECK(a.joined_at == b.joined_at);
}

inline void check_same(const contest_answer_record& a,
                const contest_answer_record& b) {
  CHECK(a.contest_id == b.contest_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.question_id == b.question_id);
  CHECK(a.answer == b.answer);
  CHECK(a.correct == b.correct);
  CHECK(a.points == b.points);
  CHECK(a.elapsed_ms == b.elapsed_ms);
  CHECK(a.total_score == b.total_score);
  CHECK(a.idempotency_key == b.idempotency_key);
  CHECK(a.submitted_at == b.submitted_at);
}

inline void check_same(const contest_standing_record& a,
                const contest_standing_record& b) {
  CHECK(a.contest_id == b.contest_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.username == b.username);
  CHECK(a.rank == b.rank);
  CHECK(a.score == b.score);
  CHECK(a.time_ms == b.time_ms);
}

// -- public study rooms -------------------------------------------------------

/// An anonymous user created at `created_at` from address hash `hash`.
inline public_user_record make_public_user(const std::string& id,
                                           millis created_at,
                                           const std::string& hash = "ab12") {
  return {id, "name-" + id, hash, created_at};
}

inline public_room_record make_public_room(const std::string& id,
                                           millis created_at,
                                           std::int32_t capacity = 8) {
  return {id, "Room " + id, capacity, created_at};
}

inline public_member_record make_public_member(const std::string& room,
                                               const std::string& user,
                                               millis joined_at) {
  return {room, user, joined_at, false};
}

/// The write that removes `user` from `room`.
inline public_member_record removal(const std::string& room,
                                    const std::string& user) {
  return {room, user, 0, true};
}

inline void check_same(const public_user_record& a,
                       const public_user_record& b) {
  CHECK(a.user_id == b.user_id);
  CHECK(a.user_name == b.user_name);
  CHECK(a.address_hash == b.address_hash);
  CHECK(a.created_at == b.created_at);
}

inline void check_same(const public_room_record& a,
                       const public_room_record& b) {
  CHECK(a.room_id == b.room_id);
  CHECK(a.name == b.name);
  CHECK(a.capacity == b.capacity);
  CHECK(a.created_at == b.created_at);
}

inline void check_same(const public_member_record& a,
                       const public_member_record& b) {
  CHECK(a.room_id == b.room_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.joined_at == b.joined_at);
  CHECK(a.removed == b.removed);
}

// -- sessions, exams, recovery ------------------------------------------------

/// An open session that `inst-<id>` opened at `created_at`.
inline collab_session_record make_session(const std::string& id,
                                          millis created_at) {
  return {id, "inst-" + id, created_at, 0, ""};
}

inline collab_participant_record
make_collab_participant(const std::string& session, const std::string& user,
                        millis joined_at,
                        const std::string& role = "learner") {
  return {session, user, "name-" + user, role, true, joined_at, false};
}

/// The write that removes `user` from `session`.
inline collab_participant_record
collab_removal(const std::string& session, const std::string& user) {
  collab_participant_record p;
  p.session_id = session;
  p.user_id = user;
  p.removed = true;
  return p;
}

/// A one-hour exam of 20 questions.
inline exam_record make_exam(const std::string& id, millis created_at) {
  return {id, "Exam " + id, 3600, 20, "teacher-1", created_at};
}

/// An active student who started at `started_at` (an hour to go).
inline exam_student_record make_student(const std::string& exam,
                                        const std::string& student,
                                        millis started_at) {
  exam_student_record s;
  s.exam_id = exam;
  s.student_id = student;
  s.name = "name-" + student;
  s.session_id = "sess-" + student;
  s.started_at = started_at;
  s.ends_at = started_at + 3'600'000;
  s.last_seen_at = started_at;
  s.device_info = R"({"browser":"Firefox","os":"Linux"})";
  s.network_info = R"({"type":"wifi","downlink":10})";
  return s;
}

inline exam_answer_record make_exam_answer(const std::string& exam,
                                           const std::string& student,
                                           const std::string& question,
                                           millis saved_at) {
  return {exam, student, question, R"({"choice":"B"})", 12.5, saved_at};
}

/// An event of a room's log for every socket of the room.
inline live_event_record make_live_event(const std::string& domain,
                                         const std::string& room,
                                         std::int64_t seq) {
  live_event_record e;
  e.domain = domain;
  e.room_id = room;
  e.seq = seq;
  e.name = "user-joined";
  e.args = R"([{"user":{"userId":"u)" + std::to_string(seq) + R"("}}])";
  e.at = 1'706'543'210'000 + seq;
  return e;
}

/// A connected socket's pid.
inline live_pid_record make_pid(const std::string& pid,
                                const std::string& domain,
                                const std::string& room,
                                const std::string& user) {
  return {pid, domain, room, user, "sid-" + pid, false, 0, false};
}

/// The write that forgets `pid`.
inline live_pid_record pid_removal(const std::string& pid) {
  live_pid_record p;
  p.pid = pid;
  p.removed = true;
  return p;
}

inline void check_same(const collab_session_record& a,
                       const collab_session_record& b) {
  CHECK(a.session_id == b.session_id);
  CHECK(a.created_by == b.created_by);
  CHECK(a.created_at == b.created_at);
  CHECK(a.closed_at == b.closed_at);
  CHECK(a.close_reason == b.close_reason);
}

inline void check_same(const collab_participant_record& a,
                       const collab_participant_record& b) {
  CHECK(a.session_id == b.session_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.name == b.name);
  CHECK(a.role == b.role);
  CHECK(a.is_active == b.is_active);
  CHECK(a.joined_at == b.joined_at);
  CHECK(a.removed == b.removed);
}

inline void check_same(const exam_record& a, const exam_record& b) {
  CHECK(a.exam_id == b.exam_id);
  CHECK(a.title == b.title);
  CHECK(a.duration_s == b.duration_s);
  CHECK(a.question_count == b.question_count);
  CHECK(a.created_by == b.created_by);
  CHECK(a.created_at == b.created_at);
}

inline void check_same(const exam_student_record& a,
                       const exam_student_record& b) {
  CHECK(a.exam_id == b.exam_id);
  CHECK(a.student_id == b.student_id);
  CHECK(a.name == b.name);
  CHECK(a.session_id == b.session_id);
  CHECK(a.status == b.status);
  CHECK(a.answered_count == b.answered_count);
  CHECK(a.last_question_id == b.last_question_id);
  CHECK(a.time_spent == b.time_spent);
  CHECK(a.started_at == b.started_at);
  CHECK(a.ends_at == b.ends_at);
  CHECK(a.last_seen_at == b.last_seen_at);
  CHECK(a.ended_at == b.ended_at);
  CHECK(a.submission_type == b.submission_type);
  CHECK(a.final_score == b.final_score);
  CHECK(a.device_info == b.device_info);
  CHECK(a.network_info == b.network_info);
}

inline void check_same(const exam_answer_record& a,
                       const exam_answer_record& b) {
  CHECK(a.exam_id == b.exam_id);
  CHECK(a.student_id == b.student_id);
  CHECK(a.question_id == b.question_id);
  CHECK(a.answer == b.answer);
  CHECK(a.time_spent == b.time_spent);
  CHECK(a.saved_at == b.saved_at);
}

inline void check_same(const live_event_record& a,
                       const live_event_record& b) {
  CHECK(a.domain == b.domain);
  CHECK(a.room_id == b.room_id);
  CHECK(a.seq == b.seq);
  CHECK(a.audience == b.audience);
  CHECK(a.user_id == b.user_id);
  CHECK(a.name == b.name);
  CHECK(a.args == b.args);
  CHECK(a.at == b.at);
}

inline void check_same(const live_pid_record& a, const live_pid_record& b) {
  CHECK(a.pid == b.pid);
  CHECK(a.domain == b.domain);
  CHECK(a.room_id == b.room_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.sid == b.sid);
  CHECK(a.monitor == b.monitor);
  CHECK(a.disconnected_at == b.disconnected_at);
  CHECK(a.removed == b.removed);
}

inline void check_same(const live_room_seq& a, const live_room_seq& b) {
  CHECK(a.domain == b.domain);
  CHECK(a.room_id == b.room_id);
  CHECK(a.seq == b.seq);
}

template <class Record>
inline void check_same(const std::vector<Record>& a,
                       const std::vector<Record>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("row " << i);
    check_same(a[i], b[i]);
  }
}

inline void check_same(const contest_snapshot& a, const contest_snapshot& b) {
  check_same(a.contest, b.contest);
  check_same(a.questions, b.questions);
  check_same(a.participants, b.participants);
  check_same(a.answers, b.answers);
  check_same(a.standings, b.standings);
}

inline void check_same(const study_snapshot& a, const study_snapshot& b) {
  check_same(a.users, b.users);
  check_same(a.rooms, b.rooms);
  check_same(a.members, b.members);
}

inline void check_same(const live_snapshot& a, const live_snapshot& b) {
  check_same(a.sessions, b.sessions);
  check_same(a.participants, b.participants);
  check_same(a.exams, b.exams);
  check_same(a.students, b.students);
  check_same(a.answers, b.answers);
  check_same(a.pids, b.pids);
  check_same(a.seqs, b.seqs);
}

inline std::string columns_of(other_connection& c, const std::string& table) {
  std::string out;
  for (const auto& name :
       c.column("SELECT name FROM pragma_table_info('" + table + "')"))
    out += (out.empty() ? "" : ",") + name;
  return out;
}

/// Everything in the file, as text: the version, the schema and every row.
inline std::string dump(other_connection& c) {
  std::string out = "user_version " + c.text("PRAGMA user_version") + "\n";
  for (const auto& row :
       c.column("SELECT type || ' ' || name || ' ' || coalesce(sql, '')"
                " FROM sqlite_master ORDER BY type, name"))
    out += row + "\n";
  for (const auto& table :
       c.column("SELECT name FROM sqlite_master WHERE type = 'table'"
                " ORDER BY name")) {
    std::string cols;
    for (const auto& col :
         c.column("SELECT name FROM pragma_table_info('" + table + "')"))
      cols += (cols.empty() ? "quote(" : " || ',' || quote(") + col + ")";
    out += table + ":\n";
    for (const auto& row :
         c.column("SELECT " + cols + " FROM " + table + " ORDER BY 1"))
      out += "  " + row + "\n";
  }
  return out;
}

} // namespace proctord::persistence::test
