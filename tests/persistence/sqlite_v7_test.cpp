// Schema version 7: the migration from version 6 gives violations and
// submissions one UNIQUE (roomId, userId, idempotencyKey) index each
// instead of a plain (roomId, userId) index and a partial UNIQUE one, and
// keeps every row. (The key rules themselves, tested at the latest
// version: sqlite_v2_test.cpp.)

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"

#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

/// Creates `path` as release 6 left it: schema version 6, in WAL mode, with
/// a room, keyed and keyless violations and submissions of one user, and a
/// keyed violation of another.
void create_v6_database(const std::string& path) {
  create_at_version(path, 6);
  other_connection c(path);
  c.exec("INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
         " question, duration, isPublic, status, createdAt)"
         " VALUES ('R1', 'h1', 'Hannah', 'Interview', 5, 'Q?', 60, 1,"
         " 'LIVE', 1000)");
  c.exec("INSERT INTO violations (roomId, userId, type, timestamp,"
         " violationCount, idempotencyKey) VALUES"
         " ('R1', 'u1', 'TAB_SWITCH', 2000, 1, 'v-1'),"
         " ('R1', 'u1', 'TAB_SWITCH', 2100, 2, NULL),"
         " ('R1', 'u1', 'FULLSCREEN_EXIT', 2200, 3, NULL),"
         " ('R1', 'u2', 'TAB_SWITCH', 2300, 1, 'v-1')");
  c.exec("INSERT INTO submissions (roomId, userId, code, language,"
         " submittedAt, idempotencyKey) VALUES"
         " ('R1', 'u1', 'a', 'cpp', 3000, 's-1'),"
         " ('R1', 'u1', 'b', 'cpp', 3100, NULL),"
         " ('R1', 'u1', 'c', 'cpp', 3200, NULL)");
}

std::vector<std::string> indexes_of(other_connection& c, const std::string& table) {
  return c.column("SELECT name FROM sqlite_master WHERE type = 'index'"
                  " AND tbl_name = '" + table + "' ORDER BY name");
}

} // namespace

TEST_CASE("a version 6 database opens as version 7 with one index per "
          "user and key, and every violation and submission kept") {
  temp_db file;
  create_v6_database(file.path());
  const auto latest = sqlite_detail::latest_schema_version();
  REQUIRE(latest >= 7);

  auto db = open_sqlite(file.path()); // no converter: step 7 converts nothing
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == latest);
  CHECK(c.text("PRAGMA integrity_check") == "ok");
  CHECK(indexes_of(c, "violations")
        == std::vector<std::string>{"violations_user_key"});
  CHECK(indexes_of(c, "submissions")
        == std::vector<std::string>{"submissions_user_key"});
  CHECK(c.column("SELECT userId || '/' || coalesce(idempotencyKey, 'NULL')"
                 " || '@' || timestamp FROM violations ORDER BY id")
        == std::vector<std::string>{"u1/v-1@2000", "u1/NULL@2100",
                                    "u1/NULL@2200", "u2/v-1@2300"});
  CHECK(c.integer("SELECT count(*) FROM submissions") == 3);

  // The keys a restored room loads come from the new index, in order.
  const auto keys = db->load_idempotency_keys("R1");
  std::vector<std::string> got;
  for (const auto& k : keys)
    got.push_back(k.kind + ":" + k.user_id + "/" + k.key);
  CHECK(got == std::vector<std::string>{"SUBMISSION:u1/s-1", "VIOLATION:u1/v-1",
                                        "VIOLATION:u2/v-1"});
  const auto plan = c.plan("SELECT userId, idempotencyKey, timestamp"
                               " FROM violations WHERE roomId = 'R1'"
                               " AND idempotencyKey IS NOT NULL"
                               " ORDER BY userId, idempotencyKey");
  CHECK_THAT(plan, Catch::Contains("violations_user_key"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
  CHECK_THAT(c.plan("SELECT id FROM submissions WHERE roomId = 'R1'"
                        " AND userId = 'u1'"),
             Catch::Contains("submissions_user_key"));

  // The migrated file still refuses a user's key twice, and still takes
  // keyless rows and another user's same key.
  write_set dup;
  violation_record v;
  v.room_id = "R1";
  v.user_id = "u1";
  v.type = "TAB_SWITCH";
  v.timestamp = 4000;
  v.violation_count = 4;
  v.idempotency_key = "v-1";
  dup.violations = {v};
  db->begin();
  CHECK_THROWS_WITH(db->apply(dup), Catch::Contains("UNIQUE"));
  db->rollback();
  write_set more;
  v.idempotency_key = "";
  more.violations = {v, v};
  v.user_id = "u3";
  v.idempotency_key = "v-1";
  more.violations.push_back(v);
  commit_one(*db, more);
  CHECK(c.integer("SELECT count(*) FROM violations") == 7);
  CHECK(c.integer("SELECT count(*) FROM violations"
                  " WHERE idempotencyKey IS NULL") == 4);
}

TEST_CASE("a failing step 7 leaves the database at version 6 with its "
          "indexes") {
  temp_db file;
  create_v6_database(file.path());
  check_step_blocked(file.path(), 7, "submissions_user_key");
  other_connection c(file.path());
  // The step's drops and its first CREATE were rolled back with it.
  CHECK(indexes_of(c, "violations")
        == std::vector<std::string>{"violations_idempotency",
                                    "violations_room_user"});
  CHECK(indexes_of(c, "submissions")
        == std::vector<std::string>{"submissions_idempotency",
                                    "submissions_room_user"});
  CHECK(c.integer("SELECT count(*) FROM violations") == 4);
}
