// The connection actor itself, with the real directory, rooms, store and
// relay: authentication, the joining state, one room per channel, channels.
// Each client is a real connection actor whose frames reach a recording
// socket through the relay, as in the server.

#include "fixture.hpp"

#include "actors/connection.hpp"
#include "actors/directory.hpp"

using namespace proctord;
using namespace proctord::test;

namespace {

struct client {
  connection_actor conn;
  std::shared_ptr<inbox> in;
  inbox* operator->() const { return in.get(); }
};

struct connection_fixture : actor_fixture {
  directory_actor dir;
  protocol::token_config tokens{"test-secret", {}, {}};

  connection_fixture() {
    room_cfg.tokens = tokens;
    dir = sys.spawn(directory, room_cfg, store_, std::vector<std::string>{},
                    std::vector<persistence::room_snapshot>{});
    remember(dir);
  }

  std::string token(const std::string& user, const std::string& name) {
    return protocol::mint_token(protocol::identity{user, name, {}}, tokens);
  }

  /// A new connection; `who` as a handshake token would set it.
  client open(std::optional<protocol::identity> who = std::nullopt) {
    auto in = std::make_shared<inbox>();
    auto id = sockets->next_id();
    auto out = std::make_shared<recording_outbound>(in);
    outs.push_back(out);
    sockets->add(id, out, dialect::native);
    auto conn = sys.spawn(connection, relay_, id, dir,
                          std::make_shared<const protocol::token_config>(tokens),
                          std::move(who),
                          "sock-" + std::to_string(id));
    remember(conn);
    return client{conn, in};
  }

  template <class Command>
  void send(const client& c, Command cmd, channel_id ch = 0) {
    caf::anon_send(c.conn, ch, protocol::command{std::move(cmd)});
    drain();
  }

  /// A room created by `host` on channel 0; its id.
  std::string create(const client& host, const std::string& user,
                     bool is_public = false) {
    auto spec = room_spec(10, is_public);
    spec.token = token(user, "Host " + user);
    send(host, spec);
    return host->one("ROOM_CREATED")["data"]["roomId"];
  }

  json status(const client& c, channel_id ch = 0) {
    c->clear();
    send(c, cmd::get_room_status{}, ch);
    auto s = c->one("ROOM_STATUS")["data"];
    c->clear();
    return s;
  }
};

} // namespace

TEST_CASE_METHOD(connection_fixture,
                 "connection: commands before a token get UNAUTHORIZED; a "
                 "token for another user gets IDENTITY_MISMATCH",
                 "[connection]") {
  auto c = open();
  send(c, cmd::start_room{});
  send(c, cmd::join_room{"", "ABC123"});
  send(c, cmd::join_room{"not-a-token", "ABC123"});
  CHECK(c->errors()
        == std::vector<std::string>{"UNAUTHORIZED", "UNAUTHORIZED",
                                    "UNAUTHORIZED"});
  c->clear();
  auto host = open();
  auto id = create(host, "h1");
  auto p = open(protocol::identity{"p1", "Pat", {}});
  send(p, cmd::join_room{token("someone-else", "Eve"), id});
  CHECK(p->errors() == std::vector<std::string>{"IDENTITY_MISMATCH"});
  CHECK(status(host)["participants"].empty());
}

TEST_CASE_METHOD(connection_fixture,
                 "connection: CREATE_ROOM then JOIN_ROOM sent back to back "
                 "seat it in one room only",
                 "[connection]") {
  auto other = open();
  auto other_id = create(other, "h0", true);
  other->clear();

  auto c = open();
  auto spec = room_spec();
  spec.token = token("u1", "Uma");
  // Both in the connection's mailbox before either is handled.
  caf::anon_send(c.conn, channel_id{0}, protocol::command{spec});
  caf::anon_send(c.conn, channel_id{0}, protocol::command{cmd::join_room{"", other_id}});
  drain();
  CHECK(c->count("ROOM_CREATED") == 1);
  auto err = c->one("ERROR");
  CHECK(err["code"] == "ALREADY_IN_ROOM");
  CHECK(err["requestType"] == "JOIN_ROOM");
  // The other (public) room never saw it: no member, no USER_JOINED.
  CHECK(other->count("USER_JOINED") == 0);
  auto s = status(other);
  CHECK(s["participants"].empty());
  CHECK(s["connectedCount"] == 1);
  // And its own room has it as host.
  CHECK(status(c)["yourRole"] == "host");
}

TEST_CASE_METHOD(connection_fixture,
                 "connection: a connection that closes while its join is in "
                 "flight leaves no member connected",
                 "[connection]") {
  auto host = open();
  auto id = create(host, "h1", true);
  host->clear();
  auto p = open();
  caf::anon_send(p.conn, channel_id{0},
                 protocol::command{cmd::join_room{token("p1", "Pat"), id}});
  caf::anon_send(p.conn, closed_atom::value);
  drain();
  // A member that was seated and dropped counts as connected for the
  // presence grace; once it ran out, nobody is.
  grace_passes();
  auto s = status(host);
  // The join may have committed; the member is not connected either way.
  for (auto& m : s["participants"])
    CHECK(m["connected"] == false);
  CHECK(s["connectedCount"] == 1);
  // Nobody was told it is in the room and stayed.
  CHECK(host->count("USER_JOINED") == host->count("USER_LEFT"));
}

TEST_CASE_METHOD(connection_fixture,
                 "connection: channels sit in one room each; one socket gets "
                 "the frames of both",
                 "[connection]") {
  auto h1 = open();
  auto r1 = create(h1, "h1", true);
  auto h2 = open();
  auto r2 = create(h2, "h2", true);
  auto c = open(protocol::identity{"u1", "Uma", {}});
  send(c, cmd::join_room{"", r1}, 1);
  send(c, cmd::join_room{"", r2}, 2);
  CHECK(c->count("JOIN_APPROVED") == 2);
  // Channel 1 is in r1: r2 is refused there, and a channel never sits in two.
  send(c, cmd::join_room{"", r2}, 1);
  CHECK(c->errors() == std::vector<std::string>{"ALREADY_IN_ROOM"});
  CHECK(status(c, 1)["roomId"] == r1);
  CHECK(status(c, 2)["roomId"] == r2);
  // Each channel's commands reach its own room.
  send(c, cmd::leave_room{}, 2);
  CHECK(status(h2)["participants"][0]["status"] == "LEFT");
  CHECK(status(h1)["participants"][0]["status"] == "APPROVED");
  send(c, cmd::get_room_status{}, 2);
  CHECK(c->errors().back() == "NOT_IN_ROOM");
}

TEST_CASE_METHOD(connection_fixture,
                 "connection: RESUME with no token takes the member's name "
                 "back from the room",
                 "[connection]") {
  auto host = open();
  auto id = create(host, "h1", true);
  auto p = open();
  send(p, cmd::join_room{token("p1", "Pat Doe"), id});
  std::string resume_token = p->one("JOIN_APPROVED")["data"]["resumeToken"];
  caf::anon_send(p.conn, closed_atom::value);
  drain();

  auto back = open(); // no handshake token: RESUME is all it has
  send(back, cmd::resume{resume_token, 0});
  REQUIRE(back->count("RESUMED") == 1);
  // The identity now has the name: a room it creates on another channel
  // shows it as the host's name.
  send(back, room_spec(), 1);
  REQUIRE(back->count("ROOM_CREATED") == 1);
  CHECK(status(back, 1)["hostName"] == "Pat Doe");
}
