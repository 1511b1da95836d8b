// The directory actor: CREATE_ROOM spawns a room with a fresh id, JOIN_ROOM
// finds it, and ids of ended rooms answer ROOM_ENDED.

#include "fixture.hpp"

#include "actors/directory.hpp"

#include <regex>
#include <set>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;

namespace {

struct lookup_result {
  bool answered = false;
  room_actor room;
  protocol::error_code code = protocol::error_code::internal;
};

struct directory_fixture : actor_fixture {
  directory_actor dir;

  void start_directory(std::vector<std::string> ended = {},
                       std::vector<persistence::room_snapshot> restore = {}) {
    dir = sys.spawn(directory, room_cfg, store_, std::move(ended),
                    std::move(restore));
    remember(dir);
  }

  template <class... Ts>
  std::shared_ptr<lookup_result> ask(Ts... xs) {
    auto out = std::make_shared<lookup_result>();
    spawn_fn([=, d = dir](caf::event_based_actor* self) -> caf::behavior {
      self->request(d, caf::infinite, xs...)
        .then(
          [=](room_actor& r) {
            out->answered = true;
            out->room = r;
          },
          [=](caf::error& err) {
            out->answered = true;
            out->code = to_error_code(err);
          });
      return {};
    });
    drain();
    return out;
  }
};

persistence::room_record known_room(const std::string& id,
                                    const std::string& status) {
  persistence::room_record r;
  r.room_id = id;
  r.status = status;
  return r;
}

} // namespace

TEST_CASE_METHOD(directory_fixture,
                 "directory: CREATE_ROOM spawns a room that JOIN_ROOM finds",
                 "[directory]") {
  start_directory();
  auto host = connect("h1");
  auto created = ask(host.who, room_spec());
  REQUIRE(created->answered);
  REQUIRE(created->room);
  auto e = host->one("ROOM_CREATED")["data"];
  const std::string id = e["roomId"];
  CHECK(std::regex_match(id, std::regex{"^[A-Za-z0-9]{6}$"}));
  CHECK(e["roomname"] == "Interview");
  REQUIRE(host->seats.size() == 1);
  CHECK(host->seats[0].state == seat_state::seated);
  CHECK(host->seats[0].role == protocol::member_role::host);
  CHECK(host->seats[0].room_id == id);
  CHECK(db->text("SELECT status FROM rooms WHERE roomId = '" + id + "'")
        == "WAITING");

  auto found = ask(lookup_atom::value, id);
  REQUIRE(found->answered);
  CHECK(found->room == created->room);
  auto missing = ask(lookup_atom::value, std::string{"NOPE00"});
  CHECK_FALSE(missing->room);
  CHECK(missing->code == protocol::error_code::room_not_found);
}

TEST_CASE_METHOD(directory_fixture,
                 "directory: an ended room's id answers ROOM_ENDED once the "
                 "room is gone; a restored room is found",
                 "[directory]") {
  room_cfg.linger = 30s;
  persistence::room_snapshot live;
  live.room = known_room("OLD002", "WAITING");
  start_directory({"OLD001"}, {live});
  CHECK(ask(lookup_atom::value, std::string{"OLD001"})->code
        == protocol::error_code::room_ended);
  CHECK(ask(lookup_atom::value, std::string{"OLD002"})->room);

  auto host = connect("h1");
  auto created = ask(host.who, room_spec());
  const std::string id = host->one("ROOM_CREATED")["data"]["roomId"];
  caf::anon_send(created->room, host.who, cmd::end_room{id});
  drain();
  CHECK(host->count("ROOM_ENDED") == 1);
  // While it lingers, the room itself answers.
  CHECK(ask(lookup_atom::value, id)->room == created->room);
  advance(30s);
  auto after = ask(lookup_atom::value, id);
  CHECK_FALSE(after->room);
  CHECK(after->code == protocol::error_code::room_ended);
}

TEST_CASE("directory: room ids are 6 characters of [A-Za-z0-9]",
          "[directory]") {
  std::mt19937_64 rng{42}; // any seed
  const std::regex shape{"^[A-Za-z0-9]{6}$"};
  std::set<char> chars;
  for (int i = 0; i < 2000; ++i) {
    auto id = make_room_id(rng);
    INFO(id);
    CHECK(std::regex_match(id, shape));
    chars.insert(id.begin(), id.end());
  }
  // 12,000 draws use the whole alphabet.
  CHECK(chars.size() == 62);
}
