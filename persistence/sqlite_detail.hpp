#pragma once
// Private to persistence/sqlite_*.cpp: RAII wrappers over the SQLite C API
// and the open-time steps. Not part of the persistence interface.

#include "persistence/backend.hpp"

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace proctord::persistence::sqlite_detail {

// -- RAII wrappers ------------------------------------------------------------

struct db_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using db_handle = std::unique_ptr<sqlite3, db_closer>;

struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

[[noreturn]] inline void fail(sqlite3* db, const std::string& what) {
  throw store_error("sqlite: " + what + ": " + sqlite3_errmsg(db));
}

/// A prepared statement, prepared once and reused. Use it through stmt_use.
class statement {
public:
  statement(sqlite3* db, const char* what, const char* sql)
    : db_(db), what_(what) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                           nullptr)
        != SQLITE_OK)
      fail(db, std::string("prepare ") + what);
    stmt_.reset(s);
  }

  sqlite3_stmt* get() const noexcept { return stmt_.get(); }
  sqlite3* db() const noexcept { return db_; }
  const char* what() const noexcept { return what_; }

private:
  sqlite3* db_;
  const char* what_;
  std::unique_ptr<sqlite3_stmt, stmt_finalizer> stmt_;
};

/// One use of a statement: bind, step, read columns. Resets the statement
/// and clears its bindings when it goes out of scope, also on a throw.
class stmt_use {
public:
  explicit stmt_use(statement& s) noexcept : s_(s), st_(s.get()) {}
  ~stmt_use() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  stmt_use(const stmt_use&) = delete;
  stmt_use& operator=(const stmt_use&) = delete;

  stmt_use& text(int i, const std::string& v) {
    check(sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_STATIC,
                              SQLITE_UTF8));
    return *this;
  }
  stmt_use& integer(int i, std::int64_t v) {
    check(sqlite3_bind_int64(st_, i, v));
    return *this;
  }
  stmt_use& flag(int i, bool v) { return integer(i, v ? 1 : 0); }
  stmt_use& real(int i, double v) {
    check(sqlite3_bind_double(st_, i, v));
    return *this;
  }
  /// Optional text; "" ("none") is bound as NULL.
  stmt_use& text_or_null(int i, const std::string& v) {
    return v.empty() ? null(i) : text(i, v);
  }
  stmt_use& null(int i) {
    check(sqlite3_bind_null(st_, i));
    return *this;
  }
  /// A time; 0 ("not set") is bound as NULL.
  stmt_use& time(int i, millis v) {
    check(v == 0 ? sqlite3_bind_null(st_, i) : sqlite3_bind_int64(st_, i, v));
    return *this;
  }

  /// Steps once: true when a row is available, false when done.
  bool step() {
    switch (sqlite3_step(st_)) {
      case SQLITE_ROW: return true;
      case SQLITE_DONE: return false;
      default: fail(s_.db(), s_.what());
    }
  }
  /// Runs a statement that returns no rows (or whose rows do not matter).
  void run() {
    while (step()) {
    }
  }

  std::string column_text(int i) const {
    const auto* p = sqlite3_column_text(st_, i);
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st_, i));
    return p ? std::string(reinterpret_cast<const char*>(p), n)
             : std::string();
  }
  /// NULL reads as 0.
  std::int64_t column_int(int i) const { return sqlite3_column_int64(st_, i); }
  std::int32_t column_int32(int i) const { return sqlite3_column_int(st_, i); }
  bool column_flag(int i) const { return column_int(i) != 0; }
  /// NULL reads as 0.
  double column_real(int i) const { return sqlite3_column_double(st_, i); }

private:
  void check(int rc) const {
    if (rc != SQLITE_OK) fail(s_.db(), std::string("bind ") + s_.what());
  }

  statement& s_;
  sqlite3_stmt* st_;
};

// -- opening (sqlite_schema.cpp) ----------------------------------------------

/// Sets busy_timeout, journal_mode=WAL, synchronous and foreign_keys, and
/// checks that each took.
void configure(sqlite3* db, sync_mode sync);

/// Creates or migrates the schema to the latest user_version. `convert`
/// turns event payloads of schema version 2 into the current encoding (needed
/// only when such events exist).
void migrate(sqlite3* db, const payload_converter& convert = {});

/// Migrates only up to schema version `target` (tests use it to build a
/// database as an older release left it). Throws for an unknown version.
void migrate(sqlite3* db, int target, const payload_converter& convert = {});

/// The schema version this build creates (the number of migration steps;
/// sqlite_migrations.cpp).
int latest_schema_version() noexcept;

/// The SQL of the migration step that takes a database from `to_version - 1`
/// to `to_version` (1 to latest_schema_version()); throws for another.
const char* migration_script(int to_version);

// -- checkpoints (sqlite_checkpointer.cpp) ------------------------------------

