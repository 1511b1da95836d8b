// Schema version 2: the migration from version 1, the room event log and
// the idempotency keys of submissions and violations.

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

/// Creates `path` as the first release left it: the step-1 schema only,
/// user_version 1, in WAL mode.
void create_v1_database(const std::string& path) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite_detail::db_handle db(raw);
  sqlite_detail::configure(raw, sync_mode::normal);
  sqlite_detail::migrate(raw, 1);
}

event_record make_event(const std::string& room, std::int64_t seq,
                        const std::string& audience = "MEMBERS",
                        const std::string& user = "") {
  event_record e;
  e.room_id = room;
  e.seq = seq;
  e.audience = audience;
  e.user_id = user;
  e.payload = R"({"type":"USER_JOINED","seq":)" + std::to_string(seq) + "}";
  e.created_at = 1'700'000'000'000 + seq;
  return e;
}

submission_record make_submission(const std::string& room,
                                  const std::string& user,
                                  const std::string& code, millis at,
                                  const std::string& key = "") {
  submission_record s;
  s.room_id = room;
  s.user_id = user;
  s.code = code;
  s.language = "cpp";
  s.submitted_at = at;
  s.idempotency_key = key;
  return s;
}

violation_record make_violation(const std::string& room,
                                const std::string& user, millis at,
                                std::int32_t count,
                                const std::string& key = "") {
  violation_record v;
  v.room_id = room;
  v.user_id = user;
  v.type = "TAB_SWITCH";
  v.timestamp = at;
  v.violation_count = count;
  v.idempotency_key = key;
  return v;
}

void check_same(const event_record& a, const event_record& b) {
  CHECK(a.room_id == b.room_id);
  CHECK(a.seq == b.seq);
  CHECK(a.audience == b.audience);
  CHECK(a.user_id == b.user_id);
  CHECK(a.payload == b.payload);
  CHECK(a.created_at == b.created_at);
}

std::vector<std::int64_t> seqs(const std::vector<event_record>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.seq);
  return out;
}

/// Applies `first`, `bad` and `last` in one batch; `bad` must throw a
/// store_error containing `expected`, the others must commit.
void apply_batch_with_failure(backend& db, const write_set& first,
                              const write_set& bad, const write_set& last,
                              const std::string& expected) {
  db.begin();
  db.apply(first);
  try {
    db.apply(bad);
    FAIL("the bad write set was applied");
  } catch (const store_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(expected));
  }
  db.apply(last);
  db.commit();
}

} // namespace

// -- migration ----------------------------------------------------------------

