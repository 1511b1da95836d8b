// Writing and reading through the SQLite store: upserts, inserts, savepoint
// per write set, transactions, and the loads used at recovery.

#include "sqlite_test_support.hpp"

using namespace proctord::persistence;
using namespace proctord::persistence::test;

TEST_CASE("rooms and members round-trip every field, 0 as NULL") {
  temp_db file;
  auto db = open_sqlite(file.path());

  auto a = make_room("a");
  a.question = std::string("it's \"quoted\"; DROP TABLE rooms; --\n\xc3\xa9t\xc3\xa9 ")
               + '\0' + "after NUL";
  a.started_at = 0;
  a.ends_at = 1'700'000'600'000;
  a.ended_at = 0;
  auto b = make_room("b");
  b.is_public = false;
  b.status = "ENDED";
  b.max_guests = 0;
  b.started_at = 1'700'000'100'000;
  b.ends_at = 1'700'000'200'000;
  b.ended_at = 1'700'000'150'000;

  auto host = make_member("a", "host-a");
  auto guest = make_member("a", "u2", "LEFT");
  guest.violation_count = 3;
  guest.has_submitted = true;
  guest.left_at = 1'700'000'300'000;
  host.joined_at = 0;

  write_set ws;
  ws.rooms = {a, b};
  ws.members = {host, guest};
  commit_one(*db, ws);

  const auto rooms = db->load_rooms();
  REQUIRE(rooms.size() == 2);
  check_same(rooms[0], a);
  check_same(rooms[1], b);
  const auto members = db->load_members("a");
  REQUIRE(members.size() == 2);
  check_same(members[0], host);
  check_same(members[1], guest);
  CHECK(db->load_members("b").empty());

  other_connection c(file.path());
  CHECK(c.text("SELECT startedAt FROM rooms WHERE roomId = 'a'") == "NULL");
  CHECK(c.text("SELECT endedAt FROM rooms WHERE roomId = 'a'") == "NULL");
  CHECK(c.integer("SELECT endsAt FROM rooms WHERE roomId = 'a'")
        == 1'700'000'600'000);
  CHECK(c.text("SELECT joinedAt FROM room_users WHERE userId = 'host-a'")
        == "NULL");
  CHECK(c.text("SELECT leftAt FROM room_users WHERE userId = 'host-a'")
        == "NULL");
  CHECK(c.integer("SELECT isPublic FROM rooms WHERE roomId = 'b'") == 0);
}

TEST_CASE("writing a room or member again updates it in place") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set first;
  first.rooms.push_back(make_room("r"));
  first.members.push_back(make_member("r", "u", "PENDING"));
  commit_one(*db, first);

  other_connection c(file.path());
  const auto id = c.integer("SELECT id FROM room_users");

  write_set second;
  auto live = make_room("r");
  live.status = "LIVE";
  live.started_at = 1'700'000'010'000;
  auto approved = make_member("r", "u", "APPROVED");
  approved.violation_count = 2;
  approved.has_submitted = true;
  second.rooms.push_back(live);
  second.members.push_back(approved);
  commit_one(*db, second);

  const auto rooms = db->load_rooms();
  REQUIRE(rooms.size() == 1);
  check_same(rooms[0], live);
  const auto members = db->load_members("r");
  REQUIRE(members.size() == 1);
  check_same(members[0], approved);
  CHECK(c.integer("SELECT count(*) FROM room_users") == 1);
  CHECK(c.integer("SELECT id FROM room_users") == id);
}

