#include "actors/study/room.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace proctord {

namespace {

using self_ptr = study_room_actor::stateful_pointer<study_room_state>;
namespace study = protocol::study;
using study::error_code;

constexpr auto store_timeout = std::chrono::seconds{10};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::int32_t occupancy(self_ptr self) {
  return static_cast<std::int32_t>(self->state.members.size());
}

study_room_view view(self_ptr self) {
  auto& st = self->state;
  return study_room_view{st.def.room_id, st.def.name, st.def.capacity,
                         occupancy(self), st.def.created_at};
}

study_reply failure(std::uint16_t status, std::string code, std::string message) {
  study_reply r;
  r.status = status;
  r.code = std::move(code);
  r.message = std::move(message);
  return r;
}

// -- writing to sockets ---------------------------------------------------------

void send_to(self_ptr self, std::vector<recipient> to, protocol::socketio::outgoing o) {
  if (to.empty())
    return;
  self->send(self->state.relay, sio_envelope{self->state.nsp, std::move(to), std::move(o)});
}

void send_to(self_ptr self, const study_socket& s, study::event e) {
  send_to(self, {s.from.at}, protocol::socketio::outgoing{std::move(e)});
}

void error_to(self_ptr self, const study_socket& s, error_code code, std::string message) {
  send_to(self, s, study::evt::error{code, std::move(message)});
}

/// Every socket of the room, but those bound to `except_user` (if any).
/// The whole room's list is kept between broadcasts (sockets change far
/// less often than an admin broadcasts).
std::vector<recipient> audience(self_ptr self, const std::string& except_user = {}) {
  auto& st = self->state;
  if (except_user.empty()) {
    if (st.everyone.size() != st.sockets.size()) {
      st.everyone.clear();
      st.everyone.reserve(st.sockets.size());
      for (auto& [key, s] : st.sockets)
        st.everyone.push_back(s.from.at);
    }
    return st.everyone;
  }
  std::vector<recipient> to;
  to.reserve(st.sockets.size());
  for (auto& [key, s] : st.sockets)
    if (except_user.empty() || s.user_id != except_user)
      to.push_back(s.from.at);
  return to;
}

void tell_occupancy(self_ptr self) {
  self->send(self->state.directory,
             study_occupancy{self->state.def.room_id, occupancy(self)});
}

// -- membership -------------------------------------------------------------------

persistence::write_set member_row(self_ptr self, const std::string& user_id,
                                  std::int64_t joined_at, bool removed) {
  persistence::write_set ws;
  ws.public_members.push_back(persistence::public_member_record{
    self->state.def.room_id, user_id, joined_at, removed});
  return ws;
}

/// Takes `user_id` out of the room: committed first, then the others hear
/// `user-left` (when `tell`). `done(ok)` runs after.
template <class Done>
void remove_member(self_ptr self, const std::string& user_id, bool tell, Done done) {
  self->request(self->state.store, store_timeout, member_row(self, user_id, 0, true))
    .then(
      [=](committed_atom) mutable {
        auto& st = self->state;
        auto i = st.members.find(user_id);
        if (i == st.members.end()) {
          done(true);
          return;
        }
        // The others: every socket but the member's own.
        auto others = tell ? audience(self, user_id) : std::vector<recipient>{};
        for (auto key : i->second.sockets)
          if (auto s = st.sockets.find(key); s != st.sockets.end())
            s->second.user_id.clear();
        st.members.erase(i);
        tell_occupancy(self);
        send_to(self, std::move(others),
                study::event{study::evt::user_left{user_id, occupancy(self)}});
        done(true);
      },
      [=](caf::error& err) mutable {
        spdlog::warn("study room {} cannot store the leave of {}: {}",
                     self->state.def.room_id, user_id, caf::to_string(err));
        done(false);
      });
}

/// A socket is gone (or disconnected by the room): its member leaves when
/// it was that member's last socket.
void forget_socket(self_ptr self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  auto user_id = std::move(i->second.user_id);
  st.sockets.erase(i);
  st.everyone.clear();
  if (user_id.empty())
    return;
  auto m = st.members.find(user_id);
  if (m == st.members.end())
    return;
  m->second.sockets.erase(key);
  if (m->second.sockets.empty())
    remove_member(self, user_id, true, [](bool) {});
}

/// The server ends a socket's stay: DISCONNECT for that namespace, the
/// connection frees the channel, the directory frees the address's slot.
void disconnect(self_ptr self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  auto from = i->second.from;
  auto conn = i->second.conn;
  send_to(self, {from.at}, protocol::socketio::outgoing{protocol::socketio::out::disconnect{}});
  self->send(conn, sio_seated{from.at.channel, false});
  self->send(st.directory, from, leave_atom::value);
  forget_socket(self, key);
}

// -- socket commands ---------------------------------------------------------------

void broadcast_joined(self_ptr self, const std::string& user_id) {
  auto& m = self->state.members.at(user_id);
  send_to(self, audience(self),
          study::event{study::evt::user_joined{user_id, m.user_name, m.joined_at,
                                               occupancy(self)}});
}

void bind(self_ptr self, std::uint64_t key, const std::string& user_id) {
  auto& st = self->state;
  auto s = st.sockets.find(key);
  auto m = st.members.find(user_id);
  if (s == st.sockets.end() || m == st.members.end())
    return;
  s->second.user_id = user_id;
  m->second.sockets.insert(key);
}

void join_socket(self_ptr self, std::uint64_t key, const study_user_view& user) {
  auto& st = self->state;
  auto& s = st.sockets.at(key);
  if (!s.user_id.empty() && s.user_id != user.user_id)
    return error_to(self, s, error_code::join_error,
                    "this socket has joined as another user");
  if (st.members.count(user.user_id) != 0) {
    // Joined over REST first (or from another socket): no new place.
    bind(self, key, user.user_id);
    return broadcast_joined(self, user.user_id);
  }
  if (st.pending.count(user.user_id) != 0)
    return error_to(self, s, error_code::join_error, "a join of this user is in progress");
  if (occupancy(self) + static_cast<std::int32_t>(st.pending.size()) >= st.def.capacity)
    return error_to(self, s, error_code::join_error, "the room is full");
  auto joined_at = now_ms();
  st.pending.insert(user.user_id);
  self->request(st.store, store_timeout, member_row(self, user.user_id, joined_at, false))
    .then(
      [=](committed_atom) {
        auto& st = self->state;
        st.pending.erase(user.user_id);
        st.members[user.user_id] = study_member{user.user_name, joined_at, {}};
        tell_occupancy(self);
        if (st.sockets.count(key) == 0) {
          // The socket left while its join committed: so does the member.
          remove_member(self, user.user_id, false, [](bool) {});
          return;
        }
        bind(self, key, user.user_id);
        broadcast_joined(self, user.user_id);
      },
      [=](caf::error& err) {
        auto& st = self->state;
        st.pending.erase(user.user_id);
        spdlog::warn("study room {} cannot store the join of {}: {}", st.def.room_id,
                     user.user_id, caf::to_string(err));
        if (auto s = st.sockets.find(key); s != st.sockets.end())
          error_to(self, s->second, error_code::join_error,
                   "the join could not be saved; try again");
      });
}

void leave_socket(self_ptr self, std::uint64_t key, const std::string& user_id) {
  auto& st = self->state;
  auto& s = st.sockets.at(key);
  if (st.members.count(user_id) == 0)
    return error_to(self, s, error_code::leave_error, "the user is not in this room");
  remove_member(self, user_id, true, [=](bool ok) {
    auto& st = self->state;
    auto s = st.sockets.find(key);
    if (s == st.sockets.end())
      return;
    if (!ok)
      return error_to(self, s->second, error_code::leave_error,
                      "the leave could not be saved; try again");
    disconnect(self, key);
  });
}

struct on_socket_cmd {
  self_ptr self;
  std::uint64_t key;
  const std::optional<study_user_view>& user;

