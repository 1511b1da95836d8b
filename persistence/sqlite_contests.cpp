// The contest tables of the SQLite backend (schema version 4; README.md,
// "Contests"): writing a write set's contest rows and loading a contest
// back after a restart. Statements are prepared once, as in
// sqlite_backend.cpp, and used on the writer's connection only.

#include "persistence/sqlite_detail.hpp"

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace proctord::persistence::sqlite_detail {
namespace {

constexpr const char* upsert_contest_sql =
  "INSERT INTO contests (contestId, title, scoring, freezeBeforeEnd, status,"
  " createdBy, createdAt, startAt, startedAt, pausedAt, pausedTotalMs,"
  " endedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
  " ON CONFLICT (contestId) DO UPDATE SET title = excluded.title,"
  " scoring = excluded.scoring, freezeBeforeEnd = excluded.freezeBeforeEnd,"
  " status = excluded.status, createdBy = excluded.createdBy,"
  " createdAt = excluded.createdAt, startAt = excluded.startAt,"
  " startedAt = excluded.startedAt, pausedAt = excluded.pausedAt,"
  " pausedTotalMs = excluded.pausedTotalMs, endedAt = excluded.endedAt";

// A participant written again (a second join, a reconnect) keeps the
// joinedAt of its first join; only the username follows the latest.
constexpr const char* upsert_participant_sql =
  "INSERT INTO contest_participants (contestId, userId, username, joinedAt)"
  " VALUES (?1, ?2, ?3, ?4)"
  " ON CONFLICT (contestId, userId) DO UPDATE SET"
  " username = excluded.username";

constexpr const char* upsert_standing_sql =
  "INSERT INTO contest_standings (contestId, userId, username, rank, score,"
  " timeMs) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
  " ON CONFLICT (contestId, userId) DO UPDATE SET"
  " username = excluded.username, rank = excluded.rank,"
  " score = excluded.score, timeMs = excluded.timeMs";

/// The columns of a contest_record, in read_contest's order.
const std::string select_contest_sql
  = "SELECT contestId, title, scoring, freezeBeforeEnd, status, createdBy,"
    " createdAt, startAt, startedAt, pausedAt, pausedTotalMs, endedAt"
    " FROM contests";

contest_record read_contest(const stmt_use& u) {
  contest_record c;
  c.contest_id = u.column_text(0);
  c.title = u.column_text(1);
  c.scoring = u.column_text(2);
  c.freeze_before_end = u.column_int32(3);
  c.status = u.column_text(4);
  c.created_by = u.column_text(5);
  c.created_at = u.column_int(6); // NULL reads as 0
  c.start_at = u.column_int(7);
  c.started_at = u.column_int(8);
  c.paused_at = u.column_int(9);
  c.paused_total_ms = u.column_int(10);
  c.ended_at = u.column_int(11);
  return c;
}

} // namespace

contest_statements::contest_statements(sqlite3* db)
  : upsert_contest_(db, "upsert contest", upsert_contest_sql),
    insert_question_(db, "insert contest question",
                     "INSERT INTO contest_questions (contestId, questionId,"
                     " position, text, hasOptions, answer, points, timeLimit)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
    insert_option_(db, "insert contest question option",
                   "INSERT INTO contest_question_options (contestId,"
                   " questionId, position, text) VALUES (?1, ?2, ?3, ?4)"),
    upsert_participant_(db, "upsert contest participant",
                        upsert_participant_sql),
    insert_answer_(db, "insert contest answer",
                   "INSERT INTO contest_answers (contestId, userId,"
                   " questionId, answer, correct, points, elapsedMs,"
                   " totalScore, idempotencyKey, submittedAt)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
    upsert_standing_(db, "upsert contest standing", upsert_standing_sql),
    select_contests_(db, "load contests",
                     (select_contest_sql + " ORDER BY createdAt, contestId")
                       .c_str()),
    select_contest_(db, "load contest",
                    (select_contest_sql + " WHERE contestId = ?1").c_str()),
    select_questions_(db, "load contest questions",
                      "SELECT contestId, questionId, position, text,"
                      " hasOptions, answer, points, timeLimit"
                      " FROM contest_questions WHERE contestId = ?1"
                      " ORDER BY position"),
    select_options_(db, "load contest question options",
                    "SELECT questionId, text FROM contest_question_options"
                    " WHERE contestId = ?1 ORDER BY questionId, position"),
    select_participants_(db, "load contest participants",
                         "SELECT contestId, userId, username, joinedAt"
                         " FROM contest_participants WHERE contestId = ?1"
                         " ORDER BY joinedAt, userId"),
    select_answers_(db, "load contest answers",
                    "SELECT contestId, userId, questionId, answer, correct,"
                    " points, elapsedMs, totalScore, idempotencyKey,"
                    " submittedAt FROM contest_answers WHERE contestId = ?1"
                    " ORDER BY submittedAt, id"),
    select_standings_(db, "load contest standings",
                      "SELECT contestId, userId, username, rank, score,"
                      " timeMs FROM contest_standings WHERE contestId = ?1"
                      " ORDER BY rank, userId") {}

// -- writes -------------------------------------------------------------------

void contest_statements::write(const write_set& ws) {
  for (const auto& c : ws.contests) write(c);
  for (const auto& q : ws.contest_questions) write(q);
  for (const auto& p : ws.contest_participants) write(p);
  for (const auto& a : ws.contest_answers) write(a);
  for (const auto& s : ws.contest_standings) write(s);
}

void contest_statements::write(const contest_record& c) {
  stmt_use(upsert_contest_)
    .text(1, c.contest_id)
    .text(2, c.title)
    .text(3, c.scoring)
    .integer(4, c.freeze_before_end)
    .text(5, c.status)
    .text(6, c.created_by)
    .time(7, c.created_at)
    .time(8, c.start_at)
    .time(9, c.started_at)
    .time(10, c.paused_at)
    .integer(11, c.paused_total_ms) // a duration: 0 is 0
    .time(12, c.ended_at)
    .run();
}

void contest_statements::write(const contest_question_record& q) {
  // Options without has_options would be lost on the way back: refuse them.
  if (!q.has_options && !q.options.empty())
    throw store_error("sqlite: insert contest question: question '"
                      + q.question_id + "' of contest '" + q.contest_id
                      + "' has " + std::to_string(q.options.size())
                      + " options but has_options is false");
  stmt_use(insert_question_)
    .text(1, q.contest_id)
    .text(2, q.question_id)
    .integer(3, q.position)
    .text(4, q.text)
    .flag(5, q.has_options)
    .text(6, q.answer)
    .integer(7, q.points)
    .integer(8, q.time_limit)
    .run();
  for (std::size_t i = 0; i < q.options.size(); ++i)
    stmt_use(insert_option_)
      .text(1, q.contest_id)
      .text(2, q.question_id)
      .integer(3, static_cast<std::int64_t>(i))
      .text(4, q.options[i])
      .run();
}

void contest_statements::write(const contest_participant_record& p) {
  stmt_use(upsert_participant_)
    .text(1, p.contest_id)
    .text(2, p.user_id)
    .text(3, p.username)
    .time(4, p.joined_at)
    .run();
}

void contest_statements::write(const contest_answer_record& a) {
  stmt_use(insert_answer_)
    .text(1, a.contest_id)
    .text(2, a.user_id)
    .text(3, a.question_id)
    .text(4, a.answer)
    .flag(5, a.correct)
    .integer(6, a.points)
    .integer(7, a.elapsed_ms) // a duration: 0 is 0
    .integer(8, a.total_score)
    .text_or_null(9, a.idempotency_key)
    .time(10, a.submitted_at)
    .run();
}

void contest_statements::write(const contest_standing_record& s) {
  stmt_use(upsert_standing_)
    .text(1, s.contest_id)
    .text(2, s.user_id)
    .text(3, s.username)
    .integer(4, s.rank)
    .integer(5, s.score)
    .integer(6, s.time_ms)
    .run();
}

// -- reads --------------------------------------------------------------------

std::vector<contest_record> contest_statements::load_contests() {
  std::vector<contest_record> out;
  stmt_use u(select_contests_);
  while (u.step())
    out.push_back(read_contest(u));
  return out;
}

contest_snapshot
contest_statements::load_contest(const std::string& contest_id) {
  contest_snapshot snap;
  {
    stmt_use u(select_contest_);
    u.text(1, contest_id);
    if (!u.step())
      throw store_error("sqlite: load contest: no contest '" + contest_id
                        + "'");
    snap.contest = read_contest(u);
  }
  std::unordered_map<std::string, std::size_t> by_id; // question id -> index
  {
    stmt_use u(select_questions_);
    u.text(1, contest_id);
    while (u.step()) {
      contest_question_record q;
      q.contest_id = u.column_text(0);
      q.question_id = u.column_text(1);
      q.position = u.column_int32(2);
      q.text = u.column_text(3);
      q.has_options = u.column_flag(4);
      q.answer = u.column_text(5);
      q.points = u.column_int(6);
      q.time_limit = u.column_int32(7);
      by_id.emplace(q.question_id, snap.questions.size());
      snap.questions.push_back(std::move(q));
    }
  }
  {
    // In (questionId, position) order, so each list is appended in order.
    stmt_use u(select_options_);
    u.text(1, contest_id);
    while (u.step()) {
      // The foreign key to contest_questions keeps every option's question.
      const auto q = by_id.find(u.column_text(0));
      if (q == by_id.end())
        throw store_error("sqlite: load contest: an option of contest '"
                          + contest_id + "' has no question");
      snap.questions[q->second].options.push_back(u.column_text(1));
    }
  }
  {
    stmt_use u(select_participants_);
    u.text(1, contest_id);
    while (u.step()) {
      contest_participant_record p;
      p.contest_id = u.column_text(0);
      p.user_id = u.column_text(1);
      p.username = u.column_text(2);
      p.joined_at = u.column_int(3);
      snap.participants.push_back(std::move(p));
    }
  }
  {
    stmt_use u(select_answers_);
    u.text(1, contest_id);
    while (u.step()) {
      contest_answer_record a;
      a.contest_id = u.column_text(0);
      a.user_id = u.column_text(1);
      a.question_id = u.column_text(2);
      a.answer = u.column_text(3);
      a.correct = u.column_flag(4);
      a.points = u.column_int(5);
      a.elapsed_ms = u.column_int(6);
      a.total_score = u.column_int(7);
      a.idempotency_key = u.column_text(8); // NULL reads as ""
      a.submitted_at = u.column_int(9);
      snap.answers.push_back(std::move(a));
    }
  }
  {
    stmt_use u(select_standings_);
    u.text(1, contest_id);
    while (u.step()) {
      contest_standing_record s;
      s.contest_id = u.column_text(0);
      s.user_id = u.column_text(1);
      s.username = u.column_text(2);
      s.rank = u.column_int32(3);
      s.score = u.column_int(4);
      s.time_ms = u.column_int(5);
      snap.standings.push_back(std::move(s));
    }
  }
  return snap;
}

} // namespace proctord::persistence::sqlite_detail
