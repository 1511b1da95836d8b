// Public study rooms in the SQLite store: every field round-trips across a
// reopen, memberships are upserted and removed, and a bad row (a second
// user with the same id, a capacity of 0, a member of an unknown room or
// user) fails its own write set only.

#include "sqlite_test_support.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

constexpr millis t0 = 1'706'543'210'000; // any fixed time

std::vector<std::string> ids(const std::vector<public_user_record>& v) {
  std::vector<std::string> out;
  for (const auto& u : v) out.push_back(u.user_id);
  return out;
}

std::vector<std::string> ids(const std::vector<public_room_record>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.room_id);
  return out;
}

std::vector<std::string> ids(const std::vector<public_member_record>& v) {
  std::vector<std::string> out;
  for (const auto& m : v) out.push_back(m.room_id + "/" + m.user_id);
  return out;
}

// A text with quotes, SQL, accents, CJK, an emoji and a NUL byte.
const std::string unicode = std::string("it's \"q\"; DROP TABLE public_users;"
                                        " -- \xc3\xa9t\xc3\xa9 \xe6\x97\xa5"
                                        "\xe6\x9c\xac \xf0\x9f\x93\x9a ")
                            + '\0' + "after NUL";

/// Two users (pu1, pu2) in one room (pr1), pu1 first.
write_set room_with_two_members() {
  write_set ws;
  ws.public_users = {make_public_user("pu1", t0), make_public_user("pu2", t0)};
  ws.public_rooms = {make_public_room("pr1", t0 + 1)};
  ws.public_members = {make_public_member("pr1", "pu1", t0 + 2),
                       make_public_member("pr1", "pu2", t0 + 3)};
  return ws;
}

} // namespace

TEST_CASE("public users rooms and members round-trip every field after a "
          "reopen") {
  temp_db file;
  study_snapshot in;
  in.users = {make_public_user("pu-\xce\xbb", t0, std::string(64, 'f')),
              make_public_user("pu-0", 0)}; // 0 is a time like any other
  in.users[0].user_name = unicode;
  in.rooms = {make_public_room("pr1", t0 + 5, 1),
              make_public_room("pr2", t0 + 6, 2'000'000'000)};
  in.rooms[1].name = unicode;
  in.members = {make_public_member("pr1", "pu-\xce\xbb", 0),
                make_public_member("pr2", "pu-0", t0 + 7)};
  {
    auto db = open_sqlite(file.path());
    write_set ws;
    ws.public_users = in.users;
    ws.public_rooms = in.rooms;
    ws.public_members = in.members;
    commit_one(*db, ws); // users and rooms come before members in a set
  }

  auto db = open_sqlite(file.path());
  // Users by createdAt (pu-0's 0 first), rooms by createdAt.
  study_snapshot expected = in;
  std::swap(expected.users[0], expected.users[1]);
  check_same(db->load_study(), expected);

  other_connection c(file.path());
  // Times are NOT NULL and stored as given: 0 is 0, not NULL.
  CHECK(c.text("SELECT quote(createdAt) FROM public_users"
               " WHERE userId = 'pu-0'")
        == "0");
  CHECK(c.text("SELECT quote(joinedAt) FROM public_room_members"
               " WHERE roomId = 'pr1'")
        == "0");
  CHECK(c.text("SELECT length(CAST(userName AS BLOB)) FROM public_users"
               " WHERE createdAt = " + std::to_string(t0))
        == std::to_string(unicode.size()));
}

TEST_CASE("public rooms load by createdAt then id and members by room then "
          "joinedAt then user") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws;
  ws.public_users = {make_public_user("c", t0 + 2), make_public_user("b", t0),
                     make_public_user("a", t0), make_public_user("d", t0 + 1)};
  ws.public_rooms = {make_public_room("r3", t0), make_public_room("r1", t0 + 9),
                     make_public_room("r2", t0)};
  ws.public_members = {make_public_member("r2", "d", t0 + 5),
                       make_public_member("r1", "c", t0 + 7),
                       make_public_member("r2", "b", t0 + 5),
                       make_public_member("r2", "a", t0 + 6),
                       make_public_member("r1", "a", t0 + 6)};
  commit_one(*db, ws);

  const auto s = db->load_study();
  CHECK(ids(s.users) == std::vector<std::string>{"a", "b", "d", "c"});
  CHECK(ids(s.rooms) == std::vector<std::string>{"r2", "r3", "r1"});
  CHECK(ids(s.members)
        == std::vector<std::string>{"r1/a", "r1/c", "r2/b", "r2/d", "r2/a"});
  for (const auto& m : s.members) CHECK_FALSE(m.removed);
}

TEST_CASE("a removed member's row is deleted and a removal of no row is no "
          "error") {
  temp_db file;
  {
    auto db = open_sqlite(file.path());
    commit_one(*db, room_with_two_members());
    write_set leave;
    leave.public_members = {removal("pr1", "pu1"),
                            removal("pr1", "pu1"),     // twice: a leave then
                            removal("pr1", "nobody")}; // a disconnect
    commit_one(*db, leave);
  }
  auto db = open_sqlite(file.path());
  const auto s = db->load_study();
  CHECK(ids(s.members) == std::vector<std::string>{"pr1/pu2"});
  // The user and the room stay.
  CHECK(s.users.size() == 2);
  CHECK(s.rooms.size() == 1);

  // A set applies its members in order: a removal then a join leaves the
  // join, a join then a removal leaves nothing.
  write_set ws;
  ws.public_members = {removal("pr1", "pu1"),
                       make_public_member("pr1", "pu1", t0 + 10),
                       make_public_member("pr1", "pu2", t0 + 11),
                       removal("pr1", "pu2")};
  commit_one(*db, ws);
  const auto after = db->load_study();
  REQUIRE(ids(after.members) == std::vector<std::string>{"pr1/pu1"});
  CHECK(after.members[0].joined_at == t0 + 10);
}

TEST_CASE("a public room or membership written again takes its new values") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, room_with_two_members());

  write_set again;
  auto room = make_public_room("pr1", t0 + 1, 3);
  room.name = "Renamed";
  again.public_rooms = {room};
  again.public_members = {make_public_member("pr1", "pu1", t0 + 50)};
  commit_one(*db, again); // the room's members do not stop the upsert

  const auto s = db->load_study();
  REQUIRE(s.rooms.size() == 1);
  check_same(s.rooms[0], room);
  REQUIRE(s.members.size() == 2);
  CHECK(ids(s.members) == std::vector<std::string>{"pr1/pu2", "pr1/pu1"});
  CHECK(s.members[1].joined_at == t0 + 50);
}

