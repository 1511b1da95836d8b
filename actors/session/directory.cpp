#include "actors/session/directory.hpp"

#include "actors/session/session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace proctord {

namespace {

using self_ptr = session_directory_actor::stateful_pointer<session_directory_state>;
using entry = session_directory_state::socket_entry;
namespace ps = protocol::session;
namespace sio = protocol::socketio;

constexpr auto store_timeout = std::chrono::seconds{10};
constexpr std::string_view domain = "session";

std::int64_t now(self_ptr self) {
  return self->state.clock.now(self->clock());
}

/// The session role a token's role acts as, "" for none: admins act as
/// instructors; any other role may not take part.
std::string session_role(const std::string& token_role) {
  if (token_role == "instructor" || token_role == "admin")
    return "instructor";
  if (token_role == "learner")
    return "learner";
  return {};
}

void to_socket(self_ptr self, const sio_from& f, sio::outgoing o) {
  self->send(self->state.relay, sio_envelope{f.nsp, {f.at}, std::move(o)});
}

/// An `error` to a socket in no session (it has no seated pid: no offset).
void error_to(self_ptr self, const sio_from& f, ps::error_code code,
              std::string message) {
  auto w = ps::encode(ps::evt::error{code, std::move(message)});
  sio::out::emit e;
  e.name = std::string{w.name};
  e.args = std::move(w.args);
  to_socket(self, f, std::move(e));
}

void store_rows(self_ptr self, persistence::write_set ws, const char* what) {
  if (ws.live_pids.empty())
    return;
  self->request(self->state.store, store_timeout, std::move(ws))
    .then([](committed_atom) {},
          [what](caf::error& err) {
            spdlog::warn("session directory cannot store {}: {}", what,
                         caf::to_string(err));
          });
}

// -- pids ----------------------------------------------------------------------------

std::chrono::milliseconds tick_interval(const session_config& cfg) {
  return std::max(std::chrono::milliseconds{250}, cfg.recovery.window / 4);
}

void arm(self_ptr self) {
  auto& st = self->state;
  if (st.ticking || st.pid_rooms.empty())
    return;
  st.ticking = true;
  self->delayed_send(self, tick_interval(st.cfg), tick_atom::value);
}

void forget(self_ptr self, const std::string& pid) {
  self->state.pids.forget(pid);
  self->state.pid_rooms.erase(pid);
}

/// Pids that dropped more than the window ago: deleted, and their
/// sessions told (their away participants are gone for good).
void tick(self_ptr self) {
  auto& st = self->state;
  st.ticking = false;
  auto expired = st.pids.expire(now(self), st.cfg.recovery.window);
  std::map<std::string, std::vector<std::string>> by_session;
  persistence::write_set ws;
  for (auto& pid : expired) {
    if (auto r = st.pid_rooms.find(pid); r != st.pid_rooms.end()) {
      by_session[r->second].push_back(pid);
      st.pid_rooms.erase(r);
    }
    persistence::live_pid_record row;
    row.pid = pid;
    row.domain = std::string{domain};
    row.removed = true;
    ws.live_pids.push_back(std::move(row));
  }
  if (!expired.empty())
    spdlog::debug("session directory expires {} pids", expired.size());
  store_rows(self, std::move(ws), "expired pids");
  for (auto& [id, pids] : by_session)
    if (auto s = st.sessions.find(id); s != st.sessions.end())
      self->send(s->second, expire_atom::value, std::move(pids));
  arm(self);
}

void on_pid(self_ptr self, session_pid_update& u) {
  auto& st = self->state;
  using op = session_pid_update::op;
  switch (u.what) {
    case op::seated:
      st.pids.seated(u.pid, pid_table::entry{u.session_id, u.user_id, u.sid, false, true, 0});
      st.pid_rooms[u.pid] = u.session_id;
      break;
    case op::dropped:
      st.pids.dropped(u.pid, u.at);
      arm(self);
      break;
    case op::forget:
      forget(self, u.pid);
      break;
  }
}

// -- sockets ---------------------------------------------------------------------------

session_actor spawn_session(self_ptr self, session_seed seed) {
  auto& st = self->state;
  seed.clock = st.clock;
  return self->spawn<caf::linked>(session, st.cfg, st.store, st.relay,
                                  session_directory_actor{self}, std::move(seed));
}

entry& add(self_ptr self, live_socket s, std::string session_id) {
  auto& st = self->state;
  auto key = live_key(s.from.at);
  st.sockets.erase(key);
  auto [i, ok] = st.sockets.emplace(
    key, entry{std::move(s), std::move(session_id), {}, {},
               token_bucket{st.cfg.rate_per_second, st.cfg.rate_burst}});
  return i->second;
}

/// A fresh connection: a new pid, in no session until join-session.
void connect_fresh(self_ptr self, live_socket s) {
  s.pid = new_pid();
  to_socket(self, s.from, sio::out::connected{s.sid, s.pid});
  self->send(s.conn, sio_seated{s.from.at.channel, true});
  add(self, std::move(s), {});
}

void on_join(self_ptr self, sio_join& j) {
  auto& st = self->state;
  auto hello = authenticate(j, st.cfg.tokens);
  auto role = hello ? session_role(hello->who.role) : std::string{};
  if (role.empty()) {
    spdlog::debug("session directory refuses a socket of connection {}",
                  j.from.at.conn_id);
    to_socket(self, j.from, sio::out::refused{"UNAUTHORIZED", {}});
    self->send(j.conn, sio_seated{j.from.at.channel, false});
    return;
  }
  hello->who.role = role;
  live_socket s{j.from, j.conn, std::move(hello->who), j.sid, {}};
  if (!hello->pid.empty() && hello->offset) {
    auto e = st.pids.claim(hello->pid, s.who.user_id, now(self), st.cfg.recovery.window);
    if (e) {
      if (auto sess = st.sessions.find(e->room_id); sess != st.sessions.end()) {
        s.sid = e->sid;
        s.pid = hello->pid;
        add(self, s, e->room_id);
        self->send(sess->second, session_restore{std::move(s), *hello->offset, j.sid});
        return;
      }
      forget(self, hello->pid);
    }
  }
  connect_fresh(self, std::move(s));
}

void route(self_ptr self, entry& e, ps::command& cmd);

/// Runs the commands that waited while the socket was leaving a session.
void resume(self_ptr self, entry& e) {
  auto waiting = std::move(e.deferred);
  e.deferred.clear();
  for (auto& cmd : waiting) {
    if (!e.leaving.empty())
      e.deferred.push_back(std::move(cmd));
    else
      route(self, e, cmd);
  }
}

void join(self_ptr self, entry& e, const std::string& id) {
  auto& st = self->state;
  if (e.session_id == id) {
    // Joined already (or joining): the session answers it again.
    self->send(st.sessions.at(id), session_join{e.s, id});
    return;
  }
  if (!e.session_id.empty()) {
    // In another session: it leaves that one first.
    self->send(st.sessions.at(e.session_id), e.s.from,
               ps::command{ps::cmd::leave_session{}});
    e.leaving = std::move(e.session_id);
    e.session_id.clear();
    e.deferred.push_back(ps::cmd::join_session{id});
    return;
  }
  auto i = st.sessions.find(id);
  if (i == st.sessions.end()) {
    if (e.s.who.role != "instructor")
      return error_to(self, e.s.from, ps::error_code::session_not_found,
                      "no session " + id);
    session_seed seed;
    seed.row.session_id = id;
    seed.opening = true;
    i = st.sessions.emplace(id, spawn_session(self, std::move(seed))).first;
  }
  e.session_id = id;
  self->send(i->second, session_join{e.s, id});
}

struct router {
  self_ptr self;
  entry& e;