TEST_CASE("a version 1 database migrates to version 2 and keeps its rows") {
  temp_db file;
  create_v1_database(file.path());
  {
    other_connection c(file.path());
    REQUIRE(c.integer("PRAGMA user_version") == 1);
    REQUIRE(columns_of(c, "submissions")
            == "id,roomId,userId,code,language,submittedAt");
    CHECK(c.column("SELECT name FROM sqlite_master WHERE name = 'events'")
            .empty());
    c.exec("INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
           " question, duration, isPublic, status, createdAt) VALUES"
           " ('r', 'h', 'Host', 'Room', 5, 'Q?', 60, 1, 'LIVE', 1000)");
    c.exec("INSERT INTO room_users (roomId, userId, username, status,"
           " violationCount, hasSubmitted, joinedAt)"
           " VALUES ('r', 'u', 'U', 'APPROVED', 1, 1, 1100)");
    c.exec("INSERT INTO violations (roomId, userId, type, timestamp,"
           " violationCount) VALUES ('r', 'u', 'TAB_SWITCH', 1200, 1)");
    c.exec("INSERT INTO submissions (roomId, userId, code, language,"
           " submittedAt) VALUES ('r', 'u', 'old code', 'c', 1300)");
    c.exec("INSERT INTO join_attempts (roomId, userId, username, status,"
           " requestedAt) VALUES ('r', 'p', 'P', 'PENDING', 1400)");
    c.exec("INSERT INTO kick_events (roomId, userId, reason, kickedAt)"
           " VALUES ('r', 'k', 'bye', 1500)");
  }

  // On to the latest version (3 adds events.submissionId, the log being
  // empty; 4 adds the contest tables, 5 the public study rooms).
  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  // through 2, then on to the latest version.
  CHECK(c.integer("PRAGMA user_version")
        == sqlite_detail::latest_schema_version());
  CHECK(columns_of(c, "violations")
        == "id,roomId,userId,type,timestamp,violationCount,idempotencyKey");
  CHECK(columns_of(c, "submissions")
        == "id,roomId,userId,code,language,submittedAt,idempotencyKey");
  // (8 gives events a rowid, "id", first)
  CHECK(columns_of(c, "events")
        == "id,roomId,seq,audience,userId,payload,createdAt,submissionId");
  CHECK(c.column("PRAGMA foreign_key_check").empty());
  CHECK(c.text("PRAGMA integrity_check") == "ok");

  const auto rooms = db->load_rooms();
  REQUIRE(rooms.size() == 1);
  CHECK(rooms[0].status == "LIVE");
  CHECK(rooms[0].question == "Q?");
  const auto members = db->load_members("r");
  REQUIRE(members.size() == 1);
  CHECK(members[0].violation_count == 1);
  CHECK(members[0].has_submitted);
  CHECK(db->load_pending_join_attempts("r").size() == 1);
  CHECK(c.text("SELECT code || '@' || submittedAt || '/' ||"
               " coalesce(idempotencyKey, 'NULL') FROM submissions")
        == "old code@1300/NULL");
  CHECK(c.text("SELECT type || '/' || coalesce(idempotencyKey, 'NULL')"
               " FROM violations")
        == "TAB_SWITCH/NULL");
  CHECK(c.text("SELECT reason FROM kick_events") == "bye");
  CHECK(db->load_idempotency_keys("r").empty());
  CHECK(db->last_seq("r") == 0);
  CHECK(db->load_events("r", 0, 100).empty());

  // The migrated file takes the new writes.
  write_set ws;
  ws.submissions.push_back(make_submission("r", "u", "new code", 2000, "k1"));
  ws.events.push_back(make_event("r", 1));
  commit_one(*db, ws);
  CHECK(db->last_seq("r") == 1);
  CHECK(db->load_idempotency_keys("r").size() == 1);
  CHECK(c.integer("SELECT count(*) FROM submissions") == 2);
}

TEST_CASE("a failing migration step leaves the database at version 1") {
  temp_db file;
  create_v1_database(file.path());
  {
    other_connection c(file.path());
    // Someone else's table in the way of step 2.
    c.exec("CREATE TABLE events (x INTEGER)");
    c.exec("INSERT INTO events VALUES (7)");
  }
  CHECK_THROWS_WITH(open_sqlite(file.path()),
                    Catch::Contains("migrate to schema version 2"));
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == 1);
  // Step 2's ALTERs and indexes were rolled back with it.
  CHECK(columns_of(c, "violations")
        == "id,roomId,userId,type,timestamp,violationCount");
  CHECK(columns_of(c, "submissions")
        == "id,roomId,userId,code,language,submittedAt");
  CHECK(c.column("SELECT name FROM sqlite_master"
                 " WHERE name LIKE '%idempotency%'")
          .empty());
  CHECK(c.integer("SELECT x FROM events") == 7);
}

// -- events -------------------------------------------------------------------

