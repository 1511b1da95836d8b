// Public study rooms (seed 002) at the actor level: the real Socket.IO
// connection actor, study directory, rooms, relay and store (a real SQLite
// file), with sockets that record the Socket.IO packets they are sent. The
// clock is simulated, so the health check runs in no time.

#include "fixture.hpp"
#include "sio_fixture.hpp"

#include "actors/socketio/connection.hpp"
#include "actors/study/directory.hpp"
#include "actors/study/room.hpp"

#include <caf/send.hpp>

using namespace proctord;
using namespace proctord::test;
namespace study = protocol::study;
namespace sio = protocol::socketio;

namespace {

struct sock {
  sio_connection_actor conn;
  std::shared_ptr<sio_inbox> in;
  std::uint64_t id = 0;
  sio_inbox* operator->() const { return in.get(); }
};

struct study_fixture : actor_fixture {
  study_config cfg;
  study_actor dir;
  std::shared_ptr<sio_connection_config> conn_cfg;
  std::vector<std::shared_ptr<sio_outbound>> keep;

  study_fixture() {
    cfg.hash_key = "test-key";
    cfg.ping_interval = std::chrono::seconds{1};
    cfg.max_missed_pings = 2;
    dir = sys.spawn(study_directory, cfg, store_.writer, relay_,
                    persistence::study_snapshot{});
    remember(dir);
    conn_cfg = std::make_shared<sio_connection_config>();
    conn_cfg->connect_timeout = std::chrono::hours{1};
    conn_cfg->namespaces.add_pattern("/public-room/", dir);
    drain();
  }

  study_reply call(study_request req) {
    auto reply = std::make_shared<study_reply>();
    auto d = dir;
    spawn_fn([=](caf::event_based_actor* self) -> caf::behavior {
      self->request(d, caf::infinite, req).then([=](study_reply& r) {
        *reply = std::move(r);
        self->quit();
      });
      return {};
    });
    drain();
    return *reply;
  }

  std::string user(const std::string& name, const std::string& address) {
    study_request req;
    req.what = study_request::op::create_user;
    req.name = name;
    req.address = address;
    auto r = call(req);
    REQUIRE(r.status == 201);
    return r.user.user_id;
  }

  std::string room(std::int32_t capacity) {
    study_request req;
    req.what = study_request::op::create_room;
    req.name = "Library";
    req.capacity = capacity;
    auto r = call(req);
    REQUIRE(r.status == 201);
    return r.room.room_id;
  }

  /// POST /api/public/rooms/:room/join for `user_id`, from `address`.
  study_reply rest_join(const std::string& room_id, const std::string& user_id,
                        const std::string& address) {
    study_request req;
    req.what = study_request::op::join;
    req.room_id = room_id;
    req.user_id = user_id;
    req.address = address;
    return call(req);
  }

  std::int32_t occupancy(const std::string& room_id) {
    study_request req;
    req.what = study_request::op::list_rooms;
    for (auto& r : call(req).rooms)
      if (r.room_id == room_id)
        return r.occupancy;
    FAIL("no room " << room_id);
    return -1;
  }

  /// A connection from `address` whose channel 0 joins the room's namespace.
  sock connect(const std::string& room_id, const std::string& address) {
    auto in = std::make_shared<sio_inbox>();
    auto out = std::make_shared<sio_outbound>(in);
    keep.push_back(out);
    auto id = sockets->next_id();
    sockets->add(id, out, dialect::socketio);
    auto conn = sys.spawn(sio_connection, relay_, id,
                          std::shared_ptr<const sio_connection_config>{conn_cfg},
                          address, std::string{});
    remember(conn);
    caf::anon_send(conn, channel_id{0}, sio_connect{"/public-room/" + room_id, ""});
    drain();
    return sock{conn, in, id};
  }

  void emit(const sock& s, study::command c) {
    caf::anon_send(s.conn, channel_id{0}, sio::command{std::move(c)});
    drain();
  }

  void close(const sock& s) {
    sockets->remove(s.id);
    caf::anon_send(s.conn, closed_atom::value);
    drain();
  }
};

} // namespace

