// Schema version 8: the migration from version 7 rebuilds the room event
// log as a rowid table with a UNIQUE (roomId, seq) index instead of a
// WITHOUT ROWID table on that key, and keeps every event as it was.

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"

#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

/// Every column of every event, in key order: what the migration must keep.
const char* const all_events
  = "SELECT roomId || '#' || seq || ' ' || audience || ' '"
    " || coalesce(userId, 'NULL') || ' ' || payload || ' '"
    " || coalesce(createdAt, 'NULL') || ' ' || coalesce(submissionId, 'NULL')"
    " FROM events ORDER BY roomId, seq";

/// Creates `path` as release 7 left it: two rooms whose events were written
/// interleaved, of every audience, one with no time, and a user_submitted
/// event whose code lives in its submission row.
void create_v7_database(const std::string& path) {
  create_at_version(path, 7);
  other_connection c(path);
  c.exec("INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
         " question, duration, isPublic, status, createdAt) VALUES"
         " ('R1', 'h1', 'Hannah', 'Interview', 5, 'Q?', 60, 1, 'LIVE', 1000),"
         " ('R2', 'h2', 'Hugo', 'Interview', 5, 'Q?', 60, 1, 'LIVE', 1000)");
  c.exec("INSERT INTO submissions (id, roomId, userId, code, language,"
         " submittedAt) VALUES (7, 'R1', 'u1', 'int main() {}', 'cpp', 2500)");
  c.exec("INSERT INTO events (roomId, seq, audience, userId, payload,"
         " createdAt, submissionId) VALUES"
         " ('R2', 1, 'EVERYONE', NULL, '{\"v\":1,\"t\":\"a\",\"d\":{}}', 2000, NULL),"
         " ('R1', 1, 'MEMBERS', NULL, '{\"v\":1,\"t\":\"b\",\"d\":{}}', 2001, NULL),"
         " ('R1', 2, 'HOST', NULL, '{\"v\":1,\"t\":\"c\",\"d\":{}}', NULL, NULL),"
         " ('R2', 2, 'USER', 'u9', '{\"v\":1,\"t\":\"d\",\"d\":{}}', 2003, NULL),"
         " ('R1', 3, 'HOST', NULL,"
         "  '{\"v\":1,\"t\":\"user_submitted\",\"d\":{\"user_id\":\"u1\"}}',"
         "  2500, 7),"
         " ('R1', 4, 'USER', 'u1', '{\"v\":1,\"t\":\"e\",\"d\":{}}', 2600, NULL)");
}

std::vector<std::string> indexes_of(other_connection& c, const std::string& table) {
  return c.column("SELECT name FROM sqlite_master WHERE type = 'index'"
                  " AND tbl_name = '" + table + "' ORDER BY name");
}

event_record make_event(const std::string& room, std::int64_t seq) {
  event_record e;
  e.room_id = room;
  e.seq = seq;
  e.audience = "HOST";
  e.payload = R"({"v":1,"t":"violation_detected","d":{}})";
  e.created_at = 3000 + seq;
  return e;
}

} // namespace

TEST_CASE("a version 7 database opens as version 8 with its event log in a "
          "rowid table, every event kept") {
  temp_db file;
  create_v7_database(file.path());
  std::vector<std::string> before;
  {
    other_connection c(file.path());
    before = c.column(all_events);
    REQUIRE(before.size() == 6);
  }
  const auto latest = sqlite_detail::latest_schema_version();
  REQUIRE(latest >= 8);

  auto db = open_sqlite(file.path()); // no converter: step 8 converts nothing
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == latest);
  CHECK(c.text("PRAGMA integrity_check") == "ok");
  CHECK(c.column("PRAGMA foreign_key_check").empty());
  CHECK_THAT(c.text("SELECT sql FROM sqlite_master WHERE name = 'events'"),
             !Catch::Contains("WITHOUT ROWID"));
  CHECK(indexes_of(c, "events") == std::vector<std::string>{"events_room_seq"});
  CHECK(c.column(all_events) == before);
  // Copied in key order: the ids follow each room's seq.
  CHECK(c.column("SELECT roomId || '#' || seq FROM events ORDER BY id")
        == std::vector<std::string>{"R1#1", "R1#2", "R1#3", "R1#4", "R2#1",
                                    "R2#2"});

  // A restore and a replay read them as before, through the index, in seq
  // order and with no sort.
  const auto events = db->load_events("R1", 1, 10);
  REQUIRE(events.size() == 3);
  CHECK(events[0].seq == 2);
  CHECK(events[0].created_at == 0); // NULL
  CHECK(events[1].payload
        == R"({"v":1,"t":"user_submitted","d":{"user_id":"u1","code":"int main() {}","language":"cpp"}})");
  CHECK(events[2].user_id == "u1");
  CHECK(db->last_seq("R1") == 4);
  CHECK(db->last_seq("R2") == 2);
  const auto plan = c.plan("SELECT payload FROM events WHERE roomId = 'R1'"
                           " AND seq > 1 ORDER BY seq LIMIT 10");
  CHECK_THAT(plan, Catch::Contains("events_room_seq"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
  CHECK_THAT(c.plan("SELECT seq FROM events WHERE roomId = 'R2'"
                    " ORDER BY seq DESC LIMIT 1"),
             Catch::Contains("COVERING INDEX events_room_seq"));

  // New events append after the copied ones, and a seq a room already has
  // still fails its write set.
  write_set next;
  next.events = {make_event("R2", 3)};
  commit_one(*db, next);
  CHECK(c.integer("SELECT max(id) FROM events") == 7);
  CHECK(db->last_seq("R2") == 3);
  write_set dup;
  dup.events = {make_event("R1", 4)};
  db->begin();
  CHECK_THROWS_WITH(db->apply(dup), Catch::Contains("UNIQUE"));
  db->rollback();
  CHECK(c.integer("SELECT count(*) FROM events") == 7);
}

TEST_CASE("a failing step 8 leaves the database at version 7 with its "
          "event log") {
  temp_db file;
  create_v7_database(file.path());
  check_step_blocked(file.path(), 8, "events_room_seq");
  other_connection c(file.path());
  // The copy, the drop and the rename were rolled back with the step.
  CHECK_THAT(c.text("SELECT sql FROM sqlite_master WHERE name = 'events'"),
             Catch::Contains("WITHOUT ROWID"));
  CHECK(c.column("SELECT name FROM sqlite_master WHERE name = 'events_v8'")
          .empty());
  CHECK(c.integer("SELECT count(*) FROM events") == 6);
}