TEST_CASE("violations, submissions and kicks are stored once committed") {
  temp_db file;
  auto db = open_sqlite(file.path());
  other_connection c(file.path());

  write_set ws;
  ws.rooms.push_back(make_room("r"));
  ws.members.push_back(make_member("r", "u"));
  ws.violations.push_back({"r", "u", "TAB_SWITCH", 1'700'000'000'001, 1, ""});
  ws.violations.push_back({"r", "u", "FULLSCREEN_EXIT", 0, 2, ""});
  for (int i = 0; i < 3; ++i)
    ws.submissions.push_back(
      {"r", "u", "print(" + std::to_string(i) + ")", "python", 42 + i, ""});
  ws.kicks.push_back({"r", "u", "too many violations", 1'700'000'000'009});

  db->begin();
  db->apply(ws);
  CHECK(c.integer("SELECT count(*) FROM submissions") == 0);
  db->commit();

  CHECK(c.integer("SELECT count(*) FROM violations") == 2);
  CHECK(c.integer("SELECT count(*) FROM submissions") == 3);
  CHECK(c.integer("SELECT count(*) FROM kick_events") == 1);
  CHECK(c.text("SELECT type || '/' || timestamp || '/' || violationCount"
               " FROM violations ORDER BY id LIMIT 1")
        == "TAB_SWITCH/1700000000001/1");
  CHECK(c.text("SELECT timestamp FROM violations WHERE violationCount = 2")
        == "NULL");
  CHECK(c.text("SELECT code || '|' || language || '|' || submittedAt"
               " FROM submissions ORDER BY id DESC LIMIT 1")
        == "print(2)|python|44");
  CHECK(c.text("SELECT reason FROM kick_events") == "too many violations");
}

TEST_CASE("a violation counts itself in its member's row, and only there") {
  temp_db file;
  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  write_set setup;
  setup.rooms = {make_room("r"), make_room("s")};
  setup.members = {make_member("r", "u"), make_member("r", "v"),
                   make_member("s", "u")};
  commit_one(*db, setup);

  // The room stages the violation alone; the store keeps the count.
  write_set first;
  first.violations.push_back({"r", "u", "TAB_SWITCH", 10, 1, "k-1"});
  commit_one(*db, first);
  write_set second;
  second.violations.push_back({"r", "u", "FULLSCREEN_EXIT", 11, 2, ""});
  commit_one(*db, second);
  const auto members = db->load_members("r");
  REQUIRE(members.size() == 2);
  CHECK(members[0].user_id == "u");
  CHECK(members[0].violation_count == 2);
  CHECK(members[0].status == "APPROVED"); // the rest of the row as it was
  CHECK(members[0].username == "name-u");
  CHECK(members[1].violation_count == 0); // another member
  CHECK(db->load_members("s").at(0).violation_count == 0); // another room

  // A set that changes the member too: the violation's count is written
  // after the member row (members come first in a set).
  write_set both;
  auto left = make_member("r", "u", "LEFT");
  left.violation_count = 2;
  both.members = {left};
  both.violations.push_back({"r", "u", "DISCONNECT", 12, 3, ""});
  commit_one(*db, both);
  CHECK(db->load_members("r").at(0).violation_count == 3);
  CHECK(db->load_members("r").at(0).status == "LEFT");

  // A failing violation (its key again) leaves the count as it was.
  write_set dup;
  dup.violations.push_back({"r", "u", "TAB_SWITCH", 13, 4, "k-1"});
  db->begin();
  CHECK_THROWS_WITH(db->apply(dup), Catch::Contains("UNIQUE"));
  db->rollback();
  CHECK(db->load_members("r").at(0).violation_count == 3);

  // A violation of someone with no member row is still stored.
  write_set stranger;
  stranger.violations.push_back({"r", "w", "TAB_SWITCH", 14, 1, ""});
  commit_one(*db, stranger);
  CHECK(c.integer("SELECT count(*) FROM violations WHERE userId = 'w'") == 1);
  CHECK(db->load_members("r").size() == 2);
}

TEST_CASE("a failing write set leaves no rows and the rest of the batch commits") {
  temp_db file;
  auto db = open_sqlite(file.path());

  write_set first;
  first.rooms.push_back(make_room("A"));
  first.members.push_back(make_member("A", "host-A"));
  first.submissions.push_back({"A", "host-A", "one", "c", 1, ""});

  write_set bad;
  bad.members.push_back(make_member("A", "mid"));
  bad.submissions.push_back({"A", "mid", "partial", "c", 2, ""});
  std::string expected;
  SECTION("foreign key: a violation in a room that does not exist") {
    bad.violations.push_back({"no-such-room", "mid", "TAB_SWITCH", 3, 1, ""});
    expected = "FOREIGN KEY";
  }
  SECTION("check: a member status outside the enum") {
    bad.rooms.push_back(make_room("B"));
    bad.members.push_back(make_member("B", "mid", "BOGUS"));
    expected = "CHECK";
  }

  write_set last;
  last.rooms.push_back(make_room("C"));
  last.submissions.push_back({"A", "host-A", "three", "c", 4, ""});

  db->begin();
  db->apply(first);
  try {
    db->apply(bad);
    FAIL("the bad write set was applied");
  } catch (const store_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(expected));
  }
  db->apply(last);
  db->commit();

  other_connection c(file.path());
  CHECK(c.column("SELECT roomId FROM rooms ORDER BY roomId")
        == std::vector<std::string>{"A", "C"});
  CHECK(c.column("SELECT userId FROM room_users")
        == std::vector<std::string>{"host-A"});
  CHECK(c.column("SELECT code FROM submissions ORDER BY id")
        == std::vector<std::string>{"one", "three"});
  CHECK(c.integer("SELECT count(*) FROM violations") == 0);
  CHECK_FALSE(db->room_exists("B"));
}