/// Takes over the writer connection's checkpoints from SQLite's
/// autocheckpoint, which copies the WAL into the database file and waits
/// for two fdatasync()s on the thread that committed: the store's, while
/// write sets queue behind it. Here a thread of its own, on a connection of
/// its own, copies the WAL every `wake_frames` new frames (PASSIVE: the
/// writer keeps committing meanwhile). A WAL starts over only after a
/// checkpoint that left nothing behind, which a thread trailing a busy
/// writer never gets; so at `restart_frames` the writer checkpoints itself,
/// copying only what the thread has not. Errors are left for the next try,
/// as SQLite's own autocheckpoint leaves them.
class checkpointer {
public:
  /// Installs itself as `writer`'s WAL hook; the thread starts at the
  /// first wake.
  checkpointer(sqlite3* writer, std::string path, sync_mode sync,
               checkpoint_limits limits);
  /// Removes the hook, then stops and joins the thread.
  ~checkpointer();
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

private:
  static int on_commit(void* self, sqlite3* db, const char* schema,
                       int frames);
  void committed(sqlite3* db, const char* schema, int frames);
  void run();

  sqlite3* writer_;
  std::string path_;
  sync_mode sync_;
  checkpoint_limits limits_;
  int woken_at_ = 0; // the writer's thread only: frames at the last wake
  std::mutex mtx_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
};

// -- the event log (sqlite_replay.cpp) ----------------------------------------

/// The columns of an event_record, in load order, with the user_submitted
/// code and language filled back into the payload from its submission row;
/// `e` is events, `s` the LEFT JOINed submissions.
extern const char* const event_columns_sql;

/// Reads an event_record from the columns of event_columns_sql, from 0.
event_record read_event(const stmt_use& u);

/// The replay query's statements on one connection.
class replay_statements {
public:
  enum class snapshot { caller, own_transaction };
  /// `own_transaction`: wraps the reads in BEGIN ... COMMIT, so that the page
  /// and last_seq_in_log come from one snapshot (the reader connection).
  /// `caller`: runs them as they are (the writer, which is alone).
  replay_statements(sqlite3* db, snapshot mode);
  replay_page run(const replay_query& q);

private:
  sqlite3* db_;
  snapshot mode_;
  statement begin_, end_, select_, last_seq_;
};

// -- contests (sqlite_contests.cpp) -------------------------------------------

/// The contest tables' statements on the writer's connection.
class contest_statements {
public:
  explicit contest_statements(sqlite3* db);

  /// Writes the contest vectors of `ws` in the order contests, questions
  /// (with their options), participants, answers, standings. Runs inside
  /// the caller's savepoint; throws store_error at the first bad row.
  void write(const write_set& ws);

  std::vector<contest_record> load_contests();
  contest_snapshot load_contest(const std::string& contest_id);

private:
  void write(const contest_record& c);
  void write(const contest_question_record& q);
  void write(const contest_participant_record& p);
  void write(const contest_answer_record& a);
  void write(const contest_standing_record& s);

  statement upsert_contest_, insert_question_, insert_option_;
  statement upsert_participant_, insert_answer_, upsert_standing_;
  statement select_contests_, select_contest_, select_questions_;
  statement select_options_, select_participants_, select_answers_;
  statement select_standings_;
};

// -- public study rooms (sqlite_study.cpp) ------------------------------------

/// The public rooms' tables' statements on the writer's connection.
class study_statements {
public:
  explicit study_statements(sqlite3* db);

  /// Writes the public vectors of `ws` in the order users, rooms, members.
  /// Runs inside the caller's savepoint; throws store_error at the first bad
  /// row.
  void write(const write_set& ws);

  study_snapshot load();

private:
  void write(const public_user_record& u);
  void write(const public_room_record& r);
  void write(const public_member_record& m);

  statement insert_user_, upsert_room_, upsert_member_, delete_member_;
  statement select_users_, select_rooms_, select_members_;
};

// -- sessions, exams, recovery (sqlite_live.cpp) ------------------------------

/// The collaborative sessions', exams' and room logs' statements on the
/// writer's connection.
class live_statements {
public:
  explicit live_statements(sqlite3* db);

  /// Writes the live vectors of `ws` in the order sessions, participants,
  /// exams, students, answers, events, pids, then log drops. Runs inside the
  /// caller's savepoint; throws store_error at the first bad row.
  void write(const write_set& ws);

  live_snapshot load();
  std::vector<live_event_record> events(const live_replay_query& q);

private:
  void write(const collab_session_record& s);
  void write(const collab_participant_record& p);
  void write(const exam_record& e);
  void write(const exam_student_record& s);
  void write(const exam_answer_record& a);
  void write(const live_event_record& e);
  void write(const live_pid_record& p);
  void drop(const live_room_seq& r);
  std::vector<live_room_seq> last_seqs();

  statement upsert_session_, upsert_participant_, delete_participant_;
  statement insert_exam_, upsert_student_, upsert_answer_;
  statement insert_event_, upsert_pid_, delete_pid_, drop_log_;
  statement select_sessions_, select_participants_, select_exams_;
  statement select_students_, select_answers_, select_pids_;
  statement select_last_room_, select_room_before_, select_domain_before_;
  statement select_events_;
};

} // namespace proctord::persistence::sqlite_detail