  void operator()(ps::cmd::join_session& c) const { join(self, e, c.session_id); }
  void operator()(ps::cmd::leave_session& c) const {
    if (e.session_id.empty())
      return error_to(self, e.s.from, ps::error_code::not_in_session,
                      "not in a session");
    self->send(self->state.sessions.at(e.session_id), e.s.from, ps::command{c});
    e.leaving = std::move(e.session_id);
    e.session_id.clear();
  }
  void operator()(ps::cmd::cursor_update& c) const { in_session(ps::command{c}); }
  void operator()(ps::cmd::activity_status& c) const { in_session(ps::command{c}); }
  void operator()(ps::cmd::invalid& c) const {
    if (e.session_id.empty())
      return error_to(self, e.s.from, ps::error_code::invalid_payload, c.message);
    in_session(ps::command{c});
  }
  void in_session(ps::command c) const {
    if (e.session_id.empty())
      return error_to(self, e.s.from, ps::error_code::not_in_session,
                      "join a session first");
    self->send(self->state.sessions.at(e.session_id), e.s.from, std::move(c));
  }
};

void route(self_ptr self, entry& e, ps::command& cmd) {
  std::visit(router{self, e}, cmd);
}

double seconds(self_ptr self) {
  using secs = std::chrono::duration<double>;
  return std::chrono::duration_cast<secs>(self->clock().now().time_since_epoch())
    .count();
}

void on_command(self_ptr self, sio_from& f, sio::command& c) {
  auto& st = self->state;
  auto* cmd = std::get_if<ps::command>(&c);
  auto i = st.sockets.find(live_key(f.at));
  if (cmd == nullptr || i == st.sockets.end())
    return;
  auto& e = i->second;
  if (!e.bucket.take(seconds(self))) {
    auto& in = !e.session_id.empty() ? e.session_id : e.leaving;
    if (auto s = st.sessions.find(in); !in.empty() && s != st.sessions.end())
      self->send(s->second, f, limited_atom::value);
    else
      error_to(self, f, ps::error_code::rate_limited, "too many events; slow down");
    return;
  }
  if (!e.leaving.empty()) {
    e.deferred.push_back(std::move(*cmd));
    return;
  }
  route(self, e, *cmd);
}

void on_leave(self_ptr self, sio_from& f) {
  auto& st = self->state;
  auto i = st.sockets.find(live_key(f.at));
  if (i == st.sockets.end())
    return;
  auto& e = i->second;
  auto& in = !e.session_id.empty() ? e.session_id : e.leaving;
  if (auto s = st.sessions.find(in); !in.empty() && s != st.sessions.end())
    self->send(s->second, f, leave_atom::value);
  st.sockets.erase(i);
}

void on_released(self_ptr self, session_released& r) {
  auto& st = self->state;
  auto i = st.sockets.find(live_key(r.from.at));
  if (i == st.sockets.end())
    return;
  auto& e = i->second;
  if (e.session_id != r.session_id && e.leaving != r.session_id)
    return; // somewhere else since
  if (r.how == session_released::kind::disconnected) {
    st.sockets.erase(i);
    return;
  }
  if (e.session_id == r.session_id) {
    e.session_id.clear(); // its join failed
    return;
  }
  e.leaving.clear();
  resume(self, e);
}

void on_ended(self_ptr self, session_ended& x) {
  auto& st = self->state;
  auto s = st.sessions.find(x.session_id);
  if (s == st.sessions.end())
    return;
  auto actor = s->second;
  st.sessions.erase(s);
  for (auto& pid : x.pids)
    forget(self, pid);
  for (auto& [key, e] : st.sockets) {
    if (e.session_id == x.session_id)
      e.session_id.clear();
    if (e.leaving == x.session_id) {
      e.leaving.clear();
      resume(self, e);
    }
  }
  self->send(actor, retire_atom::value);
}

// -- start ------------------------------------------------------------------------------

void load(self_ptr self, persistence::live_snapshot& stored) {
  auto& st = self->state;
  auto ts = now(self);
  std::map<std::string, session_seed> seeds;
  for (auto& r : stored.sessions)
    if (r.closed_at == 0)
      seeds[r.session_id].row = r;
  for (auto& r : stored.seqs)
    if (r.domain == domain)
      if (auto s = seeds.find(r.room_id); s != seeds.end())
        s->second.last_seq = r.seq;
  for (auto& r : stored.participants)
    if (auto s = seeds.find(r.session_id); s != seeds.end() && !r.removed)
      s->second.participants.push_back(r);
  persistence::write_set ws;
  std::vector<persistence::live_pid_record> pids;
  for (auto& r : stored.pids) {
    if (r.domain != domain)
      continue;
    auto s = seeds.find(r.room_id);
    if (s == seeds.end()) {
      // Its session is gone: it can recover nothing.
      ws.live_pids.push_back(persistence::live_pid_record{
        r.pid, r.domain, r.room_id, r.user_id, r.sid, false, 0, true});
      continue;
    }
    if (r.disconnected_at == 0) {
      // Connected when the previous run ended: dropped now, so that the
      // window counts from this start (and from no later one).
      r.disconnected_at = ts;
      ws.live_pids.push_back(r);
    }
    s->second.pids.push_back(r);
    pids.push_back(r);
    st.pid_rooms[r.pid] = r.room_id;
  }
  st.pids.load(pids, domain, ts);
  store_rows(self, std::move(ws), "the pids of the previous run");
  for (auto& [id, seed] : seeds)
    st.sessions.emplace(id, spawn_session(self, std::move(seed)));
  if (!st.sessions.empty())
    spdlog::info("session directory restores {} sessions ({} pids)",
                 st.sessions.size(), st.pid_rooms.size());
  arm(self);
}

} // namespace