  void operator()(const study::cmd::join_room&) const {
    if (!user)
      return invalid_user();
    join_socket(self, key, *user);
  }
  void operator()(const study::cmd::leave_room& c) const {
    if (!user)
      return invalid_user();
    leave_socket(self, key, c.user_id);
  }
  void operator()(const study::cmd::pong&) const {
    self->state.sockets.at(key).health.pong();
  }
  void operator()(const study::cmd::invalid& c) const {
    error_to(self, self->state.sockets.at(key), error_code::invalid_request, c.message);
  }
  void invalid_user() const {
    error_to(self, self->state.sockets.at(key), error_code::invalid_user,
             "the user does not exist or belongs to another address");
  }
};

// -- REST ------------------------------------------------------------------------

caf::result<study_reply> rest_join(self_ptr self, const study_request& req) {
  auto& st = self->state;
  auto rp = self->make_response_promise<study_reply>();
  if (auto m = st.members.find(req.user_id); m != st.members.end()) {
    study_reply r;
    r.room = view(self);
    r.user = study_user_view{req.user_id, m->second.user_name, 0};
    r.joined_at = m->second.joined_at;
    rp.deliver(std::move(r));
    return rp;
  }
  if (st.pending.count(req.user_id) != 0) {
    rp.deliver(failure(409, "JOIN_IN_PROGRESS", "a join of this user is in progress"));
    return rp;
  }
  if (occupancy(self) + static_cast<std::int32_t>(st.pending.size()) >= st.def.capacity) {
    rp.deliver(failure(409, "ROOM_FULL", "the room is full"));
    return rp;
  }
  auto joined_at = now_ms();
  st.pending.insert(req.user_id);
  auto user_id = req.user_id;
  auto user_name = req.name;
  self->request(st.store, store_timeout, member_row(self, user_id, joined_at, false))
    .then(
      [=](committed_atom) mutable {
        auto& st = self->state;
        st.pending.erase(user_id);
        st.members[user_id] = study_member{user_name, joined_at, {}};
        tell_occupancy(self);
        study_reply r;
        r.room = view(self);
        r.user = study_user_view{user_id, user_name, 0};
        r.joined_at = joined_at;
        rp.deliver(std::move(r));
      },
      [=](caf::error&) mutable {
        self->state.pending.erase(user_id);
        rp.deliver(failure(503, "STORE_UNAVAILABLE", "the join could not be saved; try again"));
      });
  return rp;
}

caf::result<study_reply> rest_leave(self_ptr self, const study_request& req) {
  auto rp = self->make_response_promise<study_reply>();
  if (self->state.members.count(req.user_id) == 0) {
    auto r = failure(400, "INVALID_REQUEST", "the user is not in this room");
    r.field = "userId";
    rp.deliver(std::move(r));
    return rp;
  }
  // The others hear user-left when the member was connected.
  bool connected = !self->state.members.at(req.user_id).sockets.empty();
  remove_member(self, req.user_id, connected, [=](bool ok) mutable {
    if (!ok) {
      rp.deliver(failure(503, "STORE_UNAVAILABLE",
                         "the leave could not be saved; try again"));
      return;
    }
    study_reply r;
    r.room = view(self);
    rp.deliver(std::move(r));
  });
  return rp;
}

study_reply rest_broadcast(self_ptr self, const study_request& req) {
  auto to = audience(self);
  study_reply r;
  r.room = view(self);
  r.recipients = static_cast<std::int32_t>(to.size());
  send_to(self, std::move(to),
          protocol::socketio::outgoing{protocol::socketio::out::emit{
            req.event, req.data, {}, std::nullopt, {}}});
  return r;
}

// -- health ------------------------------------------------------------------------

void arm(self_ptr self) {
  if (self->state.ticking || self->state.sockets.empty())
    return;
  self->state.ticking = true;
  self->delayed_send(self, self->state.cfg.ping_interval, tick_atom::value);
}

void tick(self_ptr self) {
  auto& st = self->state;
  st.ticking = false;
  auto now = self->clock().now();
  std::vector<std::uint64_t> timed_out;
  std::vector<recipient> ping;
  for (auto& [key, s] : st.sockets) {
    switch (s.health.check(now, st.cfg.ping_interval, st.cfg.max_missed_pings)) {
      case socket_health::verdict::fine:
        break;
      case socket_health::verdict::ping:
        ping.push_back(s.from.at);
        break;
      case socket_health::verdict::timeout:
        timed_out.push_back(key);
        break;
    }
  }
  send_to(self, std::move(ping), protocol::socketio::outgoing{study::event{study::evt::ping{}}});
  for (auto key : timed_out) {
    error_to(self, st.sockets.at(key), error_code::connection_timeout,
             "no pong to " + std::to_string(st.cfg.max_missed_pings) + " pings");
    disconnect(self, key);
  }
  arm(self);
}

} // namespace

