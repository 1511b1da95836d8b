#pragma once
// Shared by the actor tests: an actor system on CAF's testing scheduler (one
// thread, simulated time, nothing sleeps), a real SQLite store in a temporary
// file, a second plain sqlite3 connection to look at what was committed, and
// recording stand-ins for connection actors.
//
// Everything runs on the test's thread: an actor only runs inside drain() /
// step() / sched.run_once(), so the test can look at the database between
// two messages.

#include "actors/interfaces.hpp"
#include "actors/interview/room.hpp"
#include "actors/store.hpp"
#include "actors/store_reader.hpp"
#include "persistence/backend.hpp"
#include "protocol/native_codec.hpp"
#include "tests/sqlite_support.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::test {

using json = nlohmann::json;
namespace cmd = protocol::cmd;

// -- files and the database ---------------------------------------------------

/// A second connection to the store's file: sees only what was committed.
class db_probe : public sqlite_probe {
public:
  using sqlite_probe::sqlite_probe;

  /// The single value `sql` selects, or "" when it selects no row.
  std::string text(const std::string& sql) {
    auto rows = column(sql);
    REQUIRE(rows.size() <= 1);
    return rows.empty() ? std::string{} : rows.front();
  }

  long long count(const std::string& sql) {
    return std::stoll(text("SELECT COUNT(*) FROM (" + sql + ")"));
  }
};

// -- connection stand-ins -----------------------------------------------------

/// What one recording connection received, in order.
struct inbox {
  std::vector<json> frames;
  /// The same frames as received: the shared buffers, for checking that a
  /// broadcast was encoded once.
  std::vector<protocol::frame> raw;
  std::vector<seat_changed> seats;
  /// seat_changed(refused): a join, create or resume that did not happen.
  int refusals = 0;
  /// The close code the connection was closed with (0: still open).
  int closed = 0;
  std::string close_reason;
  /// Called for each frame as it arrives (e.g. to look at the database at
  /// the moment an event is observed).
  std::function<void(const json&)> on_frame;

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (auto& f : frames)
      out.push_back(f.value("type", "?"));
    return out;
  }
  std::vector<json> of(std::string_view type) const {
    std::vector<json> out;
    for (auto& f : frames)
      if (f.value("type", "") == type)
        out.push_back(f);
    return out;
  }
  std::size_t count(std::string_view type) const { return of(type).size(); }
  /// The only frame of `type`; fails the test unless there is exactly one.
  json one(std::string_view type) const {
    auto all = of(type);
    INFO("frames: " << json(types()).dump() << ", expected one " << type);
    REQUIRE(all.size() == 1);
    return all.front();
  }
  /// The error codes of all ERROR frames, in order.
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (auto& f : of("ERROR"))
      out.push_back(f.value("code", "?"));
    return out;
  }
  void clear() {
    frames.clear();
    raw.clear();
    seats.clear();
    refusals = 0;
  }
};

/// A socket as the relay sees it: records every frame (as parsed JSON) and
/// the close, in order. Frames reach it through the real delivery path:
/// room -> relay -> socket registry -> outbound.
class recording_outbound : public net::outbound {
public:
  explicit recording_outbound(std::shared_ptr<inbox> in) : in_(std::move(in)) {
  }

  void send(net::shared_frame f) override {
    // CHECK, not REQUIRE: this runs inside an actor.
    CHECK(f != nullptr);
    if (!f)
      return;
    auto doc = json::parse(*f, nullptr, false);
    INFO(*f);
    CHECK_FALSE(doc.is_discarded());
    in_->frames.push_back(doc);
    in_->raw.push_back(f);
    if (in_->on_frame)
      in_->on_frame(doc);
  }

  /// No dialect here sends binary messages: recorded raw, for a test to
  /// notice one.
  void send_binary(net::shared_frame f) override {
    CHECK(f != nullptr);
    if (f)
      in_->raw.push_back(f);
  }

  void close(net::close_code code, std::string reason) override {
    in_->closed = code.value;
    in_->close_reason = std::move(reason);
  }

private:
  std::shared_ptr<inbox> in_;
};

