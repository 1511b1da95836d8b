// The collaborative sessions', exams' and room logs' tables of the SQLite
// backend (schema version 6; README.md, "Sessions, exams and recovery"):
// writing a write set's live rows, loading them back at start, and reading
// a room's log for a recovery. Statements are prepared once, as in
// sqlite_backend.cpp, and used on the writer's connection only.

#include "persistence/sqlite_detail.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace proctord::persistence::sqlite_detail {
namespace {

// Every upsert updates its row in place (ON CONFLICT DO UPDATE, not INSERT
// OR REPLACE, which would delete the row first) and takes every new value.
constexpr const char* upsert_session_sql =
  "INSERT INTO collab_sessions (sessionId, createdBy, createdAt, closedAt,"
  " closeReason) VALUES (?1, ?2, ?3, ?4, ?5)"
  " ON CONFLICT (sessionId) DO UPDATE SET createdBy = excluded.createdBy,"
  " createdAt = excluded.createdAt, closedAt = excluded.closedAt,"
  " closeReason = excluded.closeReason";

constexpr const char* upsert_participant_sql =
  "INSERT INTO collab_participants (sessionId, userId, name, role, isActive,"
  " joinedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
  " ON CONFLICT (sessionId, userId) DO UPDATE SET name = excluded.name,"
  " role = excluded.role, isActive = excluded.isActive,"
  " joinedAt = excluded.joinedAt";

constexpr const char* upsert_student_sql =
  "INSERT INTO exam_students (examId, studentId, name, sessionId, status,"
  " answeredCount, lastQuestionId, timeSpent, startedAt, endsAt, lastSeenAt,"
  " endedAt, submissionType, finalScore, deviceInfo, networkInfo)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
  " ?16)"
  " ON CONFLICT (examId, studentId) DO UPDATE SET name = excluded.name,"
  " sessionId = excluded.sessionId, status = excluded.status,"
  " answeredCount = excluded.answeredCount,"
  " lastQuestionId = excluded.lastQuestionId,"
  " timeSpent = excluded.timeSpent, startedAt = excluded.startedAt,"
  " endsAt = excluded.endsAt, lastSeenAt = excluded.lastSeenAt,"
  " endedAt = excluded.endedAt, submissionType = excluded.submissionType,"
  " finalScore = excluded.finalScore, deviceInfo = excluded.deviceInfo,"
  " networkInfo = excluded.networkInfo";

// A resubmitted question replaces the earlier answer.
constexpr const char* upsert_answer_sql =
  "INSERT INTO exam_answers (examId, studentId, questionId, answer,"
  " timeSpent, savedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
  " ON CONFLICT (examId, studentId, questionId) DO UPDATE SET"
  " answer = excluded.answer, timeSpent = excluded.timeSpent,"
  " savedAt = excluded.savedAt";

constexpr const char* upsert_pid_sql =
  "INSERT INTO live_pids (pid, domain, roomId, userId, sid, monitor,"
  " disconnectedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
  " ON CONFLICT (pid) DO UPDATE SET domain = excluded.domain,"
  " roomId = excluded.roomId, userId = excluded.userId, sid = excluded.sid,"
  " monitor = excluded.monitor, disconnectedAt = excluded.disconnectedAt";

constexpr const char* event_columns =
  "domain, roomId, seq, audience, userId, name, args, at FROM live_events";

// The last seq of every room, walking the rooms backwards through the
// primary key: each step is one seek (the last row before the previous
// room, in its domain, else in the domain before), so the cost grows with
// the number of rooms, not of events. (A row-value bound, (domain, roomId)
// < (?1, ?2), would walk back through the whole previous room instead.)
constexpr const char* last_room_sql =
  "SELECT domain, roomId, seq FROM live_events"
  " ORDER BY domain DESC, roomId DESC, seq DESC LIMIT 1";
constexpr const char* room_before_sql =
  "SELECT domain, roomId, seq FROM live_events"
  " WHERE domain = ?1 AND roomId < ?2"
  " ORDER BY roomId DESC, seq DESC LIMIT 1";
constexpr const char* domain_before_sql =
  "SELECT domain, roomId, seq FROM live_events WHERE domain < ?1"
  " ORDER BY domain DESC, roomId DESC, seq DESC LIMIT 1";

} // namespace

