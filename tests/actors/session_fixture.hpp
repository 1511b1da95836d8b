#pragma once
// The collaborative sessions (seed 003) at the actor level: the real
// Socket.IO connection actors, session directory, sessions, relay and store
// (a real SQLite file), with sockets that record the Socket.IO packets they
// are sent. The clock is simulated: cursor windows, idle closes and
// recovery windows pass in no time.

#include "fixture.hpp"
#include "sio_fixture.hpp"

#include "actors/session/directory.hpp"
#include "actors/socketio/connection.hpp"
#include "protocol/token.hpp"

#include <caf/send.hpp>

namespace proctord::test {

namespace ps = protocol::session;

/// One event as a client sees it: its name, first argument, and the offset
/// (a last string argument; "" for none).
struct sio_event {
  std::string name;
  json data;
  std::string offset;
};

/// A namespace socket of one connection, on channel 0 of namespace "/".
struct session_sock {
  sio_connection_actor conn;
  std::shared_ptr<sio_inbox> in;
  std::uint64_t id = 0;
  std::string user;

  sio_inbox* operator->() const { return in.get(); }

  /// The CONNECT answers ({sid, pid}) in order.
  std::vector<json> connects() const {
    std::vector<json> out;
    for (auto& p : in->packets)
      if (p.rfind("40", 0) == 0)
        out.push_back(json::parse(p.substr(2)));
    return out;
  }
  bool refused() const {
    for (auto& p : in->packets)
      if (p == R"(44{"message":"UNAUTHORIZED"})")
        return true;
    return false;
  }
  std::string sid() const { return connects().at(0).value("sid", ""); }
  std::string pid() const { return connects().at(0).value("pid", ""); }

  /// Every event in order.
  std::vector<sio_event> all() const {
    std::vector<sio_event> out;
    for (auto& p : in->packets) {
      if (p.rfind("42", 0) != 0)
        continue;
      auto arr = json::parse(p.substr(2));
      sio_event e;
      e.name = arr[0];
      if (arr.size() > 1)
        e.data = arr[1];
      if (arr.size() > 2 && arr.back().is_string())
        e.offset = arr.back();
      out.push_back(std::move(e));
    }
    return out;
  }
  std::vector<sio_event> of(const std::string& name) const {
    std::vector<sio_event> out;
    for (auto& e : all())
      if (e.name == name)
        out.push_back(e);
    return out;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& e : all())
      out.push_back(e.name);
    return out;
  }
  /// The offset of the last event that carried one.
  std::string last_offset() const {
    std::string out;
    for (auto& e : all())
      if (!e.offset.empty())
        out = e.offset;
    return out;
  }
  void clear() const { in->packets.clear(); }
};

/// The user ids of a participants array.
inline std::vector<std::string> ids(const json& participants) {
  std::vector<std::string> out;
  for (auto& p : participants)
    out.push_back(p.at("userId"));
  return out;
}

struct session_fixture : actor_fixture {
  session_config cfg;
  session_directory_actor dir;
  std::shared_ptr<sio_connection_config> conn_cfg;
  std::vector<std::shared_ptr<sio_outbound>> keep;
  std::vector<session_sock> socks;

  session_fixture() {
    cfg.tokens.secret = "session-test-secret";
    cfg.cursor_interval = std::chrono::milliseconds{50};
    cfg.idle_close = std::chrono::minutes{30};
    cfg.recovery.window = std::chrono::seconds{120};
    cfg.rate_per_second = 1000;
    cfg.rate_burst = 1000;
  }

  /// Starts the directory from what the store holds (a first start, or a
  /// restart on the same database).
  void boot() {
    REQUIRE(cfg.validate().empty());
    auto snap = std::make_shared<persistence::live_snapshot>();
    auto store = store_.writer;
    spawn_fn([=](caf::event_based_actor* self) -> caf::behavior {
      self->request(store, caf::infinite, live_atom::value)
        .then([=](persistence::live_snapshot& s) {
          *snap = std::move(s);
          self->quit();
        });
      return {};
    });
    drain();
    dir = sys.spawn(session_directory, cfg, store_.writer, relay_, *snap);
    remember(dir);
    conn_cfg = std::make_shared<sio_connection_config>();
    conn_cfg->connect_timeout = std::chrono::hours{1};
    conn_cfg->namespaces.add_exact("/", dir);
    drain();
  }

  /// The server dies (kill -9): the directory and its sessions are gone
  /// without a word, and so are the connections to it. Then it starts
  /// again on the same database.
  void restart() {
    caf::anon_send_exit(dir, caf::exit_reason::kill);
    drain();
    for (auto& s : socks) {
      sockets->remove(s.id);
      caf::anon_send_exit(s.conn, caf::exit_reason::kill);
    }
    drain();
    boot();
  }

  /// Commits `ws` straight to the store (rows a previous run left).
  void store(persistence::write_set ws) {
    auto ok = std::make_shared<bool>(false);
    auto writer = store_.writer;
    spawn_fn([=](caf::event_based_actor* self) -> caf::behavior {
      self->request(writer, caf::infinite, ws).then([=](committed_atom) {
        *ok = true;
        self->quit();
      });
      return {};
    });
    drain();
    REQUIRE(*ok);
  }

  std::string token(const std::string& user, const std::string& role) {
    return protocol::mint_token(protocol::identity{user, "Name " + user, role},
                                cfg.tokens);
  }

  /// A connection whose channel 0 CONNECTs to "/" with `auth`; run until
  /// nothing is left to do, unless `run` is false.
  session_sock connect_with(const std::string& user, json auth, bool run = true) {
    auto in = std::make_shared<sio_inbox>();
    auto out = std::make_shared<sio_outbound>(in);
    keep.push_back(out);
    auto id = sockets->next_id();
    sockets->add(id, out, dialect::socketio);
    auto conn = sys.spawn(sio_connection, relay_, id,
                          std::shared_ptr<const sio_connection_config>{conn_cfg},
                          std::string{"127.0.0.1"}, std::string{});
    remember(conn);
    caf::anon_send(conn, channel_id{0}, sio_connect{"/", auth.dump()});
    if (run)
      drain();
    session_sock s{conn, in, id, user};
    socks.push_back(s);
    return s;
  }

  session_sock connect(const std::string& user, const std::string& role) {
    return connect_with(user, json{{"token", token(user, role)}});
  }

  /// A connection that recovers `old`: its pid and last offset.
  session_sock recover(const session_sock& old, const std::string& role,
                       bool run = true) {
    return connect_with(old.user,
                        json{{"token", token(old.user, role)},
                             {"pid", old.pid()},
                             {"offset", old.last_offset()}},
                        run);
  }

  void emit(const session_sock& s, ps::command c) {
    caf::anon_send(s.conn, channel_id{0}, protocol::socketio::command{std::move(c)});
    drain();
  }

  /// An event as the client sends it, through the codec.
  void emit_raw(const session_sock& s, std::string_view name, std::string_view args) {
    auto c = ps::decode(name, args);
    REQUIRE(c);
    emit(s, std::move(*c));
  }

  void join(const session_sock& s, const std::string& session_id) {
    emit(s, ps::cmd::join_session{session_id});
  }

  /// The socket's connection drops (no DISCONNECT).
  void drop(const session_sock& s) {
    sockets->remove(s.id);
    caf::anon_send(s.conn, closed_atom::value);
    drain();
  }

  long long rows(const std::string& sql) { return db->count(sql); }
};

} // namespace proctord::test