/// A connection actor that records every seat change, ignores commands, and
/// quits when its socket closes (as the real one does).
inline connection_actor::behavior_type
recorder(connection_actor::pointer self, std::shared_ptr<inbox> in) {
  return {
    [](channel_id, protocol::command&) {},
    [in](seat_changed& s) {
      if (s.state == seat_state::refused)
        ++in->refusals;
      else
        in->seats.push_back(std::move(s));
    },
    [self](closed_atom) { self->quit(); },
  };
}

/// A user on one connection.
struct user {
  caller who;
  std::shared_ptr<inbox> in;

  const std::string& id() const { return who.user_id; }
  inbox& operator*() const { return *in; }
  inbox* operator->() const { return in.get(); }
};

// -- the fixture --------------------------------------------------------------

inline caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // One message per resume, so that a test can step message by message.
  cfg.set("scheduler.max-throughput", std::size_t{1});
  return cfg;
}

inline protocol::cmd::create_room
room_spec(std::int32_t max_guests = 10, bool is_public = false,
          std::int32_t duration = 60) {
  protocol::cmd::create_room spec;
  spec.roomname = "Interview";
  spec.max_guests = max_guests;
  spec.question = "Reverse a linked list.";
  spec.duration = duration;
  spec.is_public = is_public;
  return spec;
}

class actor_fixture {
public:
  actor_fixture()
    : file("actors"),
      sys(testing_config(cfg)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    spdlog::set_level(std::getenv("PROCTORD_TEST_LOG") ? spdlog::level::debug : spdlog::level::off);
    // Actors still waiting for a timer at the end of a test must not make
    // the actor system's destructor wait for them.
    sys.await_actors_before_shutdown(false);
    std::shared_ptr<persistence::backend> backend
      = persistence::open_sqlite(file.path());
    store_.writer = sys.spawn(proctord::store, std::move(backend));
    remember(store_.writer);
    // Detached in the server; here on the test scheduler like the rest.
    store_.reader = sys.spawn(
      proctord::store_reader,
      std::shared_ptr<persistence::event_reader>(
        persistence::open_sqlite_reader(file.path())));
    remember(store_.reader);
    relay_ = sys.spawn(proctord::relay, sockets);
    remember(relay_);
    db = std::make_unique<db_probe>(file.path());
  }

  ~actor_fixture() {
    // Stop everything this test spawned and let them run their exit
    // handlers, while the database file still exists.
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    drain();
    spawned.clear();
    db.reset();
  }

  actor_fixture(const actor_fixture&) = delete;
  actor_fixture& operator=(const actor_fixture&) = delete;

  /// Runs every message that is ready, without moving the clock.
  std::size_t drain() {
    std::size_t n = 0;
    while (sched.try_run_once())
      ++n;
    return n;
  }

  /// Moves the simulated clock forward and delivers what became due.
  std::size_t advance(caf::timespan d) {
    auto fired = sched.advance_time(d);
    drain();
    return fired;
  }

  template <class Handle>
  void remember(const Handle& h) {
    spawned.push_back(caf::actor_cast<caf::actor>(h));
  }

  /// Spawns an event-based actor running `body`. (Every spawn passes an
  /// argument: CAF 0.17 dereferences a null pointer, undefined behaviour that
  /// UBSan reports, when a function-based actor is spawned without any.)
  caf::actor
  spawn_fn(std::function<caf::behavior(caf::event_based_actor*)> body) {
    auto a = sys.spawn(
      [](caf::event_based_actor* self,
         std::function<caf::behavior(caf::event_based_actor*)> f) {
        return f(self);
      },
      std::move(body));
    remember(a);
    return a;
  }

  /// A new connection of user `id`, with a socket in the relay's registry.
  user connect(const std::string& id, const std::string& name = {}) {
    auto in = std::make_shared<inbox>();
    auto conn = sys.spawn(recorder, in);
    remember(conn);
    auto conn_id = sockets->next_id();
    auto out = std::make_shared<recording_outbound>(in);
    outs.push_back(out);
    sockets->add(conn_id, out, dialect::native);
    auto socket = "sock-" + id + "-" + std::to_string(conn_id);
    caller c;
    c.user_id = id;
    c.username = name.empty() ? "name-" + id : name;
    c.socket_id = socket;
    c.conn = conn;
    c.relay = relay_;
    c.conn_id = conn_id;
    return user{c, in};
  }