TEST_CASE("events round-trip every field in seq order") {
  temp_db file;
  auto db = open_sqlite(file.path());

  auto e1 = make_event("r", 1, "EVERYONE");
  auto e2 = make_event("r", 2, "USER", "u7");
  e2.payload = std::string("{\"code\":\"it's \\\"x\\\"; --\n\xc3\xa9\"}") + '\0'
               + "after NUL";
  auto e3 = make_event("r", 3, "HOST");
  e3.created_at = 0; // stored as NULL, read back as 0
  auto e4 = make_event("r", 4, "MEMBERS");
  auto other = make_event("s", 1, "MEMBERS");

  // The room is created in the same write set as its first events; events
  // are applied after it. Records are given out of seq order on purpose.
  write_set ws;
  ws.rooms = {make_room("r"), make_room("s")};
  ws.events = {e3, e1, other, e4, e2};
  commit_one(*db, ws);

  const auto all = db->load_events("r", 0, 100);
  REQUIRE(all.size() == 4);
  check_same(all[0], e1);
  check_same(all[1], e2);
  check_same(all[2], e3);
  check_same(all[3], e4);
  CHECK(all[1].payload.size() == e2.payload.size());

  other_connection c(file.path());
  CHECK(c.text("SELECT createdAt FROM events WHERE seq = 3") == "NULL");
  CHECK(c.column("SELECT coalesce(userId, 'NULL') FROM events"
                 " WHERE roomId = 'r' ORDER BY seq")
        == std::vector<std::string>{"NULL", "u7", "NULL", "NULL"});

  const auto in_s = db->load_events("s", 0, 100);
  REQUIRE(in_s.size() == 1);
  check_same(in_s[0], other);
  CHECK(db->load_events("nowhere", 0, 100).empty());
}

TEST_CASE("load_events pages with after_seq and limit") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.rooms = {make_room("r"), make_room("noise")};
  for (std::int64_t s = 1; s <= 10; ++s) {
    ws.events.push_back(make_event("r", s * 2)); // 2, 4, ..., 20
    ws.events.push_back(make_event("noise", s));
  }
  commit_one(*db, ws);

  using v = std::vector<std::int64_t>;
  CHECK(seqs(db->load_events("r", 0, 3)) == v{2, 4, 6});
  CHECK(seqs(db->load_events("r", 6, 3)) == v{8, 10, 12});
  CHECK(seqs(db->load_events("r", 7, 2)) == v{8, 10});
  CHECK(seqs(db->load_events("r", 17, 100)) == v{18, 20});
  CHECK(db->load_events("r", 20, 100).empty());
  CHECK(db->load_events("r", 1000, 100).empty());
  CHECK(db->load_events("r", 0, 0).empty());
  CHECK(db->load_events("r", -5, 1).size() == 1);
  CHECK(db->load_events("r", 0, std::numeric_limits<std::size_t>::max())
          .size()
        == 10);

  // Paging through the whole log visits every event once, in order.
  v seen;
  std::int64_t after = 0;
  for (;;) {
    const auto page = db->load_events("r", after, 4);
    if (page.empty()) break;
    for (const auto& e : page) seen.push_back(e.seq);
    after = page.back().seq;
  }
  CHECK(seen == v{2, 4, 6, 8, 10, 12, 14, 16, 18, 20});
}

TEST_CASE("last_seq is the room's highest stored seq, 0 if none") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set setup;
  setup.rooms = {make_room("a"), make_room("b")};
  commit_one(*db, setup);
  CHECK(db->last_seq("a") == 0);
  CHECK(db->last_seq("nowhere") == 0);

  write_set ws;
  ws.events = {make_event("a", 1), make_event("a", 2), make_event("a", 5),
               make_event("b", 1)};
  commit_one(*db, ws);
  CHECK(db->last_seq("a") == 5);
  CHECK(db->last_seq("b") == 1);

  // Uncommitted events count inside the transaction, not after a rollback.
  write_set more;
  more.events = {make_event("a", 6)};
  db->begin();
  db->apply(more);
  CHECK(db->last_seq("a") == 6);
  db->rollback();
  CHECK(db->last_seq("a") == 5);

  // Survives reopening.
  db.reset();
  db = open_sqlite(file.path());
  CHECK(db->last_seq("a") == 5);
  CHECK(db->last_seq("b") == 1);
}

