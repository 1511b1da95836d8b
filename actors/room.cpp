#include "actors/room.hpp"

#include "protocol/native_codec.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace proctord {

namespace {

using self_ptr = room_actor::stateful_pointer<room_state>;
using protocol::error_code;
using protocol::member_role;
using protocol::member_status;
using protocol::room_status;
namespace evt = protocol::evt;
namespace cmd = protocol::cmd;

protocol::millis now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// -- sending ------------------------------------------------------------------

void send_frame(self_ptr self, const connection_actor& to,
                const protocol::frame& f) {
  if (to)
    self->send(to, f);
}

void send_event(self_ptr self, const connection_actor& to,
                const protocol::event& e) {
  if (to)
    self->send(to, protocol::native::encode_shared(e));
}

void send_error(self_ptr self, const connection_actor& to, error_code code,
                std::string message, std::string_view request_type) {
  if (to)
    self->send(to, protocol::native::error_frame(code, std::move(message),
                                                 std::string{request_type}));
}

void send_seat(self_ptr self, const connection_actor& to, seat_state state,
               member_role role) {
  if (to)
    self->send(to, seat_changed{self->state.room_id, state, role,
                                caf::actor_cast<caf::strong_actor_ptr>(self)});
}

member* host(self_ptr self) {
  auto i = self->state.members.find(self->state.host_id);
  return i == self->state.members.end() ? nullptr : &i->second;
}

void to_host(self_ptr self, const protocol::event& e) {
  if (auto h = host(self); h && h->conn)
    send_event(self, h->conn, e);
}

bool in_audience(const member& m) {
  return m.conn
         && (m.role == member_role::host || m.status == member_status::approved);
}

/// Encodes once and sends the same buffer to the host and every connected
/// approved participant.
void broadcast(self_ptr self, const protocol::event& e) {
  auto f = protocol::native::encode_shared(e);
  for (auto& [id, m] : self->state.members)
    if (in_audience(m))
      send_frame(self, m.conn, f);
}

std::int32_t connected_count(self_ptr self) {
  std::int32_t n = 0;
  for (auto& [id, m] : self->state.members)
    n += in_audience(m) ? 1 : 0;
  return n;
}

std::int32_t approved_count(self_ptr self) {
  std::int32_t n = 0;
  for (auto& [id, m] : self->state.members)
    n += m.role == member_role::participant && m.status == member_status::approved;
  return n;
}

// -- persistence --------------------------------------------------------------

persistence::room_record room_row(self_ptr self) {
  auto& st = self->state;
  persistence::room_record r;
  r.room_id = st.room_id;
  r.host_id = st.host_id;
  if (auto h = host(self))
    r.host_name = h->username;
  r.roomname = st.roomname;
  r.max_guests = st.max_guests;
  r.question = st.question;
  r.duration = st.duration;
  r.is_public = st.is_public;
  r.status = std::string{protocol::to_string(st.status)};
  r.created_at = st.created_at;
  r.started_at = st.started_at;
  r.ends_at = st.ends_at;
  r.ended_at = st.ended_at;
  return r;
}

persistence::member_record member_row(self_ptr self, const member& m) {
  persistence::member_record r;
  r.room_id = self->state.room_id;
  r.user_id = m.user_id;
  r.username = m.username;
  r.status = std::string{protocol::to_string(m.status)};
  r.violation_count = m.violations;
  r.has_submitted = m.has_submitted;
  r.joined_at = m.joined_at;
  r.left_at = m.left_at;
  return r;
}

persistence::join_attempt_record attempt_row(self_ptr self, const member& m,
                                             std::string_view status,
                                             protocol::millis decided_at) {
  persistence::join_attempt_record r;
  r.room_id = self->state.room_id;
  r.user_id = m.user_id;
  r.username = m.username;
  r.status = std::string{status};
  r.requested_at = m.requested_at;
  r.decided_at = decided_at;
  return r;
}

/// Sends `ws` to the store; runs `done` after the commit, or tells `who`
/// (if any) that the store is unavailable.
template <class F>
void persist(self_ptr self, persistence::write_set ws, connection_actor who,
             std::string_view request_type, F done) {
  self->request(self->state.store, caf::infinite, std::move(ws))
    .then([=](committed_atom) mutable { done(); },
          [=, rt = std::string{request_type}](caf::error& err) {
            spdlog::error("room {} cannot persist {}: {}", self->state.room_id,
                          rt, self->system().render(err));
            send_error(self, who, error_code::store_unavailable,
                       "the change could not be saved; please retry", rt);
          });
}

// -- authority ----------------------------------------------------------------

/// The caller's member entry if its connection is the one holding the seat.
member* seat_of(self_ptr self, const caller& c) {
  auto i = self->state.members.find(c.user_id);
  if (i == self->state.members.end() || i->second.socket_id != c.socket_id
      || !i->second.conn)
    return nullptr;
  return &i->second;
}

bool reject_if_ended(self_ptr self, const caller& c, std::string_view rt) {
  if (self->state.status != room_status::ended)
    return false;
  send_error(self, c.conn, error_code::room_ended, "the room has ended", rt);
  return true;
}

/// The host's seat, or null after telling the caller it is forbidden.
member* require_host(self_ptr self, const caller& c, std::string_view rt,
                     const char* what) {
  if (reject_if_ended(self, c, rt))
    return nullptr;
  auto m = seat_of(self, c);
  if (m && m->role == member_role::host)
    return m;
  send_error(self, c.conn, m ? error_code::forbidden : error_code::not_in_room,
             m ? std::string{"only the host can "} + what
               : std::string{"you are not in this room"},
             rt);
  return nullptr;
}

/// The seat of an approved participant, or null after telling the caller.
member* require_participant(self_ptr self, const caller& c,
                            std::string_view rt) {
  if (reject_if_ended(self, c, rt))
    return nullptr;
  auto m = seat_of(self, c);
  if (m && m->role == member_role::participant
      && m->status == member_status::approved)
    return m;
  send_error(self, c.conn, m ? error_code::forbidden : error_code::not_in_room,
             m ? "only approved participants can do this"
               : "you are not in this room",
             rt);
  return nullptr;
}

// -- events -------------------------------------------------------------------

evt::join_approved approved_event(self_ptr self, const member& m) {
  auto& st = self->state;
  evt::join_approved e;
  e.room_id = st.room_id;
  e.roomname = st.roomname;
  e.question = st.question;
  e.duration = st.duration;
  if (auto h = host(self))
    e.host_name = h->username;
  e.role = m.role;
  e.status = st.status;
  e.started_at = st.started_at;
  e.ends_at = st.ends_at;
  return e;
}

evt::join_request request_event(const member& m) {
  return evt::join_request{m.user_id, m.username, m.socket_id, m.requested_at};
}

evt::room_status_view status_view(self_ptr self, const member& asker) {
  auto& st = self->state;
  evt::room_status_view v;
  v.room_id = st.room_id;
  v.roomname = st.roomname;
  v.status = st.status;
  v.host_id = st.host_id;
  if (auto h = host(self)) {
    v.host_name = h->username;
    v.host_connected = static_cast<bool>(h->conn);
  }
  bool approved = asker.role == member_role::host
                  || asker.status == member_status::approved;
  if (approved)
    v.question = st.question;
  v.duration = st.duration;
  v.max_guests = st.max_guests;
  v.is_public = st.is_public;
  v.created_at = st.created_at;
  v.started_at = st.started_at;
  v.ends_at = st.ends_at;
  v.server_time = now_ms();
  v.connected_count = connected_count(self);
  v.your_role = asker.role;
  v.your_status = asker.status;
  for (auto& [id, m] : st.members) {
    if (m.role == member_role::host)
      continue;
    if (asker.role != member_role::host && m.user_id != asker.user_id)
      continue;
    v.participants.push_back(evt::member_view{m.user_id, m.username, m.status,
                                              static_cast<bool>(m.conn),
                                              m.violations, m.has_submitted});
  }
  return v;
}

// -- steps --------------------------------------------------------------------

/// Moves a seat to a new connection; the old one learns it was replaced.
void rebind(self_ptr self, member& m, const caller& c) {
  if (m.conn && m.socket_id != c.socket_id) {
    send_error(self, m.conn, error_code::session_replaced,
               "you joined this room from another connection", "JOIN_ROOM");
    send_seat(self, m.conn, seat_state::released, m.role);
  }
  m.conn = c.conn;
  m.socket_id = c.socket_id;
  m.username = c.username;
}

void admit(self_ptr self, member& m, const caller& c, bool new_request) {
  auto now = now_ms();
  m.status = member_status::approved;
  m.was_approved = true;
  m.joined_at = now;
  m.left_at = 0;
  persistence::write_set ws;
  ws.members.push_back(member_row(self, m));
  if (new_request) {
    m.requested_at = now;
    ws.join_attempts.push_back(attempt_row(self, m, "APPROVED", now));
  }
  auto user_id = m.user_id;
  persist(self, std::move(ws), c.conn, "JOIN_ROOM", [=] {
    auto i = self->state.members.find(user_id);
    if (i == self->state.members.end()
        || i->second.status != member_status::approved)
      return;
    auto& mm = i->second;
    send_event(self, mm.conn, approved_event(self, mm));
    send_seat(self, mm.conn, seat_state::seated, mm.role);
    broadcast(self, evt::user_joined{mm.user_id, mm.username,
                                     connected_count(self)});
  });
}

/// Counts, stores and (after the commit) shows a violation. `request_type`
/// names the message that reported it, for the error if the store fails.
void record_violation(self_ptr self, member& m, protocol::violation_type type,
                      std::string_view request_type) {
  auto now = now_ms();
  ++m.violations;
  persistence::write_set ws;
  ws.violations.push_back(persistence::violation_record{
    self->state.room_id, m.user_id, std::string{protocol::to_string(type)}, now,
    m.violations});
  ws.members.push_back(member_row(self, m));
  evt::violation_detected e{m.user_id, m.username, type, m.violations, now};
  self->request(self->state.store, caf::infinite, std::move(ws))
    .then([=](committed_atom) { to_host(self, e); },
          [=, who = m.conn, rt = std::string{request_type}](caf::error& err) {
            spdlog::error("room {} cannot persist a violation: {}",
                          self->state.room_id, self->system().render(err));
            // Not on record, so not counted.
            auto& members = self->state.members;
            if (auto i = members.find(e.user_id); i != members.end())
              --i->second.violations;
            send_error(self, who, error_code::store_unavailable,
                       "the change could not be saved; please retry", rt);
          });
}

void end_room(self_ptr self, evt::end_reason reason) {
  auto& st = self->state;
  if (st.status == room_status::ended)
    return;
  st.status = room_status::ended;
  st.ended_at = now_ms();
  ++st.deadline_generation;
  spdlog::info("room {} ends ({})", st.room_id,
               reason == evt::end_reason::host ? "host" : "time up");
  auto publish = [=] {
    auto f = protocol::native::encode_shared(
      evt::room_ended{self->state.room_id, reason, self->state.ended_at});
    for (auto& [id, m] : self->state.members) {
      if (!m.conn)
        continue;
      send_frame(self, m.conn, f);
      send_seat(self, m.conn, seat_state::ended, m.role);
    }
    self->delayed_send(self, self->state.cfg.linger, linger_atom::value);
  };
  persistence::write_set ws;
  ws.rooms.push_back(room_row(self));
  self->request(st.store, caf::infinite, std::move(ws))
    .then([=](committed_atom) { publish(); },
          [=](caf::error& err) {
            // The room is over whatever the disk says; tell everyone.
            spdlog::error("room {} cannot persist its end: {}",
                          self->state.room_id, self->system().render(err));
            publish();
          });
}

void arm_deadline(self_ptr self) {
  auto& st = self->state;
  auto gen = ++st.deadline_generation;
  auto left = std::max<protocol::millis>(0, st.ends_at - now_ms());
  self->delayed_send(self, std::chrono::milliseconds{left},
                     deadline_atom::value, gen);
}

void send_code_update(self_ptr self, member& m) {
  m.code_dirty = false;
  to_host(self, evt::code_update{m.user_id, m.username, m.code, m.language,
                                 now_ms()});
  m.code_window_open = true;
  self->delayed_send(self, self->state.cfg.code_change_interval,
                     code_atom::value, m.user_id);
}

} // namespace

