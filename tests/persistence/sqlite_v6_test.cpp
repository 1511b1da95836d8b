// Schema version 6: the migration from version 5 adds the tables of the
// collaborative sessions, the exams and the Socket.IO recovery (room logs
// and pids), and leaves the rooms, contests and study rooms as they were.
// (Opening goes on to the latest version: sqlite_v7_test.cpp.)

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"

#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

const std::vector<std::string> live_tables = {
  "collab_sessions", "collab_participants", "exams", "exam_students",
  "exam_answers",    "live_events",         "live_pids"};

/// Creates `path` as release 5 left it: schema version 5, in WAL mode, with
/// a room and its host, a contest with a question, and a public room with
/// its member.
void create_v5_database(const std::string& path) {
  create_at_version(path, 5);
  other_connection c(path);
  c.exec("INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
         " question, duration, isPublic, status, createdAt)"
         " VALUES ('R1', 'h1', 'Hannah', 'Interview', 5, 'Q?', 60, 1,"
         " 'LIVE', 1000)");
  c.exec("INSERT INTO room_users (roomId, userId, username, status,"
         " joinedAt) VALUES ('R1', 'h1', 'Hannah', 'APPROVED', 1000)");
  c.exec("INSERT INTO contests (contestId, title, scoring, status,"
         " createdBy, createdAt) VALUES ('C1', 'Weekly', 'speed',"
         " 'UPCOMING', 'admin', 2000)");
  c.exec("INSERT INTO contest_questions (contestId, questionId, position,"
         " text, hasOptions, answer, points, timeLimit) VALUES"
         " ('C1', 'q1', 0, '2 + 2?', 0, '4', 100, 30)");
  c.exec("INSERT INTO public_users VALUES ('pu1', 'Sam', 'ab12', 3000)");
  c.exec("INSERT INTO public_rooms VALUES ('pr1', 'Library', 8, 3000)");
  c.exec("INSERT INTO public_room_members VALUES ('pr1', 'pu1', 3001)");
}

} // namespace

TEST_CASE("a version 5 database opens through version 6 with its rooms contests "
          "and study rooms intact and no sessions or exams") {
  temp_db file;
  create_v5_database(file.path());

  auto db = open_sqlite(file.path()); // no converter: step 6 converts nothing
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version")
        == sqlite_detail::latest_schema_version());
  CHECK(c.column("PRAGMA foreign_key_check").empty());
  CHECK(c.text("PRAGMA integrity_check") == "ok");

  const auto rooms = db->load_rooms();
  REQUIRE(rooms.size() == 1);
  CHECK(rooms[0].status == "LIVE");
  CHECK(db->load_members("R1").size() == 1);
  REQUIRE(db->load_contests().size() == 1);
  CHECK(db->load_contest("C1").questions.size() == 1);
  const auto study = db->load_study();
  CHECK(study.users.size() == 1);
  CHECK(study.rooms.size() == 1);
  REQUIRE(study.members.size() == 1);
  CHECK(study.members[0].joined_at == 3001);

  for (const auto& table : live_tables) {
    INFO(table);
    CHECK(c.integer("SELECT count(*) FROM " + table) == 0);
  }
  CHECK(c.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                  " AND name = 'collab_sessions_open'")
        == 1);
  const auto empty = db->load_live();
  CHECK(empty.sessions.empty());
  CHECK(empty.participants.empty());
  CHECK(empty.exams.empty());
  CHECK(empty.students.empty());
  CHECK(empty.answers.empty());
  CHECK(empty.pids.empty());
  CHECK(empty.seqs.empty());

  // The migrated file takes a session, an exam and a room log.
  write_set ws;
  ws.collab_sessions = {make_session("s1", 5000)};
  ws.collab_participants = {make_collab_participant("s1", "i1", 5000,
                                                    "instructor")};
  ws.exams = {make_exam("e1", 5000)};
  ws.exam_students = {make_student("e1", "st1", 5001)};
  ws.exam_answers = {make_exam_answer("e1", "st1", "q1", 5002)};
  ws.live_events = {make_live_event("exam", "e1", 1)};
  ws.live_pids = {make_pid("p1", "exam", "e1", "st1")};
  commit_one(*db, ws);
  const auto live = db->load_live();
  CHECK(live.sessions.size() == 1);
  CHECK(live.participants.size() == 1);
  CHECK(live.exams.size() == 1);
  CHECK(live.students.size() == 1);
  CHECK(live.answers.size() == 1);
  CHECK(live.pids.size() == 1);
  REQUIRE(live.seqs.size() == 1);
  CHECK(live.seqs[0].seq == 1);
}

TEST_CASE("a file migrated from version 5 opened again is unchanged") {
  temp_db file;
  create_v5_database(file.path());
  open_sqlite(file.path()); // migrates, then closes
  {
    other_connection c(file.path());
    c.exec("INSERT INTO collab_sessions VALUES ('s1', 'i1', 5000, NULL,"
           " NULL)");
    c.exec("INSERT INTO collab_participants VALUES ('s1', 'i1', 'Ines',"
           " 'instructor', 1, 5000)");
    c.exec("INSERT INTO live_events VALUES ('session', 's1', 1, 0, NULL,"
           " 'user-joined', '[{}]', 5001)");
  }
  std::string before;
  {
    other_connection c(file.path());
    before = dump(c);
  }
  CHECK_THAT(before, Catch::Contains(
                       "user_version "
                       + std::to_string(sqlite_detail::latest_schema_version())));
  CHECK_THAT(before, Catch::Contains("table live_pids"));
  CHECK_THAT(before, Catch::Contains("'session','s1',1,0,NULL"));

  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  CHECK(dump(c) == before);
}

TEST_CASE("a failing step 6 leaves the database at version 5") {
  temp_db file;
  create_v5_database(file.path());
  check_step_blocked(file.path(), 6, "live_pids");
  other_connection c(file.path());
  // The step's earlier tables and index were rolled back with it.
  CHECK(c.column("SELECT name FROM sqlite_master WHERE name IN"
                 " ('collab_sessions', 'collab_sessions_open', 'exams',"
                 " 'exam_answers', 'live_events')")
          .empty());
  CHECK(c.integer("SELECT count(*) FROM public_room_members") == 1);
}
