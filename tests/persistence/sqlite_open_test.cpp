// Opening the SQLite store: schema, migrations, connection settings, errors.
// A second, plain sqlite3 connection plays "someone else looking at the file".

#include "sqlite_test_support.hpp"

#include <chrono>
#include <fstream>
#include <thread>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

TEST_CASE("open creates the schema at user_version 8") {
  temp_db file;
  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == 8);
  CHECK(columns_of(c, "rooms")
        == "roomId,hostId,hostName,roomname,maxGuests,question,duration,"
           "isPublic,status,createdAt,startedAt,endsAt,endedAt");
  CHECK(columns_of(c, "room_users")
        == "id,roomId,userId,username,status,violationCount,hasSubmitted,"
           "joinedAt,leftAt");
  CHECK(columns_of(c, "violations")
        == "id,roomId,userId,type,timestamp,violationCount,idempotencyKey");
  CHECK(columns_of(c, "submissions")
        == "id,roomId,userId,code,language,submittedAt,idempotencyKey");
  CHECK(columns_of(c, "join_attempts")
        == "id,roomId,userId,username,status,requestedAt,decidedAt");
  CHECK(columns_of(c, "kick_events") == "id,roomId,userId,reason,kickedAt");
  CHECK(columns_of(c, "events")
        == "id,roomId,seq,audience,userId,payload,createdAt,submissionId");
  CHECK(columns_of(c, "contests")
        == "contestId,title,scoring,freezeBeforeEnd,status,createdBy,"
           "createdAt,startAt,startedAt,pausedAt,pausedTotalMs,endedAt");
  CHECK(columns_of(c, "contest_questions")
        == "contestId,questionId,position,text,hasOptions,answer,points,"
           "timeLimit");
  CHECK(columns_of(c, "contest_question_options")
        == "contestId,questionId,position,text");
  CHECK(columns_of(c, "contest_participants")
        == "contestId,userId,username,joinedAt");
  CHECK(columns_of(c, "contest_answers")
        == "id,contestId,userId,questionId,answer,correct,points,elapsedMs,"
           "totalScore,idempotencyKey,submittedAt");
  CHECK(columns_of(c, "contest_standings")
        == "contestId,userId,username,rank,score,timeMs");
  CHECK(columns_of(c, "public_users")
        == "userId,userName,addressHash,createdAt");
  CHECK(columns_of(c, "public_rooms") == "roomId,name,capacity,createdAt");
  CHECK(columns_of(c, "public_room_members") == "roomId,userId,joinedAt");
  CHECK(columns_of(c, "collab_sessions")
        == "sessionId,createdBy,createdAt,closedAt,closeReason");
  CHECK(columns_of(c, "collab_participants")
        == "sessionId,userId,name,role,isActive,joinedAt");
  CHECK(columns_of(c, "exams")
        == "examId,title,durationS,questionCount,createdBy,createdAt");
  CHECK(columns_of(c, "exam_students")
        == "examId,studentId,name,sessionId,status,answeredCount,"
           "lastQuestionId,timeSpent,startedAt,endsAt,lastSeenAt,endedAt,"
           "submissionType,finalScore,deviceInfo,networkInfo");
  CHECK(columns_of(c, "exam_answers")
        == "examId,studentId,questionId,answer,timeSpent,savedAt");
  CHECK(columns_of(c, "live_events")
        == "domain,roomId,seq,audience,userId,name,args,at");
  CHECK(columns_of(c, "live_pids")
        == "pid,domain,roomId,userId,sid,monitor,disconnectedAt");
  CHECK(db->load_rooms().empty());
  CHECK(db->load_contests().empty());
  CHECK(db->load_study().users.empty());
  CHECK(db->load_live().exams.empty());
}

TEST_CASE("the database is in WAL mode as seen by another connection") {
  temp_db file;
  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  CHECK(c.text("PRAGMA journal_mode") == "wal");
}

TEST_CASE("reopening an existing database is idempotent and keeps its data") {
  temp_db file;
  const auto room = make_room("r1");
  {
    auto db = open_sqlite(file.path());
    write_set ws;
    ws.rooms.push_back(room);
    ws.members.push_back(make_member("r1", "u1"));
    commit_one(*db, ws);
  }
  for (int i = 0; i < 2; ++i) {
    auto db = open_sqlite(file.path(), sync_mode::full);
    const auto rooms = db->load_rooms();
    REQUIRE(rooms.size() == 1);
    check_same(rooms[0], room);
    CHECK(db->load_members("r1").size() == 1);
  }
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == 8);
}

TEST_CASE("the sync mode sets PRAGMA synchronous on the store's connection") {
  temp_db file;
  SECTION("full") {
    connection_spy spy;
    auto db = open_sqlite(file.path(), sync_mode::full);
    CHECK(spy.pragma("synchronous") == 2);
    CHECK(spy.pragma("foreign_keys") == 1);
    CHECK(spy.pragma("busy_timeout") == 5000);
  }
  SECTION("normal") {
    connection_spy spy;
    auto db = open_sqlite(file.path(), sync_mode::normal);
    CHECK(spy.pragma("synchronous") == 1);
  }
}

TEST_CASE("open throws store_error when it cannot use the path") {
  temp_db file;
  SECTION("a directory that does not exist") {
    CHECK_THROWS_AS(open_sqlite(file.path() + ".missing/x.db"), store_error);
  }
  SECTION("a directory") {
    fs::create_directory(file.path());
    CHECK_THROWS_AS(open_sqlite(file.path()), store_error);
    fs::remove(file.path());
  }
  SECTION("a file that is not a database") {
    std::ofstream(file.path()) << std::string(4096, 'x');
    CHECK_THROWS_AS(open_sqlite(file.path()), store_error);
  }
}

TEST_CASE("open refuses a database from a newer schema version") {
  temp_db file;
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(file.path().c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr,
                         nullptr)
            == SQLITE_OK);
    sqlite3_close(raw);
  }
  CHECK_THROWS_WITH(open_sqlite(file.path()), Catch::Contains("newer"));
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == 99);
  CHECK(c.integer("SELECT count(*) FROM sqlite_master") == 0);
}

TEST_CASE("begin waits for another writer instead of failing at once") {
  temp_db file;
  auto db = open_sqlite(file.path());
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(file.path().c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr)
          == SQLITE_OK);
  // Catch2 assertions are not thread-safe: the thread only calls SQLite.
  int commit_rc = -1;
  std::thread other([writer, &commit_rc] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    commit_rc = sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr);
  });
  CHECK_NOTHROW(db->begin());
  other.join();
  sqlite3_close(writer);
  CHECK(commit_rc == SQLITE_OK);
  db->rollback();
}

