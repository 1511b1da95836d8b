// Schema version 5: the migration from version 4 adds the public study
// rooms' tables and leaves the rooms and the contests as they were.
// (Opening goes on to the latest version: sqlite_v6_test.cpp.)

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"

#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

const std::vector<std::string> study_tables = {
  "public_users", "public_rooms", "public_room_members"};

/// Creates `path` as release 4 left it: schema version 4, in WAL mode, with
/// one room and its host, and one contest with a question and a participant.
void create_v4_database(const std::string& path) {
  create_at_version(path, 4);
  other_connection c(path);
  c.exec("INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
         " question, duration, isPublic, status, createdAt)"
         " VALUES ('R1', 'h1', 'Hannah', 'Interview', 5, 'Q?', 60, 1,"
         " 'WAITING', 1000)");
  c.exec("INSERT INTO room_users (roomId, userId, username, status,"
         " joinedAt) VALUES ('R1', 'h1', 'Hannah', 'APPROVED', 1000)");
  c.exec("INSERT INTO contests (contestId, title, scoring, status,"
         " createdBy, createdAt) VALUES ('C1', 'Weekly', 'speed',"
         " 'UPCOMING', 'admin', 2000)");
  c.exec("INSERT INTO contest_questions (contestId, questionId, position,"
         " text, hasOptions, answer, points, timeLimit) VALUES"
         " ('C1', 'q1', 0, '2 + 2?', 0, '4', 100, 30)");
  c.exec("INSERT INTO contest_participants (contestId, userId, username,"
         " joinedAt) VALUES ('C1', 'u1', 'Pat', 2500)");
}

} // namespace

TEST_CASE("a version 4 database opens through version 5 with its rooms "
          "and contests intact and no public rooms") {
  temp_db file;
  create_v4_database(file.path());

  auto db = open_sqlite(file.path()); // no converter: step 5 converts nothing
  other_connection c(file.path());
  // through 5, then on to the latest version.
  CHECK(c.integer("PRAGMA user_version")
        == sqlite_detail::latest_schema_version());
  CHECK(c.column("PRAGMA foreign_key_check").empty());
  CHECK(c.text("PRAGMA integrity_check") == "ok");

  const auto rooms = db->load_rooms();
  REQUIRE(rooms.size() == 1);
  CHECK(rooms[0].room_id == "R1");
  CHECK(rooms[0].is_public);
  CHECK(db->load_members("R1").size() == 1);
  const auto contests = db->load_contests();
  REQUIRE(contests.size() == 1);
  CHECK(contests[0].title == "Weekly");
  const auto contest = db->load_contest("C1");
  CHECK(contest.questions.size() == 1);
  REQUIRE(contest.participants.size() == 1);
  CHECK(contest.participants[0].joined_at == 2500);

  for (const auto& table : study_tables) {
    INFO(table);
    CHECK(c.integer("SELECT count(*) FROM " + table) == 0);
  }
  CHECK(c.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                  " AND name = 'public_users_address'")
        == 1);
  const auto empty = db->load_study();
  CHECK(empty.users.empty());
  CHECK(empty.rooms.empty());
  CHECK(empty.members.empty());

  // The migrated file takes public rooms.
  write_set ws;
  ws.public_users.push_back(make_public_user("pu1", 5000));
  ws.public_rooms.push_back(make_public_room("pr1", 5000));
  ws.public_members.push_back(make_public_member("pr1", "pu1", 5001));
  commit_one(*db, ws);
  const auto study = db->load_study();
  CHECK(study.users.size() == 1);
  CHECK(study.rooms.size() == 1);
  CHECK(study.members.size() == 1);
}

TEST_CASE("a file migrated from version 4 opened again is unchanged") {
  temp_db file;
  create_v4_database(file.path());
  open_sqlite(file.path()); // migrates, then closes
  {
    other_connection c(file.path());
    c.exec("INSERT INTO public_users VALUES ('pu1', 'Sam', 'ab12', 5000)");
    c.exec("INSERT INTO public_rooms VALUES ('pr1', 'Library', 8, 5000)");
    c.exec("INSERT INTO public_room_members VALUES ('pr1', 'pu1', 5001)");
  }
  std::string before;
  {
    other_connection c(file.path());
    before = dump(c);
  }
  const auto latest = sqlite_detail::latest_schema_version();
  CHECK_THAT(before,
             Catch::Contains("user_version " + std::to_string(latest)));
  CHECK_THAT(before, Catch::Contains("table public_room_members"));
  CHECK_THAT(before, Catch::Contains("'pr1','pu1',5001"));

  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  CHECK(dump(c) == before);
}

TEST_CASE("a failing step 5 leaves the database at version 4") {
  temp_db file;
  create_v4_database(file.path());
  check_step_blocked(file.path(), 5, "public_room_members");
  other_connection c(file.path());
  // The step's earlier tables and index were rolled back with it.
  CHECK(c.column("SELECT name FROM sqlite_master WHERE name IN"
                 " ('public_users', 'public_rooms', 'public_users_address')")
          .empty());
  CHECK(c.integer("SELECT count(*) FROM contests") == 1);
}