TEST_CASE("rollback discards the batch and the store stays usable") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.rooms.push_back(make_room("r"));
  ws.submissions.push_back({"r", "u", "x", "c", 1, ""});
  db->begin();
  db->apply(ws);
  CHECK(db->room_exists("r")); // the transaction sees its own writes
  db->rollback();
  CHECK_FALSE(db->room_exists("r"));
  db->rollback(); // nothing open: a no-op

  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM submissions") == 0);
  commit_one(*db, ws);
  CHECK(c.integer("SELECT count(*) FROM submissions") == 1);
}

TEST_CASE("uncommitted writes are invisible to another connection") {
  temp_db file;
  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  write_set ws;
  ws.rooms.push_back(make_room("r"));
  db->begin();
  db->apply(ws);
  CHECK(c.integer("SELECT count(*) FROM rooms") == 0);
  db->commit();
  CHECK(c.integer("SELECT count(*) FROM rooms") == 1);
}

TEST_CASE("pending join attempts load in request order, decided ones excluded") {
  temp_db file;
  auto db = open_sqlite(file.path());
  const auto attempt = [](const char* room, const char* user, millis at,
                          const char* status = "PENDING", millis decided = 0) {
    return join_attempt_record{room, user, std::string("name-") + user,
                               status, at, decided};
  };
  write_set ws;
  ws.rooms = {make_room("r"), make_room("other")};
  ws.join_attempts = {attempt("r", "u1", 300), attempt("r", "u2", 100),
                      attempt("r", "u3", 200), attempt("r", "u2", 50, "REJECTED", 60),
                      attempt("other", "u9", 10)};
  commit_one(*db, ws);

  write_set decision; // the host approves u3's request: same row, updated
  decision.join_attempts = {attempt("r", "u3", 200, "APPROVED", 250)};
  commit_one(*db, decision);

  const auto pending = db->load_pending_join_attempts("r");
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].user_id == "u2");
  CHECK(pending[0].username == "name-u2");
  CHECK(pending[0].requested_at == 100);
  CHECK(pending[0].decided_at == 0);
  CHECK(pending[0].status == "PENDING");
  CHECK(pending[1].user_id == "u1");
  CHECK(pending[1].requested_at == 300);
  CHECK(db->load_pending_join_attempts("nowhere").empty());

  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM join_attempts") == 5);
  CHECK(c.text("SELECT status || '@' || decidedAt FROM join_attempts"
               " WHERE userId = 'u3'")
        == "APPROVED@250");
}

TEST_CASE("room_exists") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.rooms.push_back(make_room("r"));
  commit_one(*db, ws);
  CHECK(db->room_exists("r"));
  CHECK_FALSE(db->room_exists("R"));
  CHECK_FALSE(db->room_exists(""));
}

TEST_CASE("apply outside begin/commit throws and writes nothing") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.rooms.push_back(make_room("r"));
  CHECK_THROWS_AS(db->apply(ws), store_error);
  CHECK_FALSE(db->room_exists("r"));
}

TEST_CASE("thousands of write sets commit in one transaction") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set setup;
  setup.rooms.push_back(make_room("r"));
  commit_one(*db, setup);

  db->begin();
  for (int i = 0; i < 5000; ++i) {
    write_set ws;
    ws.submissions.push_back({"r", "u" + std::to_string(i % 50),
                              std::string(200, 'c'), "cpp", 1 + i, ""});
    ws.members.push_back(make_member("r", "u" + std::to_string(i % 50)));
    db->apply(ws);
  }
  db->commit();
  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM submissions") == 5000);
  CHECK(c.integer("SELECT count(*) FROM room_users") == 50);
}