  /// Spawns a room hosted by `host` and runs it until ROOM_CREATED.
  room_actor open_room(const user& host,
                       protocol::cmd::create_room spec = room_spec()) {
    auto r = sys.spawn(proctord::room, room_cfg, store_, room_id, host.who,
                       std::move(spec));
    remember(r);
    drain();
    host->one("ROOM_CREATED");
    host->clear();
    return r;
  }

  /// Sends a room command from `u` and runs until nothing is left to do.
  template <class Command>
  void send(const room_actor& r, const user& u, Command c) {
    caf::anon_send(r, u.who, std::move(c));
    drain();
  }

  /// `u`'s connection closes: its connection actor quits, and the rooms
  /// that monitor it see it go.
  void close(const room_actor&, const user& u) {
    sockets->remove(u.who.conn_id);
    caf::anon_send(u.who.conn, closed_atom::value);
    drain();
  }

  /// The presence grace of the drops so far runs out (room_cfg's): the
  /// members still away depart.
  void grace_passes() { advance(room_cfg.presence_grace); }

  // Shorthands for the commands, with the room id filled in.
  cmd::join_room join() const { return cmd::join_room{"", room_id}; }
  cmd::approve_join approve(const user& u, bool yes = true) const {
    return cmd::approve_join{room_id, u.id(), yes};
  }
  cmd::start_room start() const { return cmd::start_room{room_id}; }
  cmd::end_room end() const { return cmd::end_room{room_id}; }
  cmd::leave_room leave() const { return cmd::leave_room{room_id}; }
  cmd::get_room_status status() const { return cmd::get_room_status{room_id}; }
  cmd::proctor_signal signal(cmd::signal what) const {
    return cmd::proctor_signal{room_id, what, {}};
  }
  cmd::code_change code(std::string code) const {
    return cmd::code_change{room_id, std::move(code), "python"};
  }
  cmd::submit_code submit(std::string code) const {
    return cmd::submit_code{room_id, std::move(code), "python", {}};
  }
  cmd::kick_user kick(const user& u, std::string reason = "cheating") const {
    return cmd::kick_user{room_id, u.id(), std::move(reason)};
  }
  cmd::announce announce(std::string message) const {
    return cmd::announce{room_id, std::move(message)};
  }

  /// `u` joins and `host` approves; both inboxes are cleared afterwards.
  void admit(const room_actor& r, const user& host, const user& u) {
    send(r, u, join());
    if (u->count("WAITING_APPROVAL") == 1)
      send(r, host, approve(u));
    u->one("JOIN_APPROVED");
    host->clear();
    u->clear();
  }

  /// The room's status as `asker` sees it (ROOM_STATUS data).
  json status_of(const room_actor& r, const user& asker) {
    asker->clear();
    send(r, asker, status());
    auto view = asker->one("ROOM_STATUS");
    asker->clear();
    return view["data"];
  }

  /// The member row of `u`, e.g. column "status" or "violationCount".
  std::string member_column(const user& u, const std::string& column) {
    return db->text("SELECT " + column + " FROM room_users WHERE roomId = '"
                    + room_id + "' AND userId = '" + u.id() + "'");
  }

  /// The resume token `u` got with its seat, from the room's log (in the
  /// event log encoding: admit() clears what the member received).
  std::string resume_token_of(const user& u) {
    auto payload = db->text("select payload from events where userId = '"
                            + u.id()
                            + "' and payload like '%\"resume_token\":\"_%'"
                              " order by seq desc limit 1");
    return json::parse(payload)["d"]["resume_token"];
  }

  std::string room_column(const std::string& column) {
    return db->text("SELECT " + column + " FROM rooms WHERE roomId = '"
                    + room_id + "'");
  }

  // Declaration order matters: the file outlives the actor system, which
  // outlives every handle below.
  temp_file file;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  storage store_;
  std::shared_ptr<socket_registry> sockets = std::make_shared<socket_registry>();
  relay_actor relay_;
  std::vector<std::shared_ptr<recording_outbound>> outs;
  std::unique_ptr<db_probe> db;
  room_config room_cfg;
  std::string room_id = "ABC123";
  std::vector<caf::actor> spawned;

private:
};

} // namespace proctord::test
