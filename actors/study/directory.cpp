#include "actors/study/directory.hpp"

#include "actors/gateway.hpp"
#include "actors/study/room.hpp"
#include "protocol/keyed_hash.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace proctord {

namespace {

using self_ptr = study_actor::stateful_pointer<study_directory_state>;
namespace study = protocol::study;
namespace sio = protocol::socketio;

constexpr auto store_timeout = std::chrono::seconds{10};
constexpr std::string_view room_prefix = "/public-room/";

/// Wall-clock epoch ms: for the times stored and shown.
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// The actor clock (steady in production) in ms: for the windows the limits
/// count in, which a step of the wall clock must neither open nor stretch.
std::int64_t steady_ms(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

study_reply failure(std::uint16_t status, std::string code, std::string message,
                    std::string field = {}) {
  study_reply r;
  r.status = status;
  r.code = std::move(code);
  r.message = std::move(message);
  r.field = std::move(field);
  return r;
}

void to_socket(self_ptr self, const sio_from& f, sio::outgoing o) {
  self->send(self->state.relay, sio_envelope{f.nsp, {f.at}, std::move(o)});
}

void error_to(self_ptr self, const sio_from& f, study::error_code code,
              std::string message) {
  to_socket(self, f, sio::outgoing{study::event{study::evt::error{code, std::move(message)}}});
}

study_room_actor spawn_room(self_ptr self, const persistence::public_room_record& def) {
  auto& st = self->state;
  return self->spawn<caf::linked>(study_room, st.cfg, st.store, st.relay,
                                  study_actor{self}, def);
}

void arm(self_ptr self) {
  auto& st = self->state;
  if (st.ticking)
    return;
  st.ticking = true;
  self->delayed_send(self, st.cfg.ping_interval, tick_atom::value);
}

// -- sockets -----------------------------------------------------------------------

/// The sockets an address holds now (stale entries dropped).
std::size_t holds(self_ptr self, const std::string& hash) {
  auto& st = self->state;
  auto i = st.per_address.find(hash);
  if (i == st.per_address.end())
    return 0;
  auto cutoff = steady_ms(self) - st.cfg.stale_after.count();
  auto& v = i->second;
  v.erase(std::remove_if(v.begin(), v.end(),
                         [cutoff](auto& e) { return e.second < cutoff; }),
          v.end());
  if (v.empty()) {
    st.per_address.erase(i);
    return 0;
  }
  return v.size();
}

void release(self_ptr self, std::uint64_t key, const std::string& hash) {
  auto& st = self->state;
  auto i = st.per_address.find(hash);
  if (i == st.per_address.end())
    return;
  auto& v = i->second;
  v.erase(std::remove_if(v.begin(), v.end(), [key](auto& e) { return e.first == key; }),
          v.end());
  if (v.empty())
    st.per_address.erase(i);
}

void on_join(self_ptr self, sio_join& j) {
  auto& st = self->state;
  auto hash = protocol::keyed_hash(st.cfg.hash_key, j.address);
  to_socket(self, j.from, sio::out::connected{j.sid, {}});
  if (holds(self, hash) >= st.cfg.max_conns_per_ip) {
    error_to(self, j.from, study::error_code::too_many_connections,
             "at most " + std::to_string(st.cfg.max_conns_per_ip)
               + " connections per address");
    to_socket(self, j.from, sio::out::disconnect{});
    self->send(j.conn, sio_seated{j.from.at.channel, false});
    return;
  }
  auto key = socket_key(j.from.at);
  st.per_address[hash].emplace_back(key, steady_ms(self));
  self->send(j.conn, sio_seated{j.from.at.channel, true});
  auto room_id = j.from.nsp.substr(room_prefix.size());
  study_directory_state::socket_entry e{j.from, j.conn, hash, room_id, {}};
  e.health.active(self->clock().now());
  if (auto r = st.rooms.find(room_id); r != st.rooms.end())
    self->send(r->second.actor, study_attach{j.from, j.conn, hash});
  else
    arm(self);
  st.sockets.emplace(key, std::move(e));
}

/// The user `user_id` names, when it exists and is bound to `hash`.
std::optional<study_user_view> user_at(self_ptr self, const std::string& user_id,
                                       const std::string& hash) {
  auto i = self->state.users.find(user_id);
  if (i == self->state.users.end() || i->second.address_hash != hash)
    return std::nullopt;
  return study_user_view{i->second.user_id, i->second.user_name, i->second.created_at};
}

/// A command of a socket whose room does not exist.
struct orphan_cmd {
  self_ptr self;
  study_directory_state::socket_entry& s;

  void operator()(const study::cmd::join_room& c) const { no_room(c.user_id); }
  void operator()(const study::cmd::leave_room& c) const { no_room(c.user_id); }
  void operator()(const study::cmd::pong&) const { s.health.pong(); }
  void operator()(const study::cmd::invalid& c) const {
    error_to(self, s.from, study::error_code::invalid_request, c.message);
  }
  void no_room(const std::string& user_id) const {
    if (!user_at(self, user_id, s.address_hash))
      return error_to(self, s.from, study::error_code::invalid_user,
                      "the user does not exist or belongs to another address");
    error_to(self, s.from, study::error_code::room_not_found,
             "no room " + s.room_id);
  }
};

void on_command(self_ptr self, sio_from& f, sio::command& c) {
  auto& st = self->state;
  auto i = st.sockets.find(socket_key(f.at));
  auto* cmd = std::get_if<study::command>(&c);
  if (i == st.sockets.end() || cmd == nullptr)
    return;
  auto& s = i->second;
  auto r = st.rooms.find(s.room_id);
  if (r == st.rooms.end()) {
    s.health.active(self->clock().now());
    std::visit(orphan_cmd{self, s}, *cmd);
    return;
  }
  std::optional<study_user_view> user;
  if (auto* j = std::get_if<study::cmd::join_room>(cmd))
    user = user_at(self, j->user_id, s.address_hash);
  else if (auto* l = std::get_if<study::cmd::leave_room>(cmd))
    user = user_at(self, l->user_id, s.address_hash);
  self->send(r->second.actor, study_socket_cmd{f, std::move(*cmd), std::move(user)});
}

void on_leave(self_ptr self, sio_from& f) {
  auto& st = self->state;
  auto key = socket_key(f.at);
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  release(self, key, i->second.address_hash);
  if (auto r = st.rooms.find(i->second.room_id); r != st.rooms.end())
    self->send(r->second.actor, f, leave_atom::value);
  st.sockets.erase(i);
}

/// The health check of the sockets whose room does not exist.
void tick(self_ptr self) {
  auto& st = self->state;
  st.ticking = false;
  auto now = self->clock().now();
  std::vector<sio_from> timed_out;
  bool any = false;
  for (auto& [key, s] : st.sockets) {
    if (st.rooms.count(s.room_id) != 0)
      continue;
    any = true;
    switch (s.health.check(now, st.cfg.ping_interval, st.cfg.max_missed_pings)) {
      case socket_health::verdict::fine:
        break;
      case socket_health::verdict::ping:
        to_socket(self, s.from, sio::outgoing{study::event{study::evt::ping{}}});
        break;
      case socket_health::verdict::timeout:
        timed_out.push_back(s.from);
        break;
    }
  }
  for (auto& f : timed_out) {
    error_to(self, f, study::error_code::connection_timeout,
             "no pong to " + std::to_string(st.cfg.max_missed_pings) + " pings");
    to_socket(self, f, sio::out::disconnect{});
    auto i = st.sockets.find(socket_key(f.at));
    self->send(i->second.conn, sio_seated{f.at.channel, false});
    on_leave(self, f);
  }
  if (any)
    arm(self);
}

// -- REST --------------------------------------------------------------------------

caf::result<study_reply> create_user(self_ptr self, study_request& req) {
  auto& st = self->state;
  auto hash = protocol::keyed_hash(st.cfg.hash_key, req.address);
  auto now = steady_ms(self);
  auto& times = st.creations[hash];
  while (!times.empty() && times.front() <= now - 60'000)
    times.pop_front();
  if (times.size() >= st.cfg.user_rate_per_minute)
    return failure(429, "RATE_LIMITED",
                   "at most " + std::to_string(st.cfg.user_rate_per_minute)
                     + " users per address per minute");
  times.push_back(now);
  persistence::public_user_record row{make_uuid(), req.name, hash, now_ms()};
  persistence::write_set ws;
  ws.public_users.push_back(row);
  auto rp = self->make_response_promise<study_reply>();
  self->request(st.store, store_timeout, std::move(ws))
    .then(
      [=](committed_atom) mutable {
        self->state.users.emplace(row.user_id, row);
        study_reply r;
        r.status = 201;
        r.user = study_user_view{row.user_id, row.user_name, row.created_at};
        rp.deliver(std::move(r));
      },
      [=](caf::error&) mutable {
        rp.deliver(failure(503, "STORE_UNAVAILABLE", "the user could not be saved; try again"));
      });
  return rp;
}

caf::result<study_reply> create_room(self_ptr self, study_request& req) {
  auto& st = self->state;
  if (req.capacity < 1 || req.capacity > st.cfg.max_capacity)
    return failure(400, "INVALID_REQUEST",
                   "capacity must be 1-" + std::to_string(st.cfg.max_capacity),
                   "capacity");
  persistence::public_room_record row{make_uuid(), req.name, req.capacity, now_ms()};
  persistence::write_set ws;
  ws.public_rooms.push_back(row);
  auto rp = self->make_response_promise<study_reply>();
  self->request(st.store, store_timeout, std::move(ws))
    .then(
      [=](committed_atom) mutable {
        auto& st = self->state;
        auto actor = spawn_room(self, row);
        st.rooms.emplace(row.room_id, study_directory_state::room_entry{row, actor, 0});
        // Sockets that connected before the room existed move to it.
        for (auto& [key, s] : st.sockets)
          if (s.room_id == row.room_id)
            self->send(actor, study_attach{s.from, s.conn, s.address_hash});
        study_reply r;
        r.status = 201;
        r.room = study_room_view{row.room_id, row.name, row.capacity, 0, row.created_at};
        rp.deliver(std::move(r));
      },
      [=](caf::error&) mutable {
        rp.deliver(failure(503, "STORE_UNAVAILABLE", "the room could not be saved; try again"));
      });
  return rp;
}

study_reply list_rooms(self_ptr self) {
  study_reply r;
  for (auto& [id, e] : self->state.rooms)
    r.rooms.push_back(study_room_view{id, e.def.name, e.def.capacity, e.occupancy,
                                      e.def.created_at});
  std::sort(r.rooms.begin(), r.rooms.end(), [](auto& a, auto& b) {
    return std::tie(a.created_at, a.room_id) < std::tie(b.created_at, b.room_id);
  });
  return r;
}

/// join, leave and broadcast: the room must exist; join and leave name a
/// user bound to the caller's address.
caf::result<study_reply> to_room(self_ptr self, study_request& req) {
  auto& st = self->state;
  auto r = st.rooms.find(req.room_id);
  if (r == st.rooms.end())
    return failure(404, "ROOM_NOT_FOUND", "no room " + req.room_id);
  if (req.what != study_request::op::broadcast) {
    auto user = user_at(self, req.user_id,
                        protocol::keyed_hash(st.cfg.hash_key, req.address));
    if (!user)
      return failure(403, "INVALID_USER",
                     "the user does not exist or belongs to another address", "userId");
    req.name = user->user_name;
  }
  return self->delegate(r->second.actor, std::move(req));
}

} // namespace

study_actor::behavior_type
study_directory(self_ptr self, study_config cfg, store_actor store, relay_actor relay,
                persistence::study_snapshot stored) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.relay = std::move(relay);
  for (auto& u : stored.users)
    st.users.emplace(u.user_id, std::move(u));
  for (auto& r : stored.rooms) {
    auto actor = spawn_room(self, r);
    st.rooms.emplace(r.room_id, study_directory_state::room_entry{r, actor, 0});
  }
  if (!stored.members.empty()) {
    // Occupancy after a restart is what the reconnecting clients make it.
    persistence::write_set ws;
    for (auto& m : stored.members)
      ws.public_members.push_back(
        persistence::public_member_record{m.room_id, m.user_id, 0, true});
    self->request(st.store, store_timeout, std::move(ws))
      .then([](committed_atom) {},
            [](caf::error& err) {
              spdlog::warn("study directory cannot clear old memberships: {}",
                           caf::to_string(err));
            });
  }
  return {
    [=](sio_join& j) { on_join(self, j); },
    [=](sio_from& f, sio::command& c) { on_command(self, f, c); },
    [=](sio_from& f, leave_atom) { on_leave(self, f); },
    [=](study_request& req) -> caf::result<study_reply> {
      using op = study_request::op;
      switch (req.what) {
        case op::create_user:
          return create_user(self, req);
        case op::create_room:
          return create_room(self, req);
        case op::list_rooms:
          return list_rooms(self);
        case op::join:
        case op::leave:
        case op::broadcast:
          return to_room(self, req);
      }
      return failure(400, "INVALID_REQUEST", "unknown operation");
    },
    [=](study_occupancy& o) {
      if (auto r = self->state.rooms.find(o.room_id); r != self->state.rooms.end())
        r->second.occupancy = o.occupancy;
    },
    [=](tick_atom) { tick(self); },
  };
}

} // namespace proctord