TEST_CASE_METHOD(study_fixture,
                 "study: join-room tells every socket with the stored name",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto r = room(5);
  auto a = connect(r, "10.0.0.1");
  auto b = connect(r, "10.0.0.2");
  CHECK(a->packets.front().rfind("40/public-room/" + r + ",{\"sid\":", 0) == 0);
  emit(a, study::cmd::join_room{ann});
  for (auto* s : {&a, &b}) {
    auto joined = (*s)->events("user-joined");
    REQUIRE(joined.size() == 1);
    CHECK(joined[0]["userId"] == ann);
    CHECK(joined[0]["userName"] == "Ann");
    CHECK(joined[0]["currentOccupancy"] == 1);
    CHECK(joined[0]["joinedAt"].get<std::string>().back() == 'Z');
  }
  CHECK(occupancy(r) == 1);
  CHECK(db->count("SELECT * FROM public_room_members WHERE userId = '" + ann + "'") == 1);
}

TEST_CASE_METHOD(study_fixture,
                 "study: a user of another address is INVALID_USER and nothing changes",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto r = room(5);
  auto other = connect(r, "10.0.0.2");
  emit(other, study::cmd::join_room{ann});
  CHECK(other->errors() == std::vector<std::string>{"INVALID_USER"});
  CHECK(other->events("user-joined").empty());
  emit(other, study::cmd::join_room{"no-such-user"});
  CHECK(other->errors().size() == 2);
  CHECK(occupancy(r) == 0);
  CHECK(db->count("SELECT * FROM public_room_members") == 0);
}

TEST_CASE_METHOD(study_fixture,
                 "study: two joiners for the last place: one joins and one gets JOIN_ERROR",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto bob = user("Bob", "10.0.0.2");
  auto r = room(1);
  auto a = connect(r, "10.0.0.1");
  auto b = connect(r, "10.0.0.2");
  // Both before either commit: the first one's place is held while it commits.
  caf::anon_send(a.conn, channel_id{0}, sio::command{study::command{study::cmd::join_room{ann}}});
  caf::anon_send(b.conn, channel_id{0}, sio::command{study::command{study::cmd::join_room{bob}}});
  drain();
  CHECK(a->events("user-joined").size() == 1);
  CHECK(b->errors() == std::vector<std::string>{"JOIN_ERROR"});
  CHECK(occupancy(r) == 1);
  auto full = rest_join(r, bob, "10.0.0.2");
  CHECK(full.status == 409);
  CHECK(full.code == "ROOM_FULL");
}

TEST_CASE_METHOD(study_fixture,
                 "study: a join the store cannot commit is JOIN_ERROR and the retry works",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto r = room(5);
  auto a = connect(r, "10.0.0.1");
  auto b = connect(r, "10.0.0.2");
  {
    failing_trigger broken{file.path(), "public_room_members", "INSERT"};
    emit(a, study::cmd::join_room{ann});
    CHECK(a->errors() == std::vector<std::string>{"JOIN_ERROR"});
    CHECK(b->events("user-joined").empty());
    CHECK(occupancy(r) == 0);
  }
  emit(a, study::cmd::join_room{ann});
  CHECK(b->events("user-joined").size() == 1);
  CHECK(occupancy(r) == 1);
  CHECK(db->count("SELECT * FROM public_room_members") == 1);
}

TEST_CASE_METHOD(study_fixture,
                 "study: leave-room tells the others then disconnects the leaver",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto r = room(5);
  auto a = connect(r, "10.0.0.1");
  auto b = connect(r, "10.0.0.2");
  emit(a, study::cmd::join_room{ann});
  emit(a, study::cmd::leave_room{ann});
  auto left = b->events("user-left");
  REQUIRE(left.size() == 1);
  CHECK(left[0] == json{{"userId", ann}, {"currentOccupancy", 0}});
  CHECK(a->events("user-left").empty());
  CHECK(a->disconnected());
  CHECK_FALSE(b->disconnected());
  CHECK(db->count("SELECT * FROM public_room_members") == 0);
  // A second leave is LEAVE_ERROR (from a fresh socket: the first is gone).
  auto c = connect(r, "10.0.0.1");
  emit(c, study::cmd::leave_room{ann});
  CHECK(c->errors() == std::vector<std::string>{"LEAVE_ERROR"});
}