room_actor::behavior_type room(self_ptr self, room_config cfg,
                               store_actor store, std::string room_id,
                               caller creator, cmd::create_room spec) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.room_id = std::move(room_id);
  st.roomname = std::move(spec.roomname);
  st.question = std::move(spec.question);
  st.max_guests = spec.max_guests;
  st.duration = spec.duration;
  st.is_public = spec.is_public;
  st.host_id = creator.user_id;
  st.created_at = now_ms();
  member h;
  h.user_id = creator.user_id;
  h.username = creator.username;
  h.socket_id = creator.socket_id;
  h.conn = creator.conn;
  h.role = member_role::host;
  h.status = member_status::approved;
  h.was_approved = true;
  h.joined_at = st.created_at;
  st.members.emplace(h.user_id, h);
  spdlog::info("room {} is created by {}", st.room_id, h.user_id);
  persistence::write_set ws;
  ws.rooms.push_back(room_row(self));
  self->request(st.store, caf::infinite, std::move(ws))
    .then(
      [=](committed_atom) {
        auto h = host(self);
        if (!h || !h->conn)
          return;
        send_event(self, h->conn,
                   evt::room_created{self->state.room_id, self->state.roomname});
        send_seat(self, h->conn, seat_state::seated, member_role::host);
      },
      [=](caf::error& err) {
        spdlog::error("room {} cannot be stored: {}", self->state.room_id,
                      self->system().render(err));
        if (auto h = host(self))
          send_error(self, h->conn, error_code::store_unavailable,
                     "the room could not be saved; please retry",
                     "CREATE_ROOM");
        self->quit();
      });
  return {
    [=](caller& c, cmd::join_room&) {
      if (reject_if_ended(self, c, "JOIN_ROOM"))
        return;
      auto& members = self->state.members;
      auto i = members.find(c.user_id);
      if (i != members.end()) {
        auto& m = i->second;
        if (m.role == member_role::host) {
          rebind(self, m, c);
          send_event(self, m.conn, approved_event(self, m));
          send_seat(self, m.conn, seat_state::seated, m.role);
          // Requests that arrived while the host was away.
          for (auto& [id, p] : members)
            if (p.status == member_status::pending)
              send_event(self, m.conn, request_event(p));
          broadcast(self, evt::user_joined{m.user_id, m.username,
                                           connected_count(self)});
          return;
        }
        if (m.status == member_status::kicked) {
          send_error(self, c.conn, error_code::kicked,
                     "you were removed from this room and cannot rejoin",
                     "JOIN_ROOM");
          return;
        }
        if (m.status == member_status::pending) {
          rebind(self, m, c);
          send_event(self, m.conn, evt::waiting_approval{self->state.room_id});
          send_seat(self, m.conn, seat_state::pending, m.role);
          return;
        }
        if (m.was_approved && m.status != member_status::rejected) {
          if (m.status != member_status::approved
              && approved_count(self) >= self->state.max_guests) {
            send_error(self, c.conn, error_code::room_full,
                       "the room is full", "JOIN_ROOM");
            return;
          }
          rebind(self, m, c);
          admit(self, m, c, false);
          return;
        }
      }
      // A new request (or a new one after a rejection or leaving unadmitted).
      if (approved_count(self) >= self->state.max_guests) {
        send_error(self, c.conn, error_code::room_full, "the room is full",
                   "JOIN_ROOM");
        return;
      }
      auto& m = members[c.user_id];
      m.user_id = c.user_id;
      m.role = member_role::participant;
      rebind(self, m, c);
      if (self->state.is_public) {
        admit(self, m, c, true);
        return;
      }
      m.status = member_status::pending;
      m.requested_at = now_ms();
      persistence::write_set ws;
      ws.members.push_back(member_row(self, m));
      ws.join_attempts.push_back(attempt_row(self, m, "PENDING", 0));
      auto user_id = m.user_id;
      persist(self, std::move(ws), c.conn, "JOIN_ROOM", [=] {
        auto i = self->state.members.find(user_id);
        if (i == self->state.members.end()
            || i->second.status != member_status::pending)
          return;
        auto& p = i->second;
        send_event(self, p.conn, evt::waiting_approval{self->state.room_id});
        send_seat(self, p.conn, seat_state::pending, p.role);
        to_host(self, request_event(p));
      });
    },
    [=](caller& c, cmd::approve_join& a) {
      if (!require_host(self, c, "APPROVE_JOIN", "approve join requests"))
        return;
      auto i = self->state.members.find(a.user_id);
      if (i == self->state.members.end()
          || i->second.status != member_status::pending) {
        send_error(self, c.conn, error_code::user_not_found,
                   "no pending join request from that user", "APPROVE_JOIN");
        return;
      }
      auto& m = i->second;
      auto now = now_ms();
      if (a.approve) {
        if (approved_count(self) >= self->state.max_guests) {
          send_error(self, c.conn, error_code::room_full,
                     "the room is full; the request stays pending",
                     "APPROVE_JOIN");
          return;
        }
        m.status = member_status::approved;
        m.was_approved = true;
        m.joined_at = now;
        persistence::write_set ws;
        ws.members.push_back(member_row(self, m));
        ws.join_attempts.push_back(attempt_row(self, m, "APPROVED", now));
        auto user_id = m.user_id;
        persist(self, std::move(ws), c.conn, "APPROVE_JOIN", [=] {
          auto& mm = self->state.members[user_id];
          if (mm.status != member_status::approved)
            return;
          send_event(self, mm.conn, approved_event(self, mm));
          send_seat(self, mm.conn, seat_state::seated, mm.role);
          broadcast(self, evt::user_joined{mm.user_id, mm.username,
                                           connected_count(self)});
        });
        return;
      }
      m.status = member_status::rejected;
      persistence::write_set ws;
      ws.members.push_back(member_row(self, m));
      ws.join_attempts.push_back(attempt_row(self, m, "REJECTED", now));
      auto user_id = m.user_id;
      persist(self, std::move(ws), c.conn, "APPROVE_JOIN", [=] {
        auto& mm = self->state.members[user_id];
        if (mm.status != member_status::rejected)
          return;
        send_event(self, mm.conn, evt::join_rejected{self->state.room_id});
        send_seat(self, mm.conn, seat_state::released, mm.role);
        // Not in the room any more: nothing else goes to that connection.
        mm.conn = nullptr;
        mm.socket_id.clear();
      });
    },
    [=](caller& c, cmd::start_room&) {
      if (!require_host(self, c, "START_ROOM", "start the room"))
        return;
      auto& st = self->state;
      if (st.status != room_status::waiting) {
        send_error(self, c.conn, error_code::invalid_state,
                   "the room has already started", "START_ROOM");
        return;
      }
      st.status = room_status::live;
      st.started_at = now_ms();
      st.ends_at = st.started_at + protocol::millis{st.duration} * 60'000;
      arm_deadline(self);
      spdlog::info("room {} starts, ends at {}", st.room_id, st.ends_at);
      persistence::write_set ws;
      ws.rooms.push_back(room_row(self));
      persist(self, std::move(ws), c.conn, "START_ROOM", [=] {
        auto& st = self->state;
        if (st.status != room_status::live)
          return;
        broadcast(self, evt::room_started{st.room_id, st.started_at, st.ends_at,
                                          st.duration, now_ms()});
      });
    },
    [=](caller& c, cmd::leave_room&) {
      if (reject_if_ended(self, c, "LEAVE_ROOM"))
        return;
      auto m = seat_of(self, c);
      if (!m) {
        send_error(self, c.conn, error_code::not_in_room,
                   "you are not in this room", "LEAVE_ROOM");
        return;
      }
      evt::user_left e{m->user_id, m->username, evt::leave_reason::left, 0};
      auto leaver = m->conn;
      auto role = m->role;
      m->conn = nullptr;
      m->socket_id.clear();
      if (role == member_role::host) {
        e.connected_count = connected_count(self);
        broadcast(self, e);
        send_event(self, leaver, e);
        send_seat(self, leaver, seat_state::released, role);
        return;
      }
      bool was_member = m->status == member_status::approved;
      m->status = member_status::left;
      m->left_at = now_ms();
      persistence::write_set ws;
      ws.members.push_back(member_row(self, *m));
      persist(self, std::move(ws), leaver, "LEAVE_ROOM", [=]() mutable {
        e.connected_count = connected_count(self);
        if (was_member)
          broadcast(self, e);
        else
          to_host(self, e);
        send_event(self, leaver, e);
        send_seat(self, leaver, seat_state::released, role);
      });
    },
    [=](caller& c, cmd::end_room&) {
      if (require_host(self, c, "END_ROOM", "end the room"))
        end_room(self, evt::end_reason::host);
    },
    [=](caller& c, cmd::get_room_status&) {
      if (reject_if_ended(self, c, "GET_ROOM_STATUS"))
        return;
      auto m = seat_of(self, c);
      if (!m) {
        send_error(self, c.conn, error_code::not_in_room,
                   "you are not in this room", "GET_ROOM_STATUS");
        return;
      }
      send_event(self, c.conn, status_view(self, *m));
    },
    [=](caller& c, cmd::proctor_signal& s) {
      auto rt = protocol::type_name(protocol::command{s});
      auto m = require_participant(self, c, rt);
      if (!m)
        return;
      switch (s.what) {
        case cmd::signal::fullscreen_exit:
          record_violation(self, *m, protocol::violation_type::fullscreen_exit, rt);
          break;
        case cmd::signal::tab_blur:
          record_violation(self, *m, protocol::violation_type::tab_switch, rt);
          break;
        case cmd::signal::fullscreen_enter:
        case cmd::signal::tab_focus:
          to_host(self, evt::proctoring_update{m->user_id, m->username, s.what,
                                               now_ms()});
          break;
      }
    },
    [=](caller& c, cmd::code_change& cc) {
      auto m = require_participant(self, c, "CODE_CHANGE");
      if (!m)
        return;
      m->code = std::move(cc.code);
      m->language = std::move(cc.language);
      if (m->code_window_open)
        m->code_dirty = true;
      else
        send_code_update(self, *m);
    },
    [=](caller& c, cmd::submit_code& s) {
      auto m = require_participant(self, c, "SUBMIT_CODE");
      if (!m)
        return;
      auto now = now_ms();
      persistence::write_set ws;
      ws.submissions.push_back(persistence::submission_record{
        self->state.room_id, m->user_id, s.code, s.language, now});
      auto row = member_row(self, *m);
      row.has_submitted = true;
      ws.members.push_back(std::move(row));
      evt::user_submitted e{m->user_id, m->username, now, std::move(s.code),
                            std::move(s.language)};
      auto to = c.conn;
      persist(self, std::move(ws), to, "SUBMIT_CODE", [=] {
        auto& st = self->state;
        if (auto i = st.members.find(e.user_id); i != st.members.end())
          i->second.has_submitted = true;
        send_event(self, to, evt::submission_received{st.room_id, now});
        to_host(self, e);
      });
    },
    [=](caller& c, cmd::kick_user& k) {
      if (!require_host(self, c, "KICK_USER", "kick participants"))
        return;
      auto& members = self->state.members;
      auto i = members.find(k.user_id);
      if (i == members.end() || i->second.role == member_role::host
          || i->second.status == member_status::kicked) {
        send_error(self, c.conn, error_code::user_not_found,
                   k.user_id == self->state.host_id
                     ? "the host cannot kick itself"
                     : "no such participant in this room",
                   "KICK_USER");
        return;
      }
      auto& m = i->second;
      auto now = now_ms();
      m.status = member_status::kicked;
      m.left_at = now;
      auto target = m.conn;
      m.conn = nullptr;
      m.socket_id.clear();
      persistence::write_set ws;
      ws.members.push_back(member_row(self, m));
      ws.kicks.push_back(
        persistence::kick_record{self->state.room_id, m.user_id, k.reason, now});
      evt::user_kicked e{m.user_id, m.username, k.reason};
      persist(self, std::move(ws), c.conn, "KICK_USER", [=] {
        send_event(self, target, evt::kicked{self->state.room_id, e.reason});
        send_seat(self, target, seat_state::kicked, member_role::participant);
        broadcast(self, e);
      });
    },
    [=](caller& c, closed_atom) {
      auto m = seat_of(self, c);
      if (!m)
        return;
      m->conn = nullptr;
      if (self->state.status == room_status::ended)
        return;
      if (m->role == member_role::host
          || m->status == member_status::approved) {
        broadcast(self, evt::user_left{m->user_id, m->username,
                                       evt::leave_reason::disconnected,
                                       connected_count(self)});
      }
      if (m->role == member_role::participant
          && m->status == member_status::approved
          && self->state.status == room_status::live)
        record_violation(self, *m, protocol::violation_type::disconnect,
                         "DISCONNECT");
    },
    [=](deadline_atom, std::uint64_t generation) {
      auto& st = self->state;
      if (generation == st.deadline_generation && st.status == room_status::live)
        end_room(self, evt::end_reason::time_up);
    },
    [=](code_atom, std::string& user_id) {
      auto i = self->state.members.find(user_id);
      if (i == self->state.members.end())
        return;
      auto& m = i->second;
      m.code_window_open = false;
      if (m.code_dirty && m.status == member_status::approved
          && self->state.status != room_status::ended)
        send_code_update(self, m);
    },
    [=](linger_atom) { self->quit(); },
  };
}

} // namespace proctord
