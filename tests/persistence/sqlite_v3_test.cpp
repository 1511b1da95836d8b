// Schema version 3: a database of today's release (version 2, events stored
// as native frames) migrates to the event log encoding, and a submission's
// code is stored once.

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"
#include "protocol/event_equality.hpp"
#include "protocol/event_log.hpp"
#include "protocol/native_codec.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;
namespace protocol = proctord::protocol;
namespace evt = proctord::protocol::evt;
namespace event_log = proctord::protocol::event_log;

namespace {

constexpr millis t0 = 1'706'543'210'000; // any fixed time
const std::string code = "int main() { return 42; } // the answer";

/// Creates `path` as release 2 left it: schema version 2, in WAL mode.
void create_v2_database(const std::string& path) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite_detail::db_handle db(raw);
  sqlite_detail::configure(raw, sync_mode::normal);
  sqlite_detail::migrate(raw, 2);
}

/// The durable events of one interview, in seq order from 1, with who
/// received them, as today's room logs them.
struct logged {
  protocol::event e;
  std::string audience;
  std::string user;
};

std::vector<logged> interview() {
  evt::join_approved approved;
  approved.room_id = "R1";
  approved.roomname = "Interview";
  approved.question = "Q?";
  approved.duration = 60;
  approved.host_name = "Hannah";
  approved.status = protocol::room_status::live;
  approved.started_at = t0;
  approved.ends_at = t0 + 3'600'000;
  approved.resume_token = "rt.p1";
  return {
    {evt::room_created{"R1", "Interview", "rt.h"}, "USER", "h1"},
    {evt::waiting_approval{"R1", "rt.p1"}, "USER", "p1"},
    {evt::join_request{"p1", "Pat", "s1", t0}, "HOST", ""},
    {approved, "USER", "p1"},
    {evt::join_rejected{"R1"}, "USER", "p2"},
    {evt::user_joined{"p1", "Pat", 2, false}, "MEMBERS", ""},
    {evt::room_started{"R1", t0, t0 + 3'600'000, 60, t0}, "EVERYONE", ""},
    {evt::violation_detected{"p1", "Pat", protocol::violation_type::tab_switch,
                             1, t0 + 1},
     "HOST", ""},
    {evt::proctoring_update{"p1", "Pat", protocol::cmd::signal::tab_focus,
                            t0 + 2, false, 0},
     "HOST", ""},
    {evt::submission_received{"R1", t0 + 3}, "USER", "p1"},
    {evt::user_submitted{"p1", "Pat", t0 + 3, code, "cpp"}, "HOST", ""},
    {evt::user_left{"p1", "Pat", evt::leave_reason::disconnected, 1},
     "MEMBERS", ""},
    {evt::kicked{"R1", "copying"}, "USER", "p3"},
    {evt::user_kicked{"p3", "Sam", "copying"}, "MEMBERS", ""},
    {evt::room_ended{"R1", evt::end_reason::host, t0 + 4}, "EVERYONE", ""},
  };
}

/// Writes the room, Pat's submission and the interview's events the way
/// release 2 did: each payload the native frame with its seq.
void fill_as_release_2(const std::string& path) {
  other_connection c(path);
  c.exec("INSERT INTO rooms (roomId, hostId, hostName, roomname, maxGuests,"
         " question, duration, isPublic, status, createdAt) VALUES"
         " ('R1', 'h1', 'Hannah', 'Interview', 5, 'Q?', 60, 0, 'ENDED', 1)");
  c.exec("INSERT INTO submissions (roomId, userId, code, language,"
         " submittedAt) VALUES ('R1', 'p1', '" + code + "', 'cpp', "
         + std::to_string(t0 + 3) + ")");
  std::int64_t seq = 0;
  for (const auto& l : interview()) {
    ++seq;
    auto frame = protocol::native::encode(l.e, static_cast<std::uint64_t>(seq));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "INSERT INTO events (roomId, seq, audience,"
                               " userId, payload, createdAt)"
                               " VALUES ('R1', ?1, ?2, ?3, ?4, ?1)",
                               -1, &st, nullptr)
            == SQLITE_OK);
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, l.audience.c_str(), -1, SQLITE_TRANSIENT);
    if (l.user.empty())
      sqlite3_bind_null(st, 3);
    else
      sqlite3_bind_text(st, 3, l.user.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, frame.c_str(), -1, SQLITE_TRANSIENT);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close_v2(db);
  }
}

} // namespace