TEST_CASE_METHOD(study_fixture,
                 "study: a closed connection leaves the room and the others hear it",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto r = room(5);
  auto a = connect(r, "10.0.0.1");
  auto b = connect(r, "10.0.0.2");
  emit(a, study::cmd::join_room{ann});
  close(a);
  REQUIRE(b->events("user-left").size() == 1);
  CHECK(occupancy(r) == 0);
}

TEST_CASE_METHOD(study_fixture,
                 "study: a REST join then join-room takes one place",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto r = room(1);
  auto joined = rest_join(r, ann, "10.0.0.1");
  CHECK(joined.status == 200);
  CHECK(joined.room.occupancy == 1);
  auto a = connect(r, "10.0.0.1");
  emit(a, study::cmd::join_room{ann});
  auto ev = a->events("user-joined");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["currentOccupancy"] == 1);
  // From another address, the REST call is refused.
  auto refused = rest_join(r, ann, "10.0.0.9");
  CHECK(refused.status == 403);
  CHECK(refused.code == "INVALID_USER");
}

TEST_CASE_METHOD(study_fixture,
                 "study: a third socket from one address gets TOO_MANY_CONNECTIONS",
                 "[study]") {
  auto r = room(5);
  auto a = connect(r, "10.0.0.1");
  auto b = connect(r, "10.0.0.1");
  auto c = connect(r, "10.0.0.1");
  CHECK(c->errors() == std::vector<std::string>{"TOO_MANY_CONNECTIONS"});
  CHECK(c->disconnected());
  CHECK(a->errors().empty());
  CHECK(b->errors().empty());
  auto other = connect(r, "10.0.0.2");
  CHECK(other->errors().empty());
  // Once one goes, the address may connect again.
  close(a);
  auto d = connect(r, "10.0.0.1");
  CHECK(d->errors().empty());
}

TEST_CASE_METHOD(study_fixture,
                 "study: idle sockets get ping and time out without pong",
                 "[study]") {
  auto r = room(5);
  auto quiet = connect(r, "10.0.0.1");
  auto alive = connect(r, "10.0.0.2");
  advance(std::chrono::seconds{1});
  CHECK(quiet->events("ping").size() == 1);
  REQUIRE(alive->events("ping").size() == 1);
  emit(alive, study::cmd::pong{});
  advance(std::chrono::seconds{1}); // quiet: one miss, pinged again
  emit(alive, study::cmd::pong{});
  CHECK(quiet->events("ping").size() == 2);
  CHECK(quiet->errors().empty());
  advance(std::chrono::seconds{1}); // quiet: the second miss
  emit(alive, study::cmd::pong{});
  CHECK(quiet->errors() == std::vector<std::string>{"CONNECTION_TIMEOUT"});
  CHECK(quiet->disconnected());
  for (int i = 0; i < 4; ++i) {
    advance(std::chrono::seconds{1});
    emit(alive, study::cmd::pong{});
  }
  CHECK(alive->errors().empty());
  CHECK_FALSE(alive->disconnected());
}

TEST_CASE_METHOD(study_fixture,
                 "study: a bad payload is INVALID_REQUEST and an unknown room ROOM_NOT_FOUND",
                 "[study]") {
  auto ann = user("Ann", "10.0.0.1");
  auto r = room(5);
  auto a = connect(r, "10.0.0.1");
  emit(a, study::cmd::invalid{"userId is required"});
  CHECK(a->errors() == std::vector<std::string>{"INVALID_REQUEST"});
  auto lost = connect("no-such-room", "10.0.0.1");
  emit(lost, study::cmd::join_room{ann});
  CHECK(lost->errors() == std::vector<std::string>{"ROOM_NOT_FOUND"});
  CHECK(occupancy(r) == 0);
}
