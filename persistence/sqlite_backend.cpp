// The SQLite implementation of persistence::backend (see README.md).
//
// One connection, used by one thread at a time (the store actor), and the
// checkpointer's, on a thread of its own (sqlite_checkpointer.cpp). Every SQL
// statement of the hot path is prepared once in the constructor and reused;
// a use binds, steps, then resets and clears its bindings (stmt_use), also
// when it throws. Text is bound SQLITE_STATIC: the bound record outlives the
// use, and the use ends before apply() returns.

#include "persistence/sqlite_detail.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace proctord::persistence {
namespace {

using namespace sqlite_detail;

// -- the backend --------------------------------------------------------------

constexpr const char* upsert_room_sql =
  "INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
  " question, duration, isPublic, status, createdAt, startedAt, endsAt,"
  " endedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
  " ON CONFLICT (roomId) DO UPDATE SET hostId = excluded.hostId,"
  " hostName = excluded.hostName, roomname = excluded.roomname,"
  " maxGuests = excluded.maxGuests, question = excluded.question,"
  " duration = excluded.duration, isPublic = excluded.isPublic,"
  " status = excluded.status, createdAt = excluded.createdAt,"
  " startedAt = excluded.startedAt, endsAt = excluded.endsAt,"
  " endedAt = excluded.endedAt";

constexpr const char* upsert_member_sql =
  "INSERT INTO room_users (roomId, userId, username, status, violationCount,"
  " hasSubmitted, joinedAt, leftAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
  " ON CONFLICT (roomId, userId) DO UPDATE SET username = excluded.username,"
  " status = excluded.status, violationCount = excluded.violationCount,"
  " hasSubmitted = excluded.hasSubmitted, joinedAt = excluded.joinedAt,"
  " leftAt = excluded.leftAt";

constexpr const char* upsert_join_attempt_sql =
  "INSERT INTO join_attempts (roomId, userId, username, status, requestedAt,"
  " decidedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
  " ON CONFLICT (roomId, userId, requestedAt) DO UPDATE SET"
  " username = excluded.username, status = excluded.status,"
  " decidedAt = excluded.decidedAt";

class sqlite_backend final : public backend {
public:
  sqlite_backend(db_handle db, const std::string& path, sync_mode sync,
                 checkpoint_limits limits)
    : db_(std::move(db)),
      checkpoints_(db_.get(), path, sync, limits),
      begin_(db_.get(), "begin", "BEGIN IMMEDIATE"),
      commit_(db_.get(), "commit", "COMMIT"),
      rollback_(db_.get(), "rollback", "ROLLBACK"),
      savepoint_(db_.get(), "savepoint", "SAVEPOINT ws"),
      release_(db_.get(), "release savepoint", "RELEASE ws"),
      rollback_to_(db_.get(), "rollback to savepoint", "ROLLBACK TO ws"),
      upsert_room_(db_.get(), "upsert room", upsert_room_sql),
      upsert_member_(db_.get(), "upsert member", upsert_member_sql),
      upsert_join_attempt_(db_.get(), "upsert join attempt",
                           upsert_join_attempt_sql),
      insert_violation_(db_.get(), "insert violation",
                        "INSERT INTO violations (roomId, userId, type,"
                        " timestamp, violationCount, idempotencyKey)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      // A violation carries the member's new count (README.md, "Transactions
      // and write sets"): one column, found through UNIQUE (roomId, userId).
      update_violation_count_(db_.get(), "update member violation count",
                              "UPDATE room_users SET violationCount = ?3"
                              " WHERE roomId = ?1 AND userId = ?2"),
      insert_submission_(db_.get(), "insert submission",
                         "INSERT INTO submissions (roomId, userId, code,"
                         " language, submittedAt, idempotencyKey)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      insert_kick_(db_.get(), "insert kick event",
                   "INSERT INTO kick_events (roomId, userId, reason,"
                   " kickedAt) VALUES (?1, ?2, ?3, ?4)"),
      insert_event_(db_.get(), "insert event",
                    "INSERT INTO events (roomId, seq, audience, userId,"
                    " payload, createdAt, submissionId)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      select_rooms_(db_.get(), "load rooms",
                    "SELECT roomId, hostId, hostName, roomname, maxGuests,"
                    " question, duration, isPublic, status, createdAt,"
                    " startedAt, endsAt, endedAt FROM rooms ORDER BY rowid"),
      select_members_(db_.get(), "load members",
                      "SELECT roomId, userId, username, status,"
                      " violationCount, hasSubmitted, joinedAt, leftAt"
                      " FROM room_users WHERE roomId = ?1 ORDER BY id"),
      select_pending_(db_.get(), "load pending join attempts",
                      "SELECT roomId, userId, username, status, requestedAt,"
                      " decidedAt FROM join_attempts"
                      " WHERE roomId = ?1 AND status = 'PENDING'"
                      " ORDER BY requestedAt, id"),
      select_room_exists_(db_.get(), "room exists",
                          "SELECT 1 FROM rooms WHERE roomId = ?1"),
      select_events_(db_.get(), "load events",
                     (std::string{"SELECT "} + event_columns_sql
                      + " WHERE e.roomId = ?1 AND e.seq > ?2"
                        " ORDER BY e.seq LIMIT ?3")
                       .c_str()),
      select_last_seq_(db_.get(), "last seq",
                       "SELECT seq FROM events WHERE roomId = ?1"
                       " ORDER BY seq DESC LIMIT 1"),
      // Both scan the room's range of the UNIQUE (roomId, userId,
      // idempotencyKey) index in (userId, key) order; keyless rows sort
      // first within a user (NULL) and are skipped there.
      select_submission_keys_(db_.get(), "load submission idempotency keys",
                              "SELECT userId, idempotencyKey, submittedAt"
                              " FROM submissions WHERE roomId = ?1"
                              " AND idempotencyKey IS NOT NULL"
                              " ORDER BY userId, idempotencyKey"),
      select_violation_keys_(db_.get(), "load violation idempotency keys",
                             "SELECT userId, idempotencyKey, timestamp"
                             " FROM violations WHERE roomId = ?1"
                             " AND idempotencyKey IS NOT NULL"
                             " ORDER BY userId, idempotencyKey"),
      replay_(db_.get(), replay_statements::snapshot::caller),
      contests_(db_.get()),
      study_(db_.get()),
      live_(db_.get()) {}

  ~sqlite_backend() override { rollback(); }

  void begin() override { stmt_use(begin_).run(); }

  void commit() override {
    try {
      stmt_use(commit_).run();
    } catch (...) {
      rollback(); // leave no half-open transaction behind
      throw;
    }
  }

  void rollback() noexcept override {
    if (sqlite3_get_autocommit(db_.get())) return; // nothing open
    sqlite3_step(rollback_.get());
    sqlite3_reset(rollback_.get());
  }

  void apply(const write_set& ws) override {
    if (sqlite3_get_autocommit(db_.get()))
      throw store_error("sqlite: apply() outside a transaction (begin() first)");
    stmt_use(savepoint_).run();
    try {
      for (const auto& r : ws.rooms) write(r);
      for (const auto& m : ws.members) write(m);
      for (const auto& j : ws.join_attempts) write(j);
      for (const auto& v : ws.violations) write(v);
      submission_ids_.clear();
      for (const auto& s : ws.submissions) {
        write(s);
        submission_ids_.push_back(sqlite3_last_insert_rowid(db_.get()));
      }
      for (const auto& k : ws.kicks) write(k);
      for (const auto& e : ws.events) write(e);
      contests_.write(ws);
      study_.write(ws);
      live_.write(ws);
      stmt_use(release_).run();
    } catch (const std::exception& e) {
      if (undo_write_set()) throw;
      throw store_error(std::string(e.what())
                        + " (the whole transaction was rolled back)");
    }
  }

  std::vector<room_record> load_rooms() override {
    std::vector<room_record> out;
    stmt_use u(select_rooms_);
    while (u.step()) {
      room_record r;
      r.room_id = u.column_text(0);
      r.host_id = u.column_text(1);
      r.host_name = u.column_text(2);
      r.roomname = u.column_text(3);
      r.max_guests = u.column_int32(4);
      r.question = u.column_text(5);
      r.duration = u.column_int32(6);
      r.is_public = u.column_flag(7);
      r.status = u.column_text(8);
      r.created_at = u.column_int(9);
      r.started_at = u.column_int(10);
      r.ends_at = u.column_int(11);
      r.ended_at = u.column_int(12);
      out.push_back(std::move(r));
    }
    return out;
  }

  std::vector<member_record>
  load_members(const std::string& room_id) override {
    std::vector<member_record> out;
    stmt_use u(select_members_);
    u.text(1, room_id);
    while (u.step()) {
      member_record m;
      m.room_id = u.column_text(0);
      m.user_id = u.column_text(1);
      m.username = u.column_text(2);
      m.status = u.column_text(3);
      m.violation_count = u.column_int32(4);
      m.has_submitted = u.column_flag(5);
      m.joined_at = u.column_int(6);
      m.left_at = u.column_int(7);
      out.push_back(std::move(m));
    }
    return out;
  }

  std::vector<join_attempt_record>
  load_pending_join_attempts(const std::string& room_id) override {
    std::vector<join_attempt_record> out;
    stmt_use u(select_pending_);
    u.text(1, room_id);
    while (u.step()) {
      join_attempt_record j;
      j.room_id = u.column_text(0);
      j.user_id = u.column_text(1);
      j.username = u.column_text(2);
      j.status = u.column_text(3);
      j.requested_at = u.column_int(4);
      j.decided_at = u.column_int(5);
      out.push_back(std::move(j));
    }
    return out;
  }

  bool room_exists(const std::string& room_id) override {
    stmt_use u(select_room_exists_);
    u.text(1, room_id);
    return u.step();
  }

  std::vector<event_record> load_events(const std::string& room_id,
                                        std::int64_t after_seq,
                                        std::size_t limit) override {
    std::vector<event_record> out;
    if (limit == 0) return out;
    // SQLite's LIMIT is a signed 64-bit integer; larger means "all".
    constexpr auto max_limit = static_cast<std::uint64_t>(
      std::numeric_limits<std::int64_t>::max());
    const auto n = static_cast<std::int64_t>(
      std::min<std::uint64_t>(limit, max_limit));
    stmt_use u(select_events_);
    u.text(1, room_id).integer(2, after_seq).integer(3, n);
    while (u.step())
      out.push_back(read_event(u));
    return out;
  }

  replay_page replay(const replay_query& q) override { return replay_.run(q); }

  std::int64_t last_seq(const std::string& room_id) override {
    stmt_use u(select_last_seq_);
    u.text(1, room_id);
    return u.step() ? u.column_int(0) : 0;
  }

  std::vector<idempotency_record>
  load_idempotency_keys(const std::string& room_id) override {
    std::vector<idempotency_record> out;
    read_keys(select_submission_keys_, room_id, "SUBMISSION", out);
    read_keys(select_violation_keys_, room_id, "VIOLATION", out);
    return out;
  }

  std::vector<contest_record> load_contests() override {
    return contests_.load_contests();
  }

  contest_snapshot load_contest(const std::string& contest_id) override {
    return contests_.load_contest(contest_id);
  }

  study_snapshot load_study() override { return study_.load(); }

  live_snapshot load_live() override { return live_.load(); }

  std::vector<live_event_record>
  load_live_events(const live_replay_query& q) override {
    return live_.events(q);
  }

private:
  static void read_keys(statement& s, const std::string& room_id,
                        const char* kind, std::vector<idempotency_record>& out) {
    stmt_use u(s);
    u.text(1, room_id);
    while (u.step()) {
      idempotency_record r;
      r.user_id = u.column_text(0);
      r.kind = kind;
      r.key = u.column_text(1);
      r.at = u.column_int(2);
      out.push_back(std::move(r));
    }
  }

  void write(const room_record& r) {
    stmt_use(upsert_room_)
      .text(1, r.room_id)
      .text(2, r.host_id)
      .text(3, r.host_name)
      .text(4, r.roomname)
      .integer(5, r.max_guests)
      .text(6, r.question)
      .integer(7, r.duration)
      .flag(8, r.is_public)
      .text(9, r.status)
      .time(10, r.created_at)
      .time(11, r.started_at)
      .time(12, r.ends_at)
      .time(13, r.ended_at)
      .run();
  }

  void write(const member_record& m) {
    stmt_use(upsert_member_)
      .text(1, m.room_id)
      .text(2, m.user_id)
      .text(3, m.username)
      .text(4, m.status)
      .integer(5, m.violation_count)
      .flag(6, m.has_submitted)
      .time(7, m.joined_at)
      .time(8, m.left_at)
      .run();
  }

  void write(const join_attempt_record& j) {
    stmt_use(upsert_join_attempt_)
      .text(1, j.room_id)
      .text(2, j.user_id)
      .text(3, j.username)
      .text(4, j.status)
      .integer(5, j.requested_at) // part of the key: never NULL
      .time(6, j.decided_at)
      .run();
  }

  void write(const violation_record& v) {
    stmt_use(insert_violation_)
      .text(1, v.room_id)
      .text(2, v.user_id)
      .text(3, v.type)
      .time(4, v.timestamp)
      .integer(5, v.violation_count)
      .text_or_null(6, v.idempotency_key)
      .run();
    stmt_use(update_violation_count_)
      .text(1, v.room_id)
      .text(2, v.user_id)
      .integer(3, v.violation_count)
      .run(); // a user with no member row: nothing to count in, the row stays
  }

  void write(const submission_record& s) {
    stmt_use(insert_submission_)
      .text(1, s.room_id)
      .text(2, s.user_id)
      .text(3, s.code)
      .text(4, s.language)
      .time(5, s.submitted_at)
      .text_or_null(6, s.idempotency_key)
      .run();
  }

  void write(const kick_record& k) {
    stmt_use(insert_kick_)
      .text(1, k.room_id)
      .text(2, k.user_id)
      .text(3, k.reason)
      .time(4, k.kicked_at)
      .run();
  }

  void write(const event_record& e) {
    stmt_use u(insert_event_);
    u.text(1, e.room_id)
      .integer(2, e.seq)
      .text(3, e.audience)
      .text_or_null(4, e.user_id) // the CHECK wants it set iff USER
      .text(5, e.payload)
      .time(6, e.created_at);
    if (e.submission_index < 0) {
      u.null(7);
    } else if (static_cast<std::size_t>(e.submission_index)
               < submission_ids_.size()) {
      u.integer(7, submission_ids_[static_cast<std::size_t>(e.submission_index)]);
    } else {
      throw store_error("sqlite: insert event: it refers to submission "
                        + std::to_string(e.submission_index)
                        + " of a write set with "
                        + std::to_string(submission_ids_.size()));
    }
    u.run();
  }

  /// Undoes the current write set. True when the enclosing transaction is
  /// still open; false when SQLite had already rolled it back (some I/O and
  /// out-of-memory errors do) or the undo failed, in which case the whole
  /// transaction is rolled back here.
  bool undo_write_set() noexcept {
    if (sqlite3_get_autocommit(db_.get())) return false;
    try {
      stmt_use(rollback_to_).run();
      stmt_use(release_).run();
      return true;
    } catch (...) {
      rollback();
      return false;
    }
  }

  // db_ is declared first so that it is closed after the statements are
  // finalized, and after the checkpointer's own connection: the writer,
  // closing last, checkpoints and removes the WAL.
  db_handle db_;
  checkpointer checkpoints_;
  statement begin_, commit_, rollback_;
  statement savepoint_, release_, rollback_to_;
  statement upsert_room_, upsert_member_, upsert_join_attempt_;
  statement insert_violation_, update_violation_count_;
  statement insert_submission_, insert_kick_;
  statement insert_event_;
  statement select_rooms_, select_members_, select_pending_;
  statement select_room_exists_;
  statement select_events_, select_last_seq_;
  statement select_submission_keys_, select_violation_keys_;
  replay_statements replay_;
  contest_statements contests_;
  study_statements study_;
  live_statements live_;
  /// Row ids of the current write set's submissions, in order.
  std::vector<std::int64_t> submission_ids_;
};

} // namespace

std::unique_ptr<backend> open_sqlite(const std::string& path, sync_mode sync,
                                     payload_converter convert,
                                     checkpoint_limits limits) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
    path.c_str(), &raw,
    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_handle db(raw);
  if (rc != SQLITE_OK)
    throw store_error("sqlite: cannot open '" + path + "': "
                      + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  try {
    configure(db.get(), sync);
    migrate(db.get(), convert);
  } catch (const store_error& e) {
    throw store_error(std::string(e.what()) + " (opening '" + path + "')");
  }
  return std::make_unique<sqlite_backend>(std::move(db), path, sync, limits);
}

} // namespace proctord::persistence
