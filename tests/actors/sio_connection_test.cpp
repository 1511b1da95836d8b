// The Socket.IO connection actor: namespaces no domain serves, the connect
// timeout, and leaving, against the real relay.

#include "fixture.hpp"
#include "sio_fixture.hpp"

#include "actors/socketio/connection.hpp"

#include <caf/send.hpp>

using namespace proctord;
using namespace proctord::test;
namespace sio = protocol::socketio;

namespace {

/// A domain that admits every socket and records what it hears.
struct domain_log {
  std::vector<std::string> joins;
  std::vector<std::string> leaves;
  std::vector<std::string> events;
};

sio_domain_actor::behavior_type recording_domain(sio_domain_actor::pointer self,
                                                 std::shared_ptr<domain_log> log) {
  return {
    [=](sio_join& j) {
      log->joins.push_back(j.from.nsp + " " + j.auth + " " + j.address);
      self->send(j.relay, sio_envelope{j.from.nsp, {j.from.at}, sio::out::connected{j.sid, {}}});
      self->send(j.conn, sio_seated{j.from.at.channel, true});
    },
    [=](sio_from& f, sio::command& c) {
      if (auto* e = std::get_if<sio::raw_event>(&c))
        log->events.push_back(f.nsp + " " + e->name + " " + e->args);
    },
    [=](sio_from& f, leave_atom) { log->leaves.push_back(f.nsp); },
  };
}

struct sio_fixture : actor_fixture {
  std::shared_ptr<domain_log> log = std::make_shared<domain_log>();
  std::shared_ptr<sio_inbox> in = std::make_shared<sio_inbox>();
  std::shared_ptr<sio_outbound> out = std::make_shared<sio_outbound>(in);
  sio_connection_actor conn;

  sio_fixture() {
    auto domain = sys.spawn(recording_domain, log);
    remember(domain);
    auto cfg = std::make_shared<sio_connection_config>();
    cfg->connect_timeout = std::chrono::seconds{2};
    cfg->namespaces.add_exact("/", domain);
    cfg->namespaces.add_pattern("/room/", domain);
    auto id = sockets->next_id();
    sockets->add(id, out, dialect::socketio);
    conn = sys.spawn(sio_connection, relay_, id,
                     std::shared_ptr<const sio_connection_config>{cfg},
                     std::string{"10.1.1.1"}, std::string{});
    remember(conn);
    drain(); // the actor starts (and arms its connect timeout)
  }

  void connect(channel_id ch, std::string nsp, std::string auth = {}) {
    caf::anon_send(conn, ch, sio_connect{std::move(nsp), std::move(auth)});
    drain();
  }
};

} // namespace

TEST_CASE_METHOD(sio_fixture,
                 "sio connection: a namespace nobody serves is Invalid namespace",
                 "[sio]") {
  connect(0, "/random");
  connect(1, "/room/a/b"); // a pattern takes one segment only
  connect(2, "/room/");
  REQUIRE(in->packets.size() == 3);
  CHECK(in->packets[0] == R"(44/random,{"message":"Invalid namespace"})");
  CHECK(in->packets[1] == R"(44/room/a/b,{"message":"Invalid namespace"})");
  CHECK(log->joins.empty());
  // The connection stays usable.
  connect(3, "/", R"({"token":"t"})");
  CHECK(log->joins == std::vector<std::string>{R"(/ {"token":"t"} 10.1.1.1)"});
  CHECK(in->packets.back().rfind("40{\"sid\":", 0) == 0);
}

TEST_CASE_METHOD(sio_fixture,
                 "sio connection: events reach the namespace's domain and leaving tells it",
                 "[sio]") {
  connect(0, "/");
  connect(1, "/room/r1");
  caf::anon_send(conn, channel_id{1},
                 sio::command{sio::raw_event{"hello", "1", {}, std::nullopt}});
  drain();
  CHECK(log->events == std::vector<std::string>{"/room/r1 hello 1"});
  caf::anon_send(conn, channel_id{1}, leave_atom::value);
  drain();
  CHECK(log->leaves == std::vector<std::string>{"/room/r1"});
  // After the DISCONNECT, events of that channel go nowhere.
  caf::anon_send(conn, channel_id{1},
                 sio::command{sio::raw_event{"late", "", {}, std::nullopt}});
  drain();
  CHECK(log->events.size() == 1);
  // Closing the connection tells the domain of every namespace left.
  caf::anon_send(conn, closed_atom::value);
  drain();
  CHECK(log->leaves == std::vector<std::string>{"/room/r1", "/"});
}

TEST_CASE_METHOD(sio_fixture,
                 "sio connection: no namespace within the connect timeout closes",
                 "[sio]") {
  advance(std::chrono::seconds{2});
  CHECK(in->closed == 1000);
}

TEST_CASE_METHOD(sio_fixture,
                 "sio connection: a namespace joined in time keeps the connection",
                 "[sio]") {
  connect(0, "/");
  advance(std::chrono::seconds{3});
  CHECK(in->closed == 0);
}
