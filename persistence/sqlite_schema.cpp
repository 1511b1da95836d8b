// Migrations and connection settings of the SQLite backend; the scripts of
// the migration steps are in sqlite_migrations.cpp.

#include "persistence/sqlite_detail.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace proctord::persistence::sqlite_detail {
namespace {

// -- helpers used while opening (not on the hot path) ------------------------

void exec(sqlite3* db, const std::string& sql, const char* what) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw store_error("sqlite: " + std::string(what) + ": " + msg);
  }
}

std::string query_text(sqlite3* db, const char* sql) {
  statement s(db, sql, sql);
  stmt_use u(s);
  return u.step() ? u.column_text(0) : std::string();
}

std::int64_t query_int(sqlite3* db, const char* sql) {
  statement s(db, sql, sql);
  stmt_use u(s);
  return u.step() ? u.column_int(0) : -1;
}

// -- step 3: converting the stored events ------------------------------------

/// Rewrites every events.payload with `convert`. Pages by key, so that no row
/// is updated under a running SELECT of the same table. A row that cannot be
/// converted fails the migration (its transaction rolls back and the file
/// stays at version 2): a log that silently lost an event would replay a
/// gap, and an unreadable one could not be replayed at all.
void convert_event_payloads(sqlite3* db, const payload_converter& convert) {
  constexpr int page_rows = 64; // bounds memory: a payload can hold 1 MiB of code
  statement page(db, "read events to convert",
                 "SELECT roomId, seq, payload FROM events"
                 " WHERE (roomId, seq) > (?1, ?2) ORDER BY roomId, seq"
                 " LIMIT ?3");
  statement update(db, "convert event",
                   "UPDATE events SET payload = ?3"
                   " WHERE roomId = ?1 AND seq = ?2");
  struct row {
    std::string room;
    std::int64_t seq;
    std::string payload;
  };
  std::string after_room;
  std::int64_t after_seq = 0;
  std::size_t converted = 0, failed = 0;
  std::string examples;
  for (;;) {
    std::vector<row> rows;
    {
      stmt_use u(page);
      u.text(1, after_room).integer(2, after_seq).integer(3, page_rows);
      while (u.step())
        rows.push_back({u.column_text(0), u.column_int(1), u.column_text(2)});
    }
    if (rows.empty())
      break;
    if (!convert)
      throw store_error("sqlite: migrate to schema version 3: the event log"
                        " holds events and no payload converter was given");
    for (const auto& r : rows) {
      std::optional<std::string> out;
      try {
        out = convert(r.payload);
      } catch (...) {
      }
      if (!out) {
        if (++failed <= 5)
          examples += (examples.empty() ? "" : ", ") + r.room + "/"
                      + std::to_string(r.seq);
        continue;
      }
      stmt_use(update).text(1, r.room).integer(2, r.seq).text(3, *out).run();
      ++converted;
    }
    after_room = rows.back().room;
    after_seq = rows.back().seq;
  }
  if (failed > 0)
    throw store_error("sqlite: migrate to schema version 3: "
                      + std::to_string(failed) + " of "
                      + std::to_string(failed + converted)
                      + " stored events cannot be converted (room/seq: "
                      + examples + (failed > 5 ? ", ..." : "")
                      + "); the file is left at version 2");
}

/// Links each converted user_submitted event to the submission it
/// announced (same room, user, time, code and language) and drops the copy
/// of the code from its payload. An event without such a row keeps its
/// code: nothing is lost, it is only stored twice.
constexpr const char* link_submissions_sql = R"sql(
UPDATE events SET submissionId = (
  SELECT s.id FROM submissions AS s
  WHERE s.roomId = events.roomId
    AND s.userId = json_extract(events.payload, '$.d.user_id')
    AND s.submittedAt IS NULLIF(json_extract(events.payload, '$.d.submission_time'), 0)
    AND s.code = json_extract(events.payload, '$.d.code')
    AND s.language = json_extract(events.payload, '$.d.language')
  ORDER BY s.id LIMIT 1)
WHERE json_extract(payload, '$.t') = 'user_submitted';
UPDATE events SET payload = json_remove(payload, '$.d.code', '$.d.language')
WHERE submissionId IS NOT NULL;
)sql";

/// What runs after the SQL of the step that reaches `version`.
void after_step(sqlite3* db, int version, const payload_converter& convert) {
  if (version == 3) {
    convert_event_payloads(db, convert);
    exec(db, link_submissions_sql, "link user_submitted events");
  }
}

} // namespace

void configure(sqlite3* db, sync_mode sync) {
  if (sqlite3_busy_timeout(db, 5000) != SQLITE_OK) fail(db, "busy_timeout");

  const auto mode = query_text(db, "PRAGMA journal_mode=WAL");
  if (mode != "wal")
    throw store_error("sqlite: cannot enable WAL (journal_mode is '" + mode
                      + "')");

  const bool full = sync == sync_mode::full;
  exec(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
       "set synchronous");
  if (query_int(db, "PRAGMA synchronous") != (full ? 2 : 1))
    throw store_error("sqlite: the synchronous setting did not take");

  exec(db, "PRAGMA foreign_keys=ON", "enable foreign keys");
  if (query_int(db, "PRAGMA foreign_keys") != 1)
    throw store_error("sqlite: foreign keys are not supported by this build");
}

void migrate(sqlite3* db, const payload_converter& convert) {
  migrate(db, latest_schema_version(), convert);
}

/// Brings the schema to `target` (at most latest_schema_version()). Reads
/// user_version inside the write transaction, so two processes opening a new
/// file do not both migrate it. A database already at or past `target` is
/// left as it is.
void migrate(sqlite3* db, int target, const payload_converter& convert) {
  const int schema_version = latest_schema_version();
  if (target < 0 || target > schema_version)
    throw store_error("sqlite: no schema version " + std::to_string(target));
  exec(db, "BEGIN IMMEDIATE", "begin migration");
  try {
    const auto current = query_int(db, "PRAGMA user_version");
    if (current > schema_version)
      throw store_error("sqlite: database schema version "
                        + std::to_string(current)
                        + " is newer than this build supports ("
                        + std::to_string(schema_version) + ")");
    for (auto v = current; v < target; ++v) {
      exec(db, migration_script(static_cast<int>(v + 1)),
           ("migrate to schema version " + std::to_string(v + 1)).c_str());
      after_step(db, static_cast<int>(v + 1), convert);
    }
    if (current < target)
      exec(db, "PRAGMA user_version=" + std::to_string(target),
           "set user_version");
    exec(db, "COMMIT", "commit migration");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

} // namespace proctord::persistence::sqlite_detail