live_statements::live_statements(sqlite3* db)
  : upsert_session_(db, "upsert collab session", upsert_session_sql),
    upsert_participant_(db, "upsert collab participant",
                        upsert_participant_sql),
    delete_participant_(db, "delete collab participant",
                        "DELETE FROM collab_participants"
                        " WHERE sessionId = ?1 AND userId = ?2"),
    insert_exam_(db, "insert exam",
                 "INSERT INTO exams (examId, title, durationS, questionCount,"
                 " createdBy, createdAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
    upsert_student_(db, "upsert exam student", upsert_student_sql),
    upsert_answer_(db, "upsert exam answer", upsert_answer_sql),
    insert_event_(db, "insert live event",
                  "INSERT INTO live_events (domain, roomId, seq, audience,"
                  " userId, name, args, at)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
    upsert_pid_(db, "upsert live pid", upsert_pid_sql),
    delete_pid_(db, "delete live pid", "DELETE FROM live_pids WHERE pid = ?1"),
    drop_log_(db, "drop live log",
              "DELETE FROM live_events WHERE domain = ?1 AND roomId = ?2"),
    // The partial index collab_sessions_open holds exactly these rows, in
    // this order.
    select_sessions_(db, "load collab sessions",
                     "SELECT sessionId, createdBy, createdAt, closedAt,"
                     " closeReason FROM collab_sessions"
                     " WHERE closedAt IS NULL ORDER BY createdAt, sessionId"),
    // One primary-key range per open session (closed ones are not read).
    select_participants_(db, "load collab participants",
                         "SELECT sessionId, userId, name, role, isActive,"
                         " joinedAt FROM collab_participants"
                         " WHERE sessionId IN (SELECT sessionId"
                         " FROM collab_sessions WHERE closedAt IS NULL)"
                         " ORDER BY sessionId, joinedAt, userId"),
    select_exams_(db, "load exams",
                  "SELECT examId, title, durationS, questionCount, createdBy,"
                  " createdAt FROM exams ORDER BY createdAt, examId"),
    select_students_(db, "load exam students",
                     "SELECT examId, studentId, name, sessionId, status,"
                     " answeredCount, lastQuestionId, timeSpent, startedAt,"
                     " endsAt, lastSeenAt, endedAt, submissionType,"
                     " finalScore, deviceInfo, networkInfo FROM exam_students"
                     " ORDER BY examId, startedAt, studentId"),
    // The primary key's order: no sort.
    select_answers_(db, "load exam answers",
                    "SELECT examId, studentId, questionId, answer, timeSpent,"
                    " savedAt FROM exam_answers"
                    " ORDER BY examId, studentId, questionId"),
    select_pids_(db, "load live pids",
                 "SELECT pid, domain, roomId, userId, sid, monitor,"
                 " disconnectedAt FROM live_pids ORDER BY pid"),
    select_last_room_(db, "load live log seqs", last_room_sql),
    select_room_before_(db, "load live log seqs", room_before_sql),
    select_domain_before_(db, "load live log seqs", domain_before_sql),
    select_events_(db, "load live events",
                   (std::string("SELECT ") + event_columns
                    + " WHERE domain = ?1 AND roomId = ?2 AND seq > ?3"
                      " ORDER BY seq LIMIT ?4")
                     .c_str()) {}

// -- writes -------------------------------------------------------------------

void live_statements::write(const write_set& ws) {
  for (const auto& s : ws.collab_sessions) write(s);
  for (const auto& p : ws.collab_participants) write(p);
  for (const auto& e : ws.exams) write(e);
  for (const auto& s : ws.exam_students) write(s);
  for (const auto& a : ws.exam_answers) write(a);
  for (const auto& e : ws.live_events) write(e);
  for (const auto& p : ws.live_pids) write(p);
  // Last: a set that closes a room with a final event drops that event too.
  for (const auto& r : ws.live_log_drops) drop(r);
}

void live_statements::write(const collab_session_record& s) {
  stmt_use(upsert_session_)
    .text(1, s.session_id)
    .text(2, s.created_by)
    .time(3, s.created_at)
    .time(4, s.closed_at) // NULL while open
    .text_or_null(5, s.close_reason)
    .run();
}

void live_statements::write(const collab_participant_record& p) {
  if (p.removed) {
    // Removing a participant that is not there (a disconnect after a leave)
    // deletes nothing and is no error.
    stmt_use(delete_participant_)
      .text(1, p.session_id)
      .text(2, p.user_id)
      .run();
    return;
  }
  stmt_use(upsert_participant_)
    .text(1, p.session_id)
    .text(2, p.user_id)
    .text(3, p.name)
    .text(4, p.role)
    .flag(5, p.is_active)
    .time(6, p.joined_at)
    .run();
}

void live_statements::write(const exam_record& e) {
  stmt_use(insert_exam_)
    .text(1, e.exam_id)
    .text(2, e.title)
    .integer(3, e.duration_s)
    .integer(4, e.question_count)
    .text(5, e.created_by)
    .time(6, e.created_at)
    .run();
}

void live_statements::write(const exam_student_record& s) {
  stmt_use(upsert_student_)
    .text(1, s.exam_id)
    .text(2, s.student_id)
    .text(3, s.name)
    .text(4, s.session_id)
    .text(5, s.status)
    .integer(6, s.answered_count)
    .text_or_null(7, s.last_question_id)
    .real(8, s.time_spent)
    .time(9, s.started_at)
    .time(10, s.ends_at)
    .time(11, s.last_seen_at)
    .time(12, s.ended_at)
    .text_or_null(13, s.submission_type) // the CHECK: set iff ended
    .text_or_null(14, s.final_score)
    .text(15, s.device_info)
    .text(16, s.network_info)
    .run();
}

void live_statements::write(const exam_answer_record& a) {
  stmt_use(upsert_answer_)
    .text(1, a.exam_id)
    .text(2, a.student_id)
    .text(3, a.question_id)
    .text(4, a.answer)
    .real(5, a.time_spent)
    .time(6, a.saved_at)
    .run();
}

void live_statements::write(const live_event_record& e) {
  stmt_use(insert_event_)
    .text(1, e.domain)
    .text(2, e.room_id)
    .integer(3, e.seq) // a seq the room used already fails the set
    .integer(4, static_cast<std::int64_t>(e.audience))
    .text_or_null(5, e.user_id)
    .text(6, e.name)
    .text(7, e.args)
    .time(8, e.at)
    .run();
}

void live_statements::write(const live_pid_record& p) {
  if (p.removed) {
    stmt_use(delete_pid_).text(1, p.pid).run();
    return;
  }
  stmt_use(upsert_pid_)
    .text(1, p.pid)
    .text(2, p.domain)
    .text(3, p.room_id)
    .text(4, p.user_id)
    .text(5, p.sid)
    .flag(6, p.monitor)
    .time(7, p.disconnected_at) // NULL while connected
    .run();
}

void live_statements::drop(const live_room_seq& r) {
  stmt_use(drop_log_).text(1, r.domain).text(2, r.room_id).run();
}

// -- reads --------------------------------------------------------------------

live_snapshot live_statements::load() {
  live_snapshot snap;
  {
    stmt_use u(select_sessions_);
    while (u.step()) {
      collab_session_record s;
      s.session_id = u.column_text(0);
      s.created_by = u.column_text(1);
      s.created_at = u.column_int(2);
      s.closed_at = u.column_int(3);
      s.close_reason = u.column_text(4);
      snap.sessions.push_back(std::move(s));
    }
  }
  {
    stmt_use u(select_participants_);
    while (u.step()) {
      collab_participant_record p;
      p.session_id = u.column_text(0);
      p.user_id = u.column_text(1);
      p.name = u.column_text(2);
      p.role = u.column_text(3);
      p.is_active = u.column_flag(4);
      p.joined_at = u.column_int(5);
      snap.participants.push_back(std::move(p));
    }
  }
  {
    stmt_use u(select_exams_);
    while (u.step()) {
      exam_record e;
      e.exam_id = u.column_text(0);
      e.title = u.column_text(1);
      e.duration_s = u.column_int(2);
      e.question_count = u.column_int32(3);
      e.created_by = u.column_text(4);
      e.created_at = u.column_int(5);
      snap.exams.push_back(std::move(e));
    }
  }
  {
    stmt_use u(select_students_);
    while (u.step()) {
      exam_student_record s;
      s.exam_id = u.column_text(0);
      s.student_id = u.column_text(1);
      s.name = u.column_text(2);
      s.session_id = u.column_text(3);
      s.status = u.column_text(4);
      s.answered_count = u.column_int32(5);
      s.last_question_id = u.column_text(6);
      s.time_spent = u.column_real(7);
      s.started_at = u.column_int(8);
      s.ends_at = u.column_int(9);
      s.last_seen_at = u.column_int(10);
      s.ended_at = u.column_int(11);
      s.submission_type = u.column_text(12);
      s.final_score = u.column_text(13);
      s.device_info = u.column_text(14);
      s.network_info = u.column_text(15);
      snap.students.push_back(std::move(s));
    }
  }
  {
    stmt_use u(select_answers_);
    while (u.step()) {
      exam_answer_record a;
      a.exam_id = u.column_text(0);
      a.student_id = u.column_text(1);
      a.question_id = u.column_text(2);
      a.answer = u.column_text(3);
      a.time_spent = u.column_real(4);
      a.saved_at = u.column_int(5);
      snap.answers.push_back(std::move(a));
    }
  }
  {
    stmt_use u(select_pids_);
    while (u.step()) {
      live_pid_record p;
      p.pid = u.column_text(0);
      p.domain = u.column_text(1);
      p.room_id = u.column_text(2);
      p.user_id = u.column_text(3);
      p.sid = u.column_text(4);
      p.monitor = u.column_flag(5);
      p.disconnected_at = u.column_int(6);
      snap.pids.push_back(std::move(p));
    }
  }
  snap.seqs = last_seqs();
  return snap;
}

std::vector<live_room_seq> live_statements::last_seqs() {
  std::vector<live_room_seq> out;
  auto read = [&out](stmt_use& u) {
    if (!u.step()) return false;
    out.push_back({u.column_text(0), u.column_text(1), u.column_int(2)});
    return true;
  };
  {
    stmt_use u(select_last_room_);
    if (!read(u)) return out;
  }
  for (;;) {
    // Copies: a binding must outlive its use, and push_back may move the
    // strings of `out`.
    const auto domain = out.back().domain;
    const auto room_id = out.back().room_id;
    {
      stmt_use u(select_room_before_);
      u.text(1, domain).text(2, room_id);
      if (read(u)) continue;
    }
    stmt_use u(select_domain_before_);
    u.text(1, domain);
    if (!read(u)) break;
  }
  std::reverse(out.begin(), out.end()); // by domain, then room
  return out;
}

std::vector<live_event_record>
live_statements::events(const live_replay_query& q) {
  std::vector<live_event_record> out;
  if (q.limit == 0) return out;
  stmt_use u(select_events_);
  u.text(1, q.domain)
    .text(2, q.room_id)
    .integer(3, q.after_seq)
    .integer(4, q.limit);
  while (u.step()) {
    live_event_record e;
    e.domain = u.column_text(0);
    e.room_id = u.column_text(1);
    e.seq = u.column_int(2);
    e.audience = static_cast<live_audience>(u.column_int(3)); // CHECK: 0-3
    e.user_id = u.column_text(4);
    e.name = u.column_text(5);
    e.args = u.column_text(6);
    e.at = u.column_int(7);
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace proctord::persistence::sqlite_detail
