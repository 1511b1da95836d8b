// Schema version 4: the migration from version 3 adds the contest tables
// and leaves the rooms, their members and their event log as they were.
// (Opening goes on to the latest version: sqlite_v5_test.cpp and later.)

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"

#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

const std::vector<std::string> contest_tables = {
  "contests",         "contest_questions",   "contest_question_options",
  "contest_participants", "contest_answers", "contest_standings"};

/// Creates `path` as release 3 left it: schema version 3, in WAL mode, with
/// one room, its host and a guest, a submission and two logged events.
void create_v3_database(const std::string& path) {
  create_at_version(path, 3);
  other_connection c(path);
  c.exec("INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
         " question, duration, isPublic, status, createdAt, startedAt)"
         " VALUES ('R1', 'h1', 'Hannah', 'Interview', 5, 'Q?', 60, 0, 'LIVE',"
         " 1000, 2000)");
  c.exec("INSERT INTO room_users (roomId, userId, username, status,"
         " violationCount, hasSubmitted, joinedAt) VALUES"
         " ('R1', 'h1', 'Hannah', 'APPROVED', 0, 0, 1000),"
         " ('R1', 'p1', 'Pat', 'APPROVED', 2, 1, 1500)");
  c.exec("INSERT INTO submissions (id, roomId, userId, code, language,"
         " submittedAt, idempotencyKey) VALUES"
         " (1, 'R1', 'p1', 'int main() {}', 'cpp', 3000, 'k1')");
  c.exec("INSERT INTO events (roomId, seq, audience, userId, payload,"
         " createdAt, submissionId) VALUES"
         " ('R1', 1, 'EVERYONE', NULL, '{\"v\":1,\"t\":\"room_started\"}',"
         " 2000, NULL),"
         " ('R1', 2, 'HOST', NULL, '{\"v\":1,\"t\":\"user_submitted\","
         "\"d\":{}}', 3000, 1)");
}

} // namespace

TEST_CASE("a version 3 database opens through version 4 with its rooms intact "
          "and no contests") {
  temp_db file;
  create_v3_database(file.path());

  auto db = open_sqlite(file.path()); // no converter: step 4 converts nothing
  other_connection c(file.path());
  // through 4, then on to the latest version.
  CHECK(c.integer("PRAGMA user_version")
        == sqlite_detail::latest_schema_version());
  CHECK(c.column("PRAGMA foreign_key_check").empty());
  CHECK(c.text("PRAGMA integrity_check") == "ok");

  const auto rooms = db->load_rooms();
  REQUIRE(rooms.size() == 1);
  CHECK(rooms[0].room_id == "R1");
  CHECK(rooms[0].status == "LIVE");
  CHECK(rooms[0].started_at == 2000);
  const auto members = db->load_members("R1");
  REQUIRE(members.size() == 2);
  CHECK(members[1].violation_count == 2);
  CHECK(members[1].has_submitted);
  const auto keys = db->load_idempotency_keys("R1");
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].key == "k1");
  const auto events = db->load_events("R1", 0, 10);
  REQUIRE(events.size() == 2);
  // The user_submitted event still gets its code back from its submission.
  CHECK_THAT(events[1].payload, Catch::Contains("int main() {}"));

  for (const auto& table : contest_tables) {
    INFO(table);
    CHECK(c.integer("SELECT count(*) FROM " + table) == 0);
  }
  CHECK(db->load_contests().empty());
  CHECK_THROWS_AS(db->load_contest("C1"), store_error);

  // The migrated file takes contests.
  write_set ws;
  contest_record contest;
  contest.contest_id = "C1";
  contest.title = "Weekly";
  contest.scoring = "speed";
  contest.status = "UPCOMING";
  contest.created_by = "admin";
  contest.created_at = 5000;
  ws.contests.push_back(contest);
  commit_one(*db, ws);
  CHECK(db->load_contests().size() == 1);
}

TEST_CASE("a file migrated from version 3 opened again is unchanged") {
  temp_db file;
  create_v3_database(file.path());
  open_sqlite(file.path()); // migrates, then closes
  std::string before;
  {
    other_connection c(file.path());
    before = dump(c);
  }
  const auto latest = sqlite_detail::latest_schema_version();
  CHECK_THAT(before,
             Catch::Contains("user_version " + std::to_string(latest)));
  CHECK_THAT(before, Catch::Contains("table contest_answers"));

  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  CHECK(dump(c) == before);
}

TEST_CASE("a failing step 4 leaves the database at version 3") {
  temp_db file;
  create_v3_database(file.path());
  check_step_blocked(file.path(), 4, "contest_standings");
  other_connection c(file.path());
  // The step's earlier tables were rolled back with it.
  CHECK(c.column("SELECT name FROM sqlite_master WHERE name = 'contests'")
          .empty());
  CHECK(c.integer("SELECT count(*) FROM rooms") == 1);
}