study_room_actor::behavior_type
study_room(self_ptr self, study_config cfg, store_actor store, relay_actor relay,
           study_actor directory, persistence::public_room_record def) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.relay = std::move(relay);
  st.directory = std::move(directory);
  st.nsp = "/public-room/" + def.room_id;
  st.def = std::move(def);
  return {
    [=](study_request& req) -> caf::result<study_reply> {
      using op = study_request::op;
      switch (req.what) {
        case op::join:
          return rest_join(self, req);
        case op::leave:
          return rest_leave(self, req);
        case op::broadcast:
          return rest_broadcast(self, req);
        default:
          return failure(400, "INVALID_REQUEST", "not an operation of a room");
      }
    },
    [=](study_attach& a) {
      auto key = socket_key(a.from.at);
      study_socket s{std::move(a.from), std::move(a.conn), std::move(a.address_hash),
                     {}, {}};
      s.health.active(self->clock().now());
      self->state.sockets[key] = std::move(s);
      self->state.everyone.clear();
      arm(self);
    },
    [=](study_socket_cmd& c) {
      auto key = socket_key(c.from.at);
      auto i = self->state.sockets.find(key);
      if (i == self->state.sockets.end())
        return; // a socket the room no longer holds
      i->second.health.active(self->clock().now());
      std::visit(on_socket_cmd{self, key, c.user}, c.cmd);
    },
    [=](sio_from& f, leave_atom) { forget_socket(self, socket_key(f.at)); },
    [=](tick_atom) { tick(self); },
  };
}

} // namespace proctord