session_directory_actor::behavior_type
session_directory(self_ptr self, session_config cfg, store_actor store,
                  relay_actor relay, persistence::live_snapshot stored) {
  // The configuration was validated by the caller (proctord's options).
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.relay = std::move(relay);
  st.clock = contest::wall_clock::starting_now(self->clock());
  load(self, stored);
  return {
    [=](sio_join& j) { on_join(self, j); },
    [=](sio_from& f, sio::command& c) { on_command(self, f, c); },
    [=](sio_from& f, leave_atom) { on_leave(self, f); },
    [=](session_pid_update& u) { on_pid(self, u); },
    [=](session_released& r) { on_released(self, r); },
    [=](session_ended& x) { on_ended(self, x); },
    [=](bounce_atom, session_join& j) {
      auto i = self->state.sockets.find(live_key(j.s.from.at));
      if (i == self->state.sockets.end())
        return;
      if (i->second.session_id == j.session_id)
        i->second.session_id.clear();
      join(self, i->second, j.session_id);
    },
    [=](bounce_atom, session_restore& r) {
      // The session could not restore it: it connects afresh.
      auto i = self->state.sockets.find(live_key(r.s.from.at));
      if (i == self->state.sockets.end())
        return;
      self->state.sockets.erase(i);
      r.s.sid = r.fresh_sid;
      connect_fresh(self, std::move(r.s));
    },
    [=](tick_atom) { tick(self); },
  };
}

} // namespace proctord