TEST_CASE("an event with a seq already used in its room fails its write set only") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set setup;
  setup.rooms = {make_room("r"), make_room("s")};
  setup.events = {make_event("r", 1)};
  commit_one(*db, setup);

  write_set first;
  first.events = {make_event("r", 2)};
  first.submissions = {make_submission("r", "u", "first", 10)};

  write_set bad; // other rows first, then the clash: all must go
  bad.members = {make_member("r", "mid")};
  bad.submissions = {make_submission("r", "mid", "partial", 11)};
  bad.events = {make_event("r", 3), make_event("s", 2)};
  SECTION("a seq committed earlier") {
    auto clash = make_event("r", 1, "HOST");
    clash.payload = "clash";
    bad.events.push_back(clash);
  }
  SECTION("a seq from the same batch") {
    auto clash = make_event("r", 2, "HOST");
    clash.payload = "clash";
    bad.events.push_back(clash);
  }
  SECTION("a seq twice in the same write set") {
    auto clash = make_event("r", 3, "HOST");
    clash.payload = "clash";
    bad.events.push_back(clash);
  }

  write_set last;
  last.events = {make_event("r", 3), make_event("s", 1)};

  apply_batch_with_failure(*db, first, bad, last, "UNIQUE");

  CHECK(seqs(db->load_events("r", 0, 100)) == std::vector<std::int64_t>{1, 2, 3});
  for (const auto& e : db->load_events("r", 0, 100)) {
    CHECK(e.payload != "clash");
    CHECK(e.audience == "MEMBERS");
  }
  CHECK(seqs(db->load_events("s", 0, 100)) == std::vector<std::int64_t>{1});
  CHECK(db->load_members("r").empty());
  other_connection c(file.path());
  CHECK(c.column("SELECT code FROM submissions")
        == std::vector<std::string>{"first"});
}

TEST_CASE("an event is checked for its room, audience, recipient and seq") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set setup;
  setup.rooms = {make_room("r")};
  commit_one(*db, setup);

  write_set bad;
  std::string expected;
  SECTION("a room that does not exist") {
    bad.events = {make_event("nowhere", 1)};
    expected = "FOREIGN KEY";
  }
  SECTION("an audience outside the enum") {
    bad.events = {make_event("r", 1, "ROOM")};
    expected = "CHECK";
  }
  SECTION("audience USER without a recipient") {
    bad.events = {make_event("r", 1, "USER", "")};
    expected = "CHECK";
  }
  SECTION("a recipient with another audience") {
    bad.events = {make_event("r", 1, "HOST", "u")};
    expected = "CHECK";
  }
  SECTION("seq 0") {
    bad.events = {make_event("r", 0)};
    expected = "CHECK";
  }
  db->begin();
  CHECK_THROWS_WITH(db->apply(bad), Catch::Contains(expected)
                                      && Catch::Contains("insert event"));
  db->commit();
  CHECK(db->load_events("r", -1, 100).empty());
  CHECK(db->last_seq("r") == 0);
}

// -- idempotency keys ---------------------------------------------------------

TEST_CASE("a duplicate submission key fails its write set and keeps the first row") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set setup;
  setup.rooms = {make_room("r"), make_room("s")};
  setup.submissions = {make_submission("r", "u", "original", 100, "key-1")};
  commit_one(*db, setup);

  write_set first; // the same key elsewhere is no duplicate
  first.submissions = {make_submission("r", "v", "other user", 101, "key-1"),
                       make_submission("s", "u", "other room", 102, "key-1"),
                       make_submission("r", "u", "other key", 103, "key-2")};
  first.violations = {make_violation("r", "u", 104, 1, "key-1")};

  write_set bad;
  bad.members = {make_member("r", "u")};
  bad.events = {make_event("r", 1)};
  SECTION("a key committed earlier") {
    bad.submissions = {make_submission("r", "u", "resend", 200, "key-1")};
  }
  SECTION("a key from the same batch") {
    bad.submissions = {make_submission("r", "u", "resend", 200, "key-2")};
  }
  SECTION("a key twice in the same write set") {
    bad.submissions = {make_submission("r", "u", "new", 200, "key-3"),
                       make_submission("r", "u", "resend", 201, "key-3")};
  }

  write_set last;
  last.submissions = {make_submission("r", "u", "after", 300, "key-4")};

  apply_batch_with_failure(*db, first, bad, last, "UNIQUE");

  other_connection c(file.path());
  CHECK(c.column("SELECT code FROM submissions ORDER BY id")
        == std::vector<std::string>{"original", "other user", "other room",
                                    "other key", "after"});
  CHECK(c.text("SELECT code || '@' || submittedAt FROM submissions"
               " WHERE roomId = 'r' AND userId = 'u'"
               " AND idempotencyKey = 'key-1'")
        == "original@100");
  CHECK(c.integer("SELECT count(*) FROM violations") == 1);
  CHECK(db->load_members("r").empty());
  CHECK(db->last_seq("r") == 0);
}

