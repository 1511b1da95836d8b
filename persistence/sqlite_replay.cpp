// Reading a room's event log for a replay: the audience filter in SQL, the
// count and byte bounds, and the read-only connection of the store reader.

#include "persistence/sqlite_detail.hpp"

#include <sqlite3.h>

#include <exception>
#include <memory>
#include <string>
#include <utility>

namespace proctord::persistence::sqlite_detail {

// A user_submitted event keeps no code in the log: its submissionId names
// the row that does, and json_set puts "code" and "language" back into "d"
// (the event log encoding of protocol/README.md). Other rows come as stored.
const char* const event_columns_sql =
  "e.roomId, e.seq, e.audience, e.userId,"
  " CASE WHEN e.submissionId IS NULL THEN e.payload"
  " ELSE json_set(e.payload, '$.d.code', s.code, '$.d.language', s.language)"
  " END, e.createdAt"
  " FROM events AS e LEFT JOIN submissions AS s ON s.id = e.submissionId";

event_record read_event(const stmt_use& u) {
  event_record e;
  e.room_id = u.column_text(0);
  e.seq = u.column_int(1);
  e.audience = u.column_text(2);
  e.user_id = u.column_text(3); // NULL reads as ""
  e.payload = u.column_text(4);
  e.created_at = u.column_int(5);
  return e;
}

namespace {

// The rule of room_detail::addressed_to, as a WHERE clause. ?3 user,
// ?4 is_host, ?5 was_member. The scan is events_room_seq's range
// (roomId = ?1, seq > ?2), in seq order; each row is read by its id.
const std::string replay_sql
  = std::string{"SELECT "} + event_columns_sql
    + " WHERE e.roomId = ?1 AND e.seq > ?2 AND (e.audience = 'EVERYONE'"
      " OR (e.audience = 'HOST' AND ?4)"
      " OR (e.audience = 'USER' AND e.userId = ?3)"
      " OR (e.audience = 'MEMBERS' AND (?4 OR ?5)))"
      " ORDER BY e.seq LIMIT ?6";

} // namespace

replay_statements::replay_statements(sqlite3* db, snapshot mode)
  : db_(db),
    mode_(mode),
    begin_(db, "begin replay", "BEGIN"),
    end_(db, "end replay", "COMMIT"),
    select_(db, "replay events", replay_sql.c_str()),
    last_seq_(db, "replay last seq",
              "SELECT seq FROM events WHERE roomId = ?1"
              " ORDER BY seq DESC LIMIT 1") {}

replay_page replay_statements::run(const replay_query& q) {
  const bool own = mode_ == snapshot::own_transaction;
  if (own)
    stmt_use(begin_).run();
  try {
    replay_page page;
    {
      stmt_use u(last_seq_);
      u.text(1, q.room_id);
      page.last_seq_in_log = u.step() ? u.column_int(0) : 0;
    }
    stmt_use u(select_);
    // One more than asked: its presence says the page is not complete.
    u.text(1, q.room_id)
      .integer(2, q.after_seq)
      .text(3, q.user_id)
      .flag(4, q.is_host)
      .flag(5, q.was_member)
      .integer(6, static_cast<std::int64_t>(q.max_events) + 1);
    std::uint64_t bytes = 0;
    while (u.step()) {
      auto e = read_event(u);
      if (page.events.size() == q.max_events
          || e.payload.size() > q.max_bytes - bytes) {
        page.complete = false;
        break;
      }
      bytes += e.payload.size();
      page.events.push_back(std::move(e));
    }
    if (own)
      stmt_use(end_).run();
    return page;
  } catch (...) {
    if (own && !sqlite3_get_autocommit(db_))
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

namespace {

class sqlite_reader final : public event_reader {
public:
  explicit sqlite_reader(db_handle db)
    : db_(std::move(db)),
      replay_(db_.get(), replay_statements::snapshot::own_transaction) {}

  replay_page replay(const replay_query& q) override { return replay_.run(q); }

private:
  db_handle db_; // declared first: closed after the statements are finalized
  replay_statements replay_;
};

std::string pragma_text(sqlite3* db, const char* sql) {
  statement s(db, sql, sql);
  stmt_use u(s);
  return u.step() ? u.column_text(0) : std::string();
}

} // namespace

} // namespace proctord::persistence::sqlite_detail

namespace proctord::persistence {

std::unique_ptr<event_reader> open_sqlite_reader(const std::string& path) {
  using namespace sqlite_detail;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  db_handle db(raw);
  if (rc != SQLITE_OK)
    throw store_error("sqlite: cannot open '" + path + "' to read: "
                      + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  try {
    if (sqlite3_busy_timeout(db.get(), 5000) != SQLITE_OK)
      fail(db.get(), "busy_timeout");
    // A read-only connection cannot switch the mode; the writer set it.
    const auto mode = pragma_text(db.get(), "PRAGMA journal_mode");
    if (mode != "wal")
      throw store_error("sqlite: the database is not in WAL mode ('" + mode
                        + "'); open it with open_sqlite first");
    const auto version = pragma_text(db.get(), "PRAGMA user_version");
    if (version != std::to_string(latest_schema_version()))
      throw store_error("sqlite: schema version " + version + ", expected "
                        + std::to_string(latest_schema_version())
                        + "; open it with open_sqlite first");
    return std::make_unique<sqlite_reader>(std::move(db));
  } catch (const store_error& e) {
    throw store_error(std::string(e.what()) + " (reading '" + path + "')");
  }
}

} // namespace proctord::persistence
