#pragma once
// Shared by the test suites that look at a real SQLite file: unique
// temporary database paths, and a second plain sqlite3 connection.

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::test {

/// A unique path under $PROCTORD_TEST_TMP (or the system's temp directory);
/// the file and its SQLite companions are removed at the end of the test.
class temp_file {
public:
  explicit temp_file(std::string_view prefix) {
    namespace fs = std::filesystem;
    const char* env = std::getenv("PROCTORD_TEST_TMP");
    const fs::path dir = env && *env ? fs::path(env) : fs::temp_directory_path();
    fs::create_directories(dir);
    static unsigned counter = 0;
    path_ = (dir
             / (std::string{prefix} + "-" + std::to_string(::getpid()) + "-"
                + std::to_string(++counter) + "-"
                + std::to_string(std::random_device{}()) + ".db"))
              .string();
  }
  ~temp_file() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path_ + suffix, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// A second connection to a database file: sees only what was committed.
class sqlite_probe {
public:
  explicit sqlite_probe(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr)
            == SQLITE_OK);
  }
  ~sqlite_probe() { sqlite3_close_v2(db_); }
  sqlite_probe(const sqlite_probe&) = delete;
  sqlite_probe& operator=(const sqlite_probe&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    INFO(sql << ": " << msg);
    REQUIRE(rc == SQLITE_OK);
  }

  /// The first column of every row, as text ("NULL" for NULL).
  std::vector<std::string> column(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr)
            == SQLITE_OK);
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(st, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(st);
    REQUIRE(rc == SQLITE_DONE);
    return out;
  }

  /// SQLite's plan for `query`: each step's detail, joined by ';'.
  std::string plan(const std::string& query) {
    sqlite3_stmt* st = nullptr;
    const auto sql = "EXPLAIN QUERY PLAN " + query;
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr)
            == SQLITE_OK);
    std::string out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(st, 3); // id, parent, notused, detail
      out.append(t ? reinterpret_cast<const char*>(t) : "").append(";");
    }
    sqlite3_finalize(st);
    REQUIRE(rc == SQLITE_DONE); // a plan cut short is no plan
    return out;
  }

private:
  sqlite3* db_ = nullptr;
};

/// Makes one kind of write fail on a real database file, for as long as it
/// lives: a trigger `BEFORE <operation> ON <table>` that raises
/// ABORT(message). The store's write set that touches the table fails (the
/// store answers STORE_UNAVAILABLE) while the others of its batch commit.
/// Created and dropped through a connection of its own; the store's
/// prepared statements re-prepare themselves after the schema change.
///
///   failing_trigger t(file.path(), "room_users", "INSERT");
class failing_trigger {
public:
  failing_trigger(const std::string& path, const std::string& table,
                  const std::string& operation, // INSERT | UPDATE | DELETE
                  const std::string& message = "injected failure")
    : path_(path), name_("proctord_test_fail_" + table + "_" + operation) {
    REQUIRE((operation == "INSERT" || operation == "UPDATE"
             || operation == "DELETE"));
    REQUIRE(message.find('\'') == std::string::npos);
    exec("CREATE TRIGGER " + name_ + " BEFORE " + operation + " ON " + table
         + " BEGIN SELECT RAISE(ABORT, '" + message + "'); END");
  }
  ~failing_trigger() { exec("DROP TRIGGER IF EXISTS " + name_); }
  failing_trigger(const failing_trigger&) = delete;
  failing_trigger& operator=(const failing_trigger&) = delete;

private:
  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_busy_timeout(db, 5000); // the store may be committing
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    const std::string msg = sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    if (rc != SQLITE_OK)
      FAIL_CHECK(sql << ": " << msg); // no REQUIRE: may run in a destructor
  }

  std::string path_;
  std::string name_;
};

} // namespace proctord::test