TEST_CASE("a version 2 database migrates its native frames to the event log "
          "encoding") {
  temp_db file;
  create_v2_database(file.path());
  fill_as_release_2(file.path());

  auto db = open_sqlite(file.path(), sync_mode::normal,
                        event_log::convert_legacy_native);
  other_connection c(file.path());
  // through 3, then on to the latest version.
  CHECK(c.integer("PRAGMA user_version")
        == sqlite_detail::latest_schema_version());

  const auto expected = interview();
  auto events = db->load_events("R1", 0, 1000);
  REQUIRE(events.size() == expected.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO(events[i].payload);
    CHECK(events[i].seq == static_cast<std::int64_t>(i + 1));
    CHECK(events[i].audience == expected[i].audience);
    CHECK(events[i].user_id == expected[i].user);
    auto e = event_log::decode(events[i].payload);
    REQUIRE(e);
    CHECK(*e == expected[i].e);
  }
  // The migrated user_submitted refers to Pat's submission, and the log no
  // longer holds a copy of the code.
  CHECK(c.integer("SELECT count(*) FROM events WHERE submissionId IS NOT NULL")
        == 1);
  CHECK(c.integer("SELECT count(*) FROM events WHERE payload LIKE '%"
                  "return 42%'")
        == 0);
  CHECK(c.integer("SELECT count(*) FROM events WHERE payload LIKE '{\"type\"%'")
        == 0);

  // ... and the migrated database keeps working: a new write commits.
  write_set ws;
  event_record more;
  more.room_id = "R1";
  more.seq = 16;
  more.audience = "MEMBERS";
  more.payload = event_log::encode(evt::user_joined{"p1", "Pat", 2, true});
  ws.events.push_back(more);
  commit_one(*db, ws);
  CHECK(db->last_seq("R1") == 16);
}

TEST_CASE("a stored event that cannot be converted fails the open and leaves "
          "the file at version 2") {
  temp_db file;
  create_v2_database(file.path());
  fill_as_release_2(file.path());
  {
    other_connection c(file.path());
    c.exec("UPDATE events SET payload = '{\"type\":\"USER_JOI' WHERE seq = 6");
  }
  try {
    open_sqlite(file.path(), sync_mode::normal,
                event_log::convert_legacy_native);
    FAIL("the open succeeded");
  } catch (const store_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("1 of 15 stored events"));
    CHECK_THAT(e.what(), Catch::Contains("R1/6"));
  }
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == 2);
  // Untouched, the converted rows included: the migration rolled back.
  CHECK(c.integer("SELECT count(*) FROM events WHERE payload LIKE '{\"type\"%'")
        == 15);
}

TEST_CASE("a version 2 database with events needs a converter to open") {
  temp_db file;
  create_v2_database(file.path());
  fill_as_release_2(file.path());
  CHECK_THROWS_WITH(open_sqlite(file.path()),
                    Catch::Contains("no payload converter"));
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version") == 2);
}

TEST_CASE("a user_submitted event keeps no code in the log; replays carry it") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set room;
  room.rooms.push_back(make_room("R1"));
  commit_one(*db, room);

  // As the store actor writes it: the code stays in the submission row.
  write_set ws;
  submission_record s;
  s.room_id = "R1";
  s.user_id = "p1";
  s.code = code;
  s.language = "cpp";
  s.submitted_at = t0;
  ws.submissions.push_back(s);
  event_record e;
  e.room_id = "R1";
  e.seq = 1;
  e.audience = "HOST";
  e.payload = event_log::encode(evt::user_submitted{"p1", "Pat", t0, "", ""});
  e.submission_index = 0;
  ws.events.push_back(e);
  commit_one(*db, ws);

  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM events WHERE payload LIKE '%return 42%'")
        == 0);
  CHECK(c.integer("SELECT count(*) FROM submissions WHERE code LIKE "
                  "'%return 42%'")
        == 1);

  const protocol::event full = evt::user_submitted{"p1", "Pat", t0, code, "cpp"};
  auto loaded = db->load_events("R1", 0, 10);
  REQUIRE(loaded.size() == 1);
  CHECK(event_log::decode(loaded[0].payload) == full);
  auto page = db->replay(replay_query{"R1", 0, "h1", true, true, 10, 1 << 20});
  REQUIRE(page.events.size() == 1);
  CHECK(event_log::decode(page.events[0].payload) == full);
  auto reader = open_sqlite_reader(file.path());
  auto read = reader->replay(replay_query{"R1", 0, "h1", true, true, 10, 1 << 20});
  REQUIRE(read.events.size() == 1);
  CHECK(event_log::decode(read.events[0].payload) == full);
}

TEST_CASE("an event that refers to a submission its write set lacks fails "
          "that write set") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set room;
  room.rooms.push_back(make_room("R1"));
  commit_one(*db, room);
  write_set ws;
  event_record e;
  e.room_id = "R1";
  e.seq = 1;
  e.audience = "HOST";
  e.payload = event_log::encode(evt::user_submitted{});
  e.submission_index = 0;
  ws.events.push_back(e);
  db->begin();
  CHECK_THROWS_WITH(db->apply(ws), Catch::Contains("refers to submission 0"));
  db->commit();
  CHECK(db->last_seq("R1") == 0);
}
