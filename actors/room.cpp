#include "actors/room.hpp"

#include "actors/room_detail.hpp"
#include "protocol/native_codec.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace proctord {

using namespace room_detail;

namespace {

using protocol::member_role;
using protocol::member_status;
using protocol::room_status;
namespace evt = protocol::evt;
namespace cmd = protocol::cmd;

// -- steps --------------------------------------------------------------------

/// Moves a seat to a new connection; the old one learns it was replaced.
void rebind(self_ptr self, member& m, const caller& c) {
  if (m.conn && m.socket_id != c.socket_id) {
    send_error(self, m.conn, error_code::session_replaced,
               "you joined this room from another connection", "JOIN_ROOM");
    send_seat(self, m.conn, seat_state::released, m.role);
  }
  m.conn = c.conn;
  m.out = c.out;
  m.socket_id = c.socket_id;
  if (!c.username.empty())
    m.username = c.username;
  m.away_since = 0;
}

/// Seats an approved participant: JOIN_APPROVED to it, USER_JOINED to all.
void admit(self_ptr self, member& m, const caller& c, bool new_request) {
  auto now = now_ms();
  m.status = member_status::approved;
  m.was_approved = true;
  m.joined_at = now;
  m.left_at = 0;
  staged step;
  step.ws.members.push_back(member_row(self, m));
  if (new_request) {
    m.requested_at = now;
    step.ws.join_attempts.push_back(attempt_row(self, m, "APPROVED", now));
  }
  stage(self, step, audience::user, m.user_id, approved_event(self, m));
  stage(self, step, audience::members, {},
        evt::user_joined{m.user_id, m.username, connected_count(self)});
  commit(self, std::move(step), c.conn, "JOIN_ROOM",
         [=, user_id = m.user_id] {
           auto& mm = self->state.members[user_id];
           if (mm.status == member_status::approved)
             send_seat(self, mm.conn, seat_state::seated, mm.role);
         });
}

/// Counts, stores and (after the commit) shows a violation. `request_type`
/// names the message that reported it, for the error if the store fails.
void record_violation(self_ptr self, staged step, member& m,
                      protocol::violation_type type,
                      std::string_view request_type, std::string key = {}) {
  auto now = now_ms();
  ++m.violations;
  if (!key.empty())
    m.violation_keys.insert(key);
  step.ws.violations.push_back(persistence::violation_record{
    self->state.room_id, m.user_id, std::string{protocol::to_string(type)}, now,
    m.violations, key});
  step.ws.members.push_back(member_row(self, m));
  stage(self, step, audience::host, {},
        evt::violation_detected{m.user_id, m.username, type, m.violations, now});
  commit(self, std::move(step), m.conn, request_type, {},
         [=, user_id = m.user_id] {
           // Not on record, so not counted.
           auto& members = self->state.members;
           if (auto i = members.find(user_id); i != members.end()) {
             --i->second.violations;
             i->second.violation_keys.erase(key);
           }
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
  staged step;
  step.ws.rooms.push_back(room_row(self));
  stage(self, step, audience::everyone, {},
        evt::room_ended{st.room_id, reason, st.ended_at});
  auto out = step.out;
  auto finish = [=] {
    for (auto& [id, m] : self->state.members)
      send_seat(self, m.conn, seat_state::ended, m.role);
    self->delayed_send(self, self->state.cfg.linger, linger_atom::value);
  };
  // The room is over whatever the disk says: tell everyone either way.
  commit(self, std::move(step), connection_actor{}, "END_ROOM", finish, [=] {
    for (auto& o : out)
      deliver(self, o);
    finish();
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
  if (auto h = host(self); h && h->conn && !h->replaying)
    send_event(self, h->conn,
               evt::code_update{m.user_id, m.username, m.code, m.language,
                                now_ms()});
  m.code_window_open = true;
  self->delayed_send(self, self->state.cfg.code_change_interval,
                     code_atom::value, m.user_id);
}

/// A member that was away is back: the room sees USER_JOINED (resumed).
void announce_back(self_ptr self, member& m) {
  if (m.role != member_role::host && m.status != member_status::approved)
    return;
  staged step;
  stage(self, step, audience::members, {},
        evt::user_joined{m.user_id, m.username, connected_count(self), true});
  commit(self, std::move(step), connection_actor{}, "RESUME", {});
}

/// Hands a seat back without replay: a snapshot instead of events.
void resync(self_ptr self, member& m, evt::resync_reason why, bool was_away) {
  send_member(self, m, protocol::native::encode_shared(
                  evt::resync_required{why, status_view(self, m)}));
  send_seat(self, m.conn,
            m.status == member_status::pending ? seat_state::pending
                                               : seat_state::seated,
            m.role);
  if (m.role == member_role::host)
    for (auto& [id, p] : self->state.members)
      if (p.status == member_status::pending)
        send_member(self, m, protocol::native::encode_shared(request_event(p)));
  for (auto& [seq, f] : m.replay_buffer)
    send_member(self, m, f);
  m.replay_buffer.clear();
  m.replaying = false;
  if (was_away)
    announce_back(self, m);
}

/// Replays the stored events addressed to `m` after `last_seq`, then what
/// arrived meanwhile, then goes live.
void replay(self_ptr self, member& m, std::int64_t last_seq, bool was_away) {
  m.replaying = true;
  m.replay_buffer.clear();
  auto& st = self->state;
  auto limit = static_cast<std::uint64_t>(st.cfg.max_replay) + 1;
  auto user_id = m.user_id;
  auto socket_id = m.socket_id;
  self->request(st.store, caf::infinite, events_atom::value, st.room_id,
                last_seq, limit)
    .then(
      [=](std::vector<persistence::event_record>& events) {
        auto& members = self->state.members;
        auto i = members.find(user_id);
        if (i == members.end() || i->second.socket_id != socket_id
            || !i->second.conn)
          return; // replaced or gone meanwhile
        auto& mm = i->second;
        if (events.size() > self->state.cfg.max_replay) {
          resync(self, mm, evt::resync_reason::events_unavailable, was_away);
          return;
        }
        std::vector<const persistence::event_record*> mine;
        for (auto& e : events)
          if (addressed_to(mm, e.audience, e.user_id))
            mine.push_back(&e);
        auto last_replayed = events.empty() ? last_seq : events.back().seq;
        // lastSeq is what the replay covers: the log as committed when it
        // was read. Anything newer (committed later) has a greater seq.
        send_member(self, mm, protocol::native::encode_shared(
                          evt::resumed{self->state.room_id, mm.role, mm.status,
                                       last_replayed,
                                       static_cast<std::int32_t>(mine.size())}));
        for (auto e : mine)
          send_member(self, mm, std::make_shared<const std::string>(e->payload));
        for (auto& [seq, f] : mm.replay_buffer)
          if (seq == 0 || seq > last_replayed)
            send_member(self, mm, f);
        mm.replay_buffer.clear();
        mm.replaying = false;
        send_seat(self, mm.conn,
                  mm.status == member_status::pending ? seat_state::pending
                                                      : seat_state::seated,
                  mm.role);
        if (was_away)
          announce_back(self, mm);
      },
      [=](caf::error& err) {
        spdlog::error("room {} cannot load events: {}", self->state.room_id,
                      self->system().render(err));
        auto& members = self->state.members;
        if (auto i = members.find(user_id);
            i != members.end() && i->second.socket_id == socket_id)
          resync(self, i->second, evt::resync_reason::events_unavailable,
                 was_away);
      });
}

room_actor::behavior_type behavior(self_ptr self) {
  return {
    [=](caller& c, cmd::join_room&) {
      if (reject_if_ended(self, c, "JOIN_ROOM"))
        return;
      auto& members = self->state.members;
      auto i = members.find(c.user_id);
      if (i != members.end()) {
        auto& m = i->second;
        if (m.role == member_role::host) {
          bool was_away = !m.conn;
          rebind(self, m, c);
          staged step;
          stage(self, step, audience::user, m.user_id, approved_event(self, m));
          if (was_away)
            stage(self, step, audience::members, {},
                  evt::user_joined{m.user_id, m.username,
                                   connected_count(self)});
          commit(self, std::move(step), c.conn, "JOIN_ROOM", [=] {
            auto h = host(self);
            if (!h || !h->conn)
              return;
            send_seat(self, h->conn, seat_state::seated, h->role);
            // Requests that arrived while the host was away.
            for (auto& [id, p] : self->state.members)
              if (p.status == member_status::pending)
                send_event(self, h->conn, request_event(p));
          });
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
          staged step;
          stage(self, step, audience::user, m.user_id,
                evt::waiting_approval{self->state.room_id,
                                      resume_token(self, m)});
          commit(self, std::move(step), c.conn, "JOIN_ROOM",
                 [=, user_id = m.user_id] {
                   auto& mm = self->state.members[user_id];
                   if (mm.status == member_status::pending)
                     send_seat(self, mm.conn, seat_state::pending, mm.role);
                 });
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
      staged step;
      step.ws.members.push_back(member_row(self, m));
      step.ws.join_attempts.push_back(attempt_row(self, m, "PENDING", 0));
      stage(self, step, audience::user, m.user_id,
            evt::waiting_approval{self->state.room_id, resume_token(self, m)});
      stage(self, step, audience::host, {}, request_event(m));
      commit(self, std::move(step), c.conn, "JOIN_ROOM",
             [=, user_id = m.user_id] {
               auto& p = self->state.members[user_id];
               if (p.status == member_status::pending)
                 send_seat(self, p.conn, seat_state::pending, p.role);
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
      staged step;
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
        step.ws.members.push_back(member_row(self, m));
        step.ws.join_attempts.push_back(attempt_row(self, m, "APPROVED", now));
        stage(self, step, audience::user, m.user_id, approved_event(self, m));
        stage(self, step, audience::members, {},
              evt::user_joined{m.user_id, m.username, connected_count(self)});
        commit(self, std::move(step), c.conn, "APPROVE_JOIN",
               [=, user_id = m.user_id] {
                 auto& mm = self->state.members[user_id];
                 if (mm.status == member_status::approved)
                   send_seat(self, mm.conn, seat_state::seated, mm.role);
               });
        return;
      }
      m.status = member_status::rejected;
      step.ws.members.push_back(member_row(self, m));
      step.ws.join_attempts.push_back(attempt_row(self, m, "REJECTED", now));
      stage(self, step, audience::user, m.user_id,
            evt::join_rejected{self->state.room_id});
      commit(self, std::move(step), c.conn, "APPROVE_JOIN",
             [=, user_id = m.user_id] {
               auto& mm = self->state.members[user_id];
               if (mm.status != member_status::rejected)
                 return;
               send_seat(self, mm.conn, seat_state::released, mm.role);
               // Not in the room any more: nothing else goes to it.
               mm.conn = nullptr;
               mm.out.reset();
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
      staged step;
      step.ws.rooms.push_back(room_row(self));
      stage(self, step, audience::members, {},
            evt::room_started{st.room_id, st.started_at, st.ends_at,
                              st.duration, now_ms()});
      commit(self, std::move(step), c.conn, "START_ROOM", {});
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
      auto leaver = m->conn;
      auto role = m->role;
      bool was_member = role == member_role::host
                        || m->status == member_status::approved;
      staged step;
      if (role == member_role::participant) {
        m->status = member_status::left;
        m->left_at = now_ms();
        step.ws.members.push_back(member_row(self, *m));
      }
      m->conn = nullptr;
      m->out.reset();
      m->socket_id.clear();
      evt::user_left e{m->user_id, m->username, evt::leave_reason::left,
                       connected_count(self)};
      stage(self, step, was_member ? audience::members : audience::host, {}, e);
      auto leaver_frame = step.out.back().frame;
      commit(self, std::move(step), leaver, "LEAVE_ROOM", [=] {
        // The leaver is no longer in the audience; it gets its copy here.
        send_frame(self, leaver, leaver_frame);
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
      if (!s.idempotency_key.empty() && m->violation_keys.count(s.idempotency_key))
        return; // a resend of a violation already on record
      switch (s.what) {
        case cmd::signal::fullscreen_exit:
          record_violation(self, {}, *m,
                           protocol::violation_type::fullscreen_exit, rt,
                           s.idempotency_key);
          break;
        case cmd::signal::tab_blur:
          record_violation(self, {}, *m, protocol::violation_type::tab_switch,
                           rt, s.idempotency_key);
          break;
        case cmd::signal::fullscreen_enter:
        case cmd::signal::tab_focus: {
          staged step;
          stage(self, step, audience::host, {},
                evt::proctoring_update{m->user_id, m->username, s.what,
                                       now_ms()});
          commit(self, std::move(step), c.conn, rt, {});
          break;
        }
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
      auto& key = s.idempotency_key;
      if (!key.empty()) {
        if (auto k = m->submission_keys.find(key); k != m->submission_keys.end()) {
          // A resend: acknowledge again once the original is surely on disk
          // (the store answers in order), with the original time.
          auto at = k->second;
          commit(self, {}, c.conn, "SUBMIT_CODE", [=, to = c.conn] {
            send_event(self, to,
                       evt::submission_received{self->state.room_id, at});
          });
          return;
        }
      }
      auto now = now_ms();
      if (!key.empty())
        m->submission_keys.emplace(key, now);
      staged step;
      step.ws.submissions.push_back(persistence::submission_record{
        self->state.room_id, m->user_id, s.code, s.language, now, key});
      auto row = member_row(self, *m);
      row.has_submitted = true;
      step.ws.members.push_back(std::move(row));
      stage(self, step, audience::user, m->user_id,
            evt::submission_received{self->state.room_id, now});
      stage(self, step, audience::host, {},
            evt::user_submitted{m->user_id, m->username, now, std::move(s.code),
                                std::move(s.language)});
      auto user_id = m->user_id;
      commit(
        self, std::move(step), c.conn, "SUBMIT_CODE",
        [=] {
          if (auto i = self->state.members.find(user_id);
              i != self->state.members.end())
            i->second.has_submitted = true;
        },
        [=] {
          if (auto i = self->state.members.find(user_id);
              i != self->state.members.end())
            i->second.submission_keys.erase(key);
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
      staged step;
      step.ws.members.push_back(member_row(self, m));
      step.ws.kicks.push_back(
        persistence::kick_record{self->state.room_id, m.user_id, k.reason, now});
      stage(self, step, audience::user, m.user_id,
            evt::kicked{self->state.room_id, k.reason});
      stage(self, step, audience::members, {},
            evt::user_kicked{m.user_id, m.username, k.reason});
      commit(self, std::move(step), c.conn, "KICK_USER",
             [=, user_id = m.user_id] {
               auto& mm = self->state.members[user_id];
               send_seat(self, mm.conn, seat_state::kicked,
                         member_role::participant);
               mm.conn = nullptr;
               mm.out.reset();
               mm.socket_id.clear();
             });
    },
    [=](caller& c, cmd::announce& a) {
      auto h = require_host(self, c, "ANNOUNCE", "make announcements");
      if (!h)
        return;
      // Live only, like CODE_UPDATE: no seq, nothing stored, no replay.
      publish_live(self, audience::members,
                   evt::announcement{self->state.room_id, std::move(a.message),
                                     h->username, now_ms()});
    },
    [=](caller& c, cmd::resume& r) {
      if (reject_if_ended(self, c, "RESUME"))
        return;
      auto& st = self->state;
      auto i = st.members.find(c.user_id);
      if (i == st.members.end()) {
        send_error(self, c.conn, error_code::user_not_found,
                   "you have no seat in this room", "RESUME");
        return;
      }
      auto& m = i->second;
      if (m.status == member_status::kicked) {
        send_error(self, c.conn, error_code::kicked,
                   "you were removed from this room and cannot rejoin",
                   "RESUME");
        return;
      }
      if (m.status == member_status::rejected) {
        send_error(self, c.conn, error_code::forbidden,
                   "the host declined your request to join", "RESUME");
        return;
      }
      auto now = now_ms();
      bool was_away = !m.conn || m.away_since != 0;
      bool expired = m.away_since != 0
                     && now - m.away_since > st.cfg.resume_grace.count();
      rebind(self, m, c);
      if (m.status == member_status::left) {
        if (!m.was_approved) {
          send_error(self, c.conn, error_code::not_in_room,
                     "you left this room; join it again", "RESUME");
          m.conn = nullptr;
          m.out.reset();
          return;
        }
        m.status = member_status::approved;
        m.left_at = 0;
        staged step;
        step.ws.members.push_back(member_row(self, m));
        commit(self, std::move(step), connection_actor{}, "RESUME", {});
      }
      if (expired)
        resync(self, m, evt::resync_reason::grace_expired, was_away);
      else if (r.last_seq > st.last_seq)
        resync(self, m, evt::resync_reason::events_unavailable, was_away);
      else
        replay(self, m, r.last_seq, was_away);
    },
    [=](caller& c, closed_atom) {
      auto m = seat_of(self, c);
      if (!m)
        return;
      m->conn = nullptr;
      m->out.reset();
      m->replaying = false;
      m->replay_buffer.clear();
      m->away_since = now_ms();
      if (self->state.status == room_status::ended)
        return;
      if (m->role != member_role::host && m->status != member_status::approved)
        return;
      staged step;
      stage(self, step, audience::members, {},
            evt::user_left{m->user_id, m->username,
                           evt::leave_reason::disconnected,
                           connected_count(self)});
      if (m->role == member_role::participant
          && self->state.status == room_status::live)
        // One DISCONNECT per absence: RESUME ends the absence, failed
        // reconnects do not start new ones.
        record_violation(self, std::move(step), *m,
                         protocol::violation_type::disconnect, "DISCONNECT");
      else
        commit(self, std::move(step), connection_actor{}, "DISCONNECT", {});
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
  h.out = creator.out;
  h.role = member_role::host;
  h.status = member_status::approved;
  h.was_approved = true;
  h.joined_at = st.created_at;
  auto& hm = st.members.emplace(h.user_id, h).first->second;
  spdlog::info("room {} is created by {}", st.room_id, h.user_id);
  staged step;
  step.ws.rooms.push_back(room_row(self));
  stage(self, step, audience::host, {},
        evt::room_created{st.room_id, st.roomname, resume_token(self, hm)});
  commit(
    self, std::move(step), creator.conn, "CREATE_ROOM",
    [=] {
      if (auto h = host(self))
        send_seat(self, h->conn, seat_state::seated, member_role::host);
    },
    [=] { self->quit(); });
  return behavior(self);
}

room_actor::behavior_type restored_room(self_ptr self, room_config cfg,
                                        store_actor store,
                                        persistence::room_snapshot snap) {
  auto& st = self->state;
  auto& r = snap.room;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.room_id = r.room_id;
  st.roomname = r.roomname;
  st.question = r.question;
  st.max_guests = r.max_guests;
  st.duration = r.duration;
  st.is_public = r.is_public;
  st.host_id = r.host_id;
  st.status = r.status == "LIVE" ? room_status::live : room_status::waiting;
  st.created_at = r.created_at;
  st.started_at = r.started_at;
  st.ends_at = r.ends_at;
  st.last_seq = snap.last_seq;
  auto now = now_ms();
  // Everyone starts away; no violation is recorded for our own restart.
  member h;
  h.user_id = r.host_id;
  h.username = r.host_name;
  h.role = member_role::host;
  h.status = member_status::approved;
  h.was_approved = true;
  h.joined_at = r.created_at;
  h.away_since = now;
  st.members.emplace(h.user_id, std::move(h));
  for (auto& row : snap.members) {
    member m;
    m.user_id = row.user_id;
    m.username = row.username;
    m.role = member_role::participant;
    m.status = row.status == "APPROVED" ? member_status::approved
               : row.status == "PENDING" ? member_status::pending
               : row.status == "REJECTED" ? member_status::rejected
               : row.status == "KICKED"   ? member_status::kicked
                                          : member_status::left;
    m.was_approved = row.joined_at != 0;
    m.violations = row.violation_count;
    m.has_submitted = row.has_submitted;
    m.joined_at = row.joined_at;
    m.left_at = row.left_at;
    m.away_since = now;
    st.members.emplace(m.user_id, std::move(m));
  }
  for (auto& p : snap.pending)
    if (auto i = st.members.find(p.user_id); i != st.members.end())
      i->second.requested_at = p.requested_at;
  for (auto& k : snap.keys)
    if (auto i = st.members.find(k.user_id); i != st.members.end()) {
      if (k.kind == "SUBMISSION")
        i->second.submission_keys.emplace(k.key, k.at);
      else
        i->second.violation_keys.insert(k.key);
    }
  spdlog::info("room {} is restored ({}, {} members, seq {})", st.room_id,
               r.status, snap.members.size(), st.last_seq);
  if (st.status == room_status::live) {
    if (st.ends_at <= now)
      end_room(self, evt::end_reason::time_up);
    else
      arm_deadline(self);
  }
  return behavior(self);
}

} // namespace proctord