TEST_CASE("a second public user with the same id fails its write set and "
          "the rest of the batch commits") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, room_with_two_members());

  write_set before;
  before.public_users = {make_public_user("pu3", t0 + 20)};
  write_set duplicate;
  duplicate.public_rooms = {make_public_room("pr2", t0 + 21)};
  duplicate.public_users = {make_public_user("pu4", t0 + 21),
                            make_public_user("pu1", t0 + 21, "other")};
  duplicate.public_members = {make_public_member("pr2", "pu4", t0 + 22)};
  write_set after;
  after.public_members = {make_public_member("pr1", "pu3", t0 + 23)};

  db->begin();
  db->apply(before);
  CHECK_THROWS_WITH(db->apply(duplicate),
                    Catch::Contains("insert public user")
                      && Catch::Contains("UNIQUE constraint failed"));
  db->apply(after);
  db->commit();

  const auto s = db->load_study();
  // Nothing of the failed set: not pu4, not pr2, not its member; pu1 as it
  // was.
  CHECK(ids(s.users) == std::vector<std::string>{"pu1", "pu2", "pu3"});
  CHECK(s.users[0].address_hash == "ab12");
  CHECK(ids(s.rooms) == std::vector<std::string>{"pr1"});
  CHECK(ids(s.members)
        == std::vector<std::string>{"pr1/pu1", "pr1/pu2", "pr1/pu3"});
}

TEST_CASE("a public room of capacity 0 or below fails its write set") {
  temp_db file;
  auto db = open_sqlite(file.path());
  for (const std::int32_t capacity : {0, -1}) {
    INFO("capacity " << capacity);
    write_set ws;
    ws.public_rooms = {make_public_room("pr1", t0, capacity)};
    db->begin();
    CHECK_THROWS_WITH(db->apply(ws),
                      Catch::Contains("upsert public room")
                        && Catch::Contains("CHECK constraint failed"));
    db->commit();
  }
  // Nor may a room written again drop to 0.
  write_set good;
  good.public_rooms = {make_public_room("pr1", t0, 4)};
  commit_one(*db, good);
  write_set shrink;
  shrink.public_rooms = {make_public_room("pr1", t0, 0)};
  db->begin();
  CHECK_THROWS_AS(db->apply(shrink), store_error);
  db->commit();
  const auto s = db->load_study();
  REQUIRE(s.rooms.size() == 1);
  CHECK(s.rooms[0].capacity == 4);
}

TEST_CASE("a member of an unknown public room or user fails its write set") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, room_with_two_members());

  write_set no_room;
  no_room.public_members = {make_public_member("pr9", "pu1", t0 + 30)};
  write_set no_user;
  no_user.public_members = {make_public_member("pr1", "pu9", t0 + 30)};
  // The public tables are not the interview rooms': a public member cannot
  // name an interview room either.
  write_set interview_room;
  interview_room.rooms = {make_room("R1")};
  interview_room.public_members = {make_public_member("R1", "pu1", t0 + 30)};

  db->begin();
  for (const auto* ws : {&no_room, &no_user, &interview_room}) {
    CHECK_THROWS_WITH(db->apply(*ws),
                      Catch::Contains("upsert public room member")
                        && Catch::Contains("FOREIGN KEY constraint failed"));
  }
  db->commit();

  const auto s = db->load_study();
  CHECK(ids(s.members) == std::vector<std::string>{"pr1/pu1", "pr1/pu2"});
  CHECK(db->load_rooms().empty()); // the failed set's interview room too
  other_connection c(file.path());
  CHECK(c.column("PRAGMA foreign_key_check").empty());
}