TEST_CASE("a duplicate violation key fails its write set and keeps the first row") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set setup;
  setup.rooms = {make_room("r")};
  setup.violations = {make_violation("r", "u", 100, 1, "blur-1")};
  setup.submissions = {make_submission("r", "u", "code", 90, "blur-2")};
  commit_one(*db, setup);

  write_set first;
  first.violations = {make_violation("r", "u", 101, 2, "blur-2")};

  write_set bad;
  auto member = make_member("r", "u");
  member.violation_count = 3;
  bad.members = {member};
  bad.violations = {make_violation("r", "u", 102, 3, "blur-1")};
  bad.events = {make_event("r", 1)};

  write_set last;
  last.violations = {make_violation("r", "u", 103, 3, "blur-3")};

  apply_batch_with_failure(*db, first, bad, last, "UNIQUE");

  other_connection c(file.path());
  CHECK(c.column("SELECT idempotencyKey || '@' || timestamp || '#'"
                 " || violationCount FROM violations ORDER BY id")
        == std::vector<std::string>{"blur-1@100#1", "blur-2@101#2",
                                    "blur-3@103#3"});
  CHECK(db->load_members("r").empty());
  CHECK(db->last_seq("r") == 0);
}

TEST_CASE("rows without a key never collide") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.rooms = {make_room("r")};
  ws.submissions = {make_submission("r", "u", "one", 1),
                    make_submission("r", "u", "two", 2)};
  ws.violations = {make_violation("r", "u", 3, 1), make_violation("r", "u", 4, 2)};
  commit_one(*db, ws);
  write_set again; // same rows once more, in a later transaction
  again.submissions = ws.submissions;
  again.violations = ws.violations;
  commit_one(*db, again);

  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM submissions") == 4);
  CHECK(c.integer("SELECT count(*) FROM violations") == 4);
  CHECK(c.integer("SELECT count(*) FROM submissions"
                  " WHERE idempotencyKey IS NULL")
        == 4);
  CHECK(c.integer("SELECT count(*) FROM violations"
                  " WHERE idempotencyKey IS NULL")
        == 4);
  CHECK(db->load_idempotency_keys("r").empty());
}

TEST_CASE("load_idempotency_keys returns both kinds with their times") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.rooms = {make_room("r"), make_room("other")};
  ws.submissions = {make_submission("r", "u1", "a", 1000, "s-1"),
                    make_submission("r", "u2", "b", 2000, "s-2"),
                    make_submission("r", "u1", "no key", 2500),
                    make_submission("other", "u1", "c", 3000, "s-other")};
  ws.violations = {make_violation("r", "u1", 4000, 1, "v-1"),
                   make_violation("r", "u1", 0, 2, "v-no-time"),
                   make_violation("r", "u2", 4500, 1),
                   make_violation("other", "u1", 5000, 1, "v-other")};
  commit_one(*db, ws);

  using row = std::tuple<std::string, std::string, std::string, millis>;
  std::vector<row> got;
  for (const auto& k : db->load_idempotency_keys("r"))
    got.emplace_back(k.kind, k.user_id, k.key, k.at);
  std::sort(got.begin(), got.end());
  CHECK(got
        == std::vector<row>{{"SUBMISSION", "u1", "s-1", 1000},
                            {"SUBMISSION", "u2", "s-2", 2000},
                            {"VIOLATION", "u1", "v-1", 4000},
                            {"VIOLATION", "u1", "v-no-time", 0}});

  const auto other = db->load_idempotency_keys("other");
  REQUIRE(other.size() == 2);
  CHECK(db->load_idempotency_keys("nowhere").empty());
}
