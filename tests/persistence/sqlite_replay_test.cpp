// The replay query: the audience filter in SQL (the rule of
// room_detail::addressed_to), the count and byte bounds, and the read-only
// reader connection seeing what the writer has committed (WAL).

#include "sqlite_test_support.hpp"

#include "persistence/sqlite_detail.hpp"


#include <cstdint>
#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

event_record event(std::int64_t seq, const std::string& audience,
                   const std::string& user = "",
                   std::size_t payload_bytes = 20) {
  event_record e;
  e.room_id = "R1";
  e.seq = seq;
  e.audience = audience;
  e.user_id = user;
  // The store does not read payloads; the size is what the byte bound sees.
  e.payload = std::string(payload_bytes, 'x');
  e.created_at = 1'700'000'000'000 + seq;
  return e;
}

/// seq 1..8: one of each audience, and USER rows for two participants.
void write_log(backend& db) {
  write_set ws;
  ws.rooms.push_back(make_room("R1"));
  ws.rooms.push_back(make_room("R2"));
  ws.events = {event(1, "EVERYONE"), event(2, "HOST"),
               event(3, "USER", "p1"), event(4, "USER", "p2"),
               event(5, "MEMBERS"),    event(6, "USER", "host-R1"),
               event(7, "HOST"),       event(8, "MEMBERS")};
  auto other = event(9, "EVERYONE"); // another room's log
  other.room_id = "R2";
  ws.events.push_back(other);
  commit_one(db, ws);
}

std::vector<std::int64_t> seqs(const replay_page& p) {
  std::vector<std::int64_t> out;
  for (const auto& e : p.events)
    out.push_back(e.seq);
  return out;
}

replay_query member(const std::string& user, bool is_host, bool was_member,
                    std::int64_t after = 0) {
  replay_query q;
  q.room_id = "R1";
  q.after_seq = after;
  q.user_id = user;
  q.is_host = is_host;
  q.was_member = was_member;
  return q;
}

using seq_list = std::vector<std::int64_t>;

} // namespace

TEST_CASE("replay: each member gets exactly the events addressed to it") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_log(*db);
  auto reader = open_sqlite_reader(file.path());

  struct row {
    const char* who;
    replay_query q;
    seq_list expected;
  };
  const std::vector<row> rows{
    {"an approved participant: no HOST rows, no one else's USER rows",
     member("p1", false, true), {1, 3, 5, 8}},
    {"another participant", member("p2", false, true), {1, 4, 5, 8}},
    {"a participant still pending: not the MEMBERS rows",
     member("p1", false, false), {1, 3}},
    {"the host", member("host-R1", true, false), {1, 2, 5, 6, 7, 8}},
    {"after a seq", member("p1", false, true, 3), {5, 8}},
    {"a stranger", member("nobody", false, false), {1}},
  };
  for (const auto& r : rows) {
    INFO(r.who);
    // The writer's connection and the reader's answer alike.
    for (const auto& page : {db->replay(r.q), reader->replay(r.q)}) {
      CHECK(seqs(page) == r.expected);
      CHECK(page.complete);
      CHECK(page.last_seq_in_log == 8); // R2's seq 9 is not R1's
      for (const auto& e : page.events)
        CHECK(e.room_id == "R1");
    }
  }
}

TEST_CASE("replay: the count bound cuts the page and marks it incomplete") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_log(*db);
  auto reader = open_sqlite_reader(file.path());

  auto q = member("p1", false, true); // 4 events addressed to p1
  q.max_events = 4;
  auto exact = reader->replay(q);
  CHECK(seqs(exact) == seq_list{1, 3, 5, 8});
  CHECK(exact.complete);

  q.max_events = 3;
  auto cut = reader->replay(q);
  CHECK(seqs(cut) == seq_list{1, 3, 5});
  CHECK_FALSE(cut.complete);
  CHECK(cut.last_seq_in_log == 8);

  q.max_events = 0;
  auto none = reader->replay(q);
  CHECK(none.events.empty());
  CHECK_FALSE(none.complete);
}

TEST_CASE("replay: the byte bound counts payload bytes of addressed events "
          "only") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.rooms.push_back(make_room("R1"));
  // A 100 KB HOST event that a participant never receives must not count
  // against its bound.
  ws.events = {event(1, "MEMBERS", "", 100), event(2, "HOST", "", 100'000),
               event(3, "MEMBERS", "", 100), event(4, "MEMBERS", "", 100)};
  commit_one(*db, ws);
  auto reader = open_sqlite_reader(file.path());

  auto q = member("p1", false, true);
  q.max_bytes = 300; // exactly the three MEMBERS payloads
  auto fits = reader->replay(q);
  CHECK(seqs(fits) == seq_list{1, 3, 4});
  CHECK(fits.complete);

  q.max_bytes = 299;
  auto cut = reader->replay(q);
  CHECK(seqs(cut) == seq_list{1, 3});
  CHECK_FALSE(cut.complete);

  auto host = member("host-R1", true, false);
  host.max_bytes = 50'000; // smaller than seq 2 alone
  auto host_cut = reader->replay(host);
  CHECK(seqs(host_cut) == seq_list{1});
  CHECK_FALSE(host_cut.complete);
}

TEST_CASE("replay: the reader connection sees what the writer committed, not "
          "what it has not") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set room;
  room.rooms.push_back(make_room("R1"));
  commit_one(*db, room);
  auto reader = open_sqlite_reader(file.path());
  CHECK(reader->replay(member("p1", false, true)).events.empty());

  write_set ws;
  ws.events = {event(1, "MEMBERS"), event(2, "USER", "p1")};
  db->begin();
  db->apply(ws);
  // Uncommitted: the reader neither sees it nor waits for the writer.
  auto before = reader->replay(member("p1", false, true));
  CHECK(before.events.empty());
  CHECK(before.last_seq_in_log == 0);
  db->commit();

  auto after = reader->replay(member("p1", false, true));
  CHECK(seqs(after) == seq_list{1, 2});
  CHECK(after.last_seq_in_log == 2);
}

TEST_CASE("replay: the reader connection needs a database the writer has "
          "migrated") {
  temp_db file;
  CHECK_THROWS_AS(open_sqlite_reader(file.path()), store_error); // no file
  auto db = open_sqlite(file.path());
  auto reader = open_sqlite_reader(file.path());
  other_connection c(file.path());
  CHECK(c.integer("PRAGMA user_version")
        == sqlite_detail::latest_schema_version());
  CHECK(reader->replay(member("p1", false, true)).events.empty());
  // A file that the writer has not migrated yet is refused.
  temp_db old;
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(old.path().c_str(), &raw) == SQLITE_OK);
    sqlite_detail::db_handle h(raw);
    sqlite_detail::configure(raw, sync_mode::normal);
    sqlite_detail::migrate(raw, 2);
  }
  CHECK_THROWS_WITH(
    open_sqlite_reader(old.path()),
    Catch::Contains("schema version 2, expected "
                    + std::to_string(sqlite_detail::latest_schema_version())));
}
