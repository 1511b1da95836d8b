// The interview room's presence: a room's birth and rebirth after a
// restart, RESUME (replay or snapshot), and members whose connection drops.
//
// A drop starts the presence grace (room_config::presence_grace): the member
// still counts as connected and the room hears nothing. A RESUME within it
// is no departure: the host alone learns of it (PROCTORING_UPDATE
// RECONNECTED, with how long the member was away). When the grace runs out
// first, the member departs: USER_LEFT and, in a live room, the DISCONNECT
// violation, both dated at the drop; its RESUME later is USER_JOINED
// (resumed) as after any departure.

#include "actors/interview/room_steps.hpp"

#include "protocol/event_log.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace proctord::interview {

using namespace room_support;
using protocol::member_role;
using protocol::member_status;
using protocol::room_status;

namespace {

constexpr std::string_view resume_rt = "RESUME";

seat_state seat_of_status(const member& m) {
  return m.status == member_status::pending ? seat_state::pending
                                            : seat_state::seated;
}

/// A member that had departed is back: the room sees USER_JOINED (resumed).
void announce_back(self_ptr self, const member& m) {
  if (m.role != member_role::host && m.status != member_status::approved)
    return;
  step s;
  stage(self, s, to_members, {},
        evt::user_joined{m.user_id, m.username, connected_count(self), true});
  commit(self, std::move(s), nullptr, resume_rt, {});
}

/// A participant is back within its presence grace: the room saw nothing,
/// the host learns of the short drop (stored and replayable like the other
/// PROCTORING_UPDATEs). The host's own drops are nobody's business.
void tell_host_reconnected(self_ptr self, const member& m,
                           protocol::millis dropped_at, protocol::millis now) {
  if (m.role == member_role::host)
    return;
  step s;
  stage(self, s, to_host, {},
        evt::proctoring_update{m.user_id, m.username,
                               cmd::signal::fullscreen_enter, now, true,
                               std::max<protocol::millis>(0, now - dropped_at)});
  commit(self, std::move(s), nullptr, resume_rt, {});
}

/// The member departs, as of `dropped_at`: USER_LEFT to the room and, in a
/// live room, the DISCONNECT violation (one per absence: RESUME ends the
/// absence, failed reconnects do not start new ones).
void depart(self_ptr self, const member& m, protocol::millis dropped_at) {
  step s;
  stage(self, s, to_members, {},
        evt::user_left{m.user_id, m.username, evt::leave_reason::disconnected,
                       connected_count(self)},
        dropped_at);
  if (m.role == member_role::participant
      && self->state.status == room_status::live)
    record_violation(self, std::move(s), m.user_id,
                     protocol::violation_type::disconnect, nullptr,
                     "DISCONNECT", {}, dropped_at);
  else
    commit(self, std::move(s), nullptr, "DISCONNECT", {});
}

/// Whether `m` still belongs in the room's count of who is there.
bool counts(self_ptr self, const member& m) {
  return self->state.status != room_status::ended
         && (m.role == member_role::host
             || m.status == member_status::approved);
}

/// The seat's connection learns it holds the seat, before the first frame
/// of the answer: a client that answers RESUMED at once finds it seated.
void tell_seated(self_ptr self, member& m) {
  send_seat(self, m.place, seat_of_status(m), m.role, m.username);
}

/// Hands a seat back without replay: a snapshot instead of events.
void resync(self_ptr self, member& m, evt::resync_reason why,
            bool departed) {
  auto& place = m.place;
  place.replaying = false;
  tell_seated(self, m);
  send_to(place, self->state.room_id(),
          evt::resync_required{why, status_view(self, m)});
  // A snapshot has no events: a host gets the requests that wait for it.
  if (m.role == member_role::host)
    for (auto& [id, p] : self->state.members)
      if (p.status == member_status::pending)
        send_to(place, self->state.room_id(), request_event(p));
  flush_buffer(place, self->state.room_id(), 0);
  if (departed)
    announce_back(self, m);
}

/// Replays the stored events addressed to `m` after `last_seq`, then what
/// arrived meanwhile, then goes live (and, if `departed`, tells the room).
void replay(self_ptr self, member& m, std::int64_t last_seq, bool departed) {
  auto& st = self->state;
  m.place.replaying = true;
  m.place.buffer.clear();
  auto user_id = m.user_id;
  auto socket_id = m.place.socket_id;
  auto current = [=]() -> member* {
    auto mm = find(self, user_id);
    // Replaced or gone meanwhile: the new connection has its own RESUME.
    if (!mm || mm->place.socket_id != socket_id || !mm->place.replaying)
      return nullptr;
    return mm;
  };
  // Filtered by audience and bounded in the query, on the reader's own
  // connection: a replay never waits behind commits, nor they behind it.
  persistence::replay_query q;
  q.room_id = st.room_id();
  q.after_seq = last_seq;
  q.user_id = m.user_id;
  q.is_host = m.role == member_role::host;
  q.was_member = m.was_approved;
  q.max_events = static_cast<std::uint32_t>(st.cfg.max_replay);
  q.max_bytes = st.cfg.max_replay_bytes;
  self->request(st.store.reader, caf::infinite, events_atom::value, q)
    .then(
      [=](persistence::replay_page& page) {
        auto mm = current();
        if (!mm)
          return;
        if (!page.complete) {
          resync(self, *mm, evt::resync_reason::events_unavailable, departed);
          return;
        }
        std::vector<std::pair<std::int64_t, protocol::event>> mine;
        for (auto& e : page.events) {
          if (auto decoded = protocol::event_log::decode(e.payload))
            mine.emplace_back(e.seq, std::move(*decoded));
          else
            spdlog::error("room {} cannot read event {} of its log",
                          self->state.room_id(), e.seq);
        }
        auto last_replayed = std::max(last_seq, page.last_seq_in_log);
        auto& place = mm->place;
        auto to = std::vector<recipient>{place.where()};
        auto& room_id = self->state.room_id();
        tell_seated(self, *mm);
        // lastSeq is what the replay covers: the log as committed when it
        // was read. Anything newer (committed later) has a greater seq.
        caf::anon_send(place.relay,
                       envelope{room_id, 0, to,
                                evt::resumed{room_id, mm->role, mm->status,
                                             last_replayed,
                                             static_cast<std::int32_t>(
                                               mine.size())}});
        for (auto& [seq, e] : mine)
          caf::anon_send(place.relay, envelope{room_id, seq, to, std::move(e)});
        flush_buffer(place, room_id, last_replayed);
        if (departed)
          announce_back(self, *mm);
      },
      [=](caf::error& err) {
        spdlog::error("room {} cannot load events: {}", self->state.room_id(),
                      self->system().render(err));
        if (auto mm = current())
          resync(self, *mm, evt::resync_reason::events_unavailable, departed);
      });
}

} // namespace

void on_resume(self_ptr self, const caller& c, const cmd::resume& r) {
  auto& st = self->state;
  if (st.status == room_status::ended) {
    refuse(self, c, error_code::room_ended, "the room has ended", resume_rt);
    return;
  }
  auto m = find(self, c.user_id);
  if (!m) {
    refuse(self, c, error_code::user_not_found, "you have no seat in this room",
           resume_rt);
    return;
  }
  if (m->status == member_status::kicked) {
    refuse(self, c, error_code::kicked,
           "you were removed from this room and cannot rejoin", resume_rt);
    return;
  }
  if (m->status == member_status::rejected) {
    refuse(self, c, error_code::forbidden,
           "the host declined your request to join", resume_rt);
    return;
  }
  if (m->status == member_status::left && !m->was_approved) {
    refuse(self, c, error_code::not_in_room,
           "you left this room; join it again", resume_rt);
    return;
  }
  if (m->place.replaying) {
    // One replay per seat at a time: each reads the log off the commit path,
    // but a member must not queue replay after replay.
    refuse(self, c, error_code::resume_in_progress,
           "a RESUME for this seat is still replaying; wait for RESUMED",
           resume_rt);
    return;
  }
  auto now = now_ms();
  bool expired = m->place.away_since != 0
                 && now - m->place.away_since > st.cfg.resume_grace.count();
  // Takes the seat and hands back what was missed.
  auto take_seat = [=] {
    auto mm = find(self, c.user_id);
    if (!mm)
      return;
    bool was_away = !mm->place.connected() || mm->place.away_since != 0;
    // Back within the presence grace: the room never saw it go.
    bool short_drop = was_away && mm->in_grace;
    auto dropped_at = mm->place.away_since;
    mm->in_grace = false; // its grace timer now finds it seated
    bind_seat(self, mm->place, c, resume_rt);
    if (!c.username.empty())
      mm->username = c.username;
    if (short_drop)
      tell_host_reconnected(self, *mm, dropped_at, now_ms());
    bool departed = was_away && !short_drop;
    if (expired)
      resync(self, *mm, evt::resync_reason::grace_expired, departed);
    else if (r.last_seq > self->state.log.last_seq)
      resync(self, *mm, evt::resync_reason::events_unavailable, departed);
    else
      replay(self, *mm, r.last_seq, departed);
  };
  if (m->status != member_status::left) {
    take_seat();
    return;
  }
  // Back in after LEAVE_ROOM (the seat an approved participant keeps): on
  // record first, then seated.
  member next = *m;
  next.status = member_status::approved;
  next.left_at = 0;
  step s;
  s.subjects.push_back(about(m->user_id));
  s.ws.members.push_back(member_row(self, next));
  commit_hooks hooks;
  hooks.apply = [=] {
    if (auto mm = find(self, next.user_id)) {
      mm->status = member_status::approved;
      mm->left_at = 0;
    }
    take_seat();
  };
  hooks.failed = [=](const caf::error&) {
    if (c.conn)
      self->send(c.conn, seat_message(self, c.channel, seat_state::refused,
                                      member_role::participant, {}));
  };
  commit(self, std::move(s), &c, resume_rt, std::move(hooks));
}

void on_down(self_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto now = now_ms();
  for (auto& [id, m] : st.members) {
    if (!m.place.conn || m.place.conn.address() != dm.source)
      continue;
    set_away(m.place, now);
    // A server shutting down is no departure: no USER_LEFT, no DISCONNECT.
    if (dm.reason == caf::exit_reason::user_shutdown
        || st.status == room_status::ended)
      continue;
    if (m.role != member_role::host && m.status != member_status::approved)
      continue;
    auto user_id = m.user_id;
    if (st.cfg.presence_grace.count() > 0) {
      m.in_grace = true;
      self->delayed_send(self, st.cfg.presence_grace, presence_atom::value,
                         user_id, ++m.absences);
      continue;
    }
    // No grace: a drop is a departure at once, once the member's commits
    // are done.
    st.log.when_free(about(user_id), [=] {
      auto mm = find(self, user_id);
      if (!mm || mm->place.connected() || !counts(self, *mm))
        return; // back already, or gone another way
      depart(self, *mm, now);
    });
  }
}

void on_grace_over(self_ptr self, const std::string& user_id,
                   std::uint64_t absence) {
  auto m = find(self, user_id);
  // Back meanwhile (or kicked): this absence is over. A later drop has a
  // timer of its own.
  if (!m || !m->in_grace || m->absences != absence)
    return;
  m->in_grace = false;
  if (m->place.connected() || !counts(self, *m))
    return; // the room ended meanwhile: nobody is told of a departure
  depart(self, *m, m->place.away_since);
}

} // namespace proctord::interview

namespace proctord {

using namespace room_support;
using protocol::member_role;
using protocol::member_status;
using protocol::room_status;
namespace evt = protocol::evt;

room_actor::behavior_type room(self_ptr self, room_config cfg,
                               storage store, std::string room_id,
                               caller creator, protocol::cmd::create_room spec) {
  interview::init(self, std::move(cfg), std::move(store), std::move(room_id));
  auto& st = self->state;
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
  h.role = member_role::host;
  h.status = member_status::approved;
  h.was_approved = true;
  h.joined_at = st.created_at;
  // The room exists only in this actor until its row is committed; the host
  // takes the seat then.
  st.members.emplace(h.user_id, h);
  spdlog::info("room {} is created by {}", st.room_id(), h.user_id);
  step s;
  s.ws.rooms.push_back(room_row(self));
  stage(self, s, to_user, h.user_id,
        evt::room_created{st.room_id(), st.roomname, resume_token(self, h)});
  commit_hooks hooks;
  hooks.apply = [=] {
    // Seated before ROOM_CREATED goes out: a client that answers it at once
    // finds its connection in the room.
    if (auto m = host(self)) {
      bind_seat(self, m->place, creator, "CREATE_ROOM");
      send_seat(self, m->place, seat_state::seated, member_role::host,
                m->username);
    }
  };
  hooks.failed = [=](const caf::error&) {
    if (creator.conn)
      self->send(creator.conn,
                 seat_message(self, creator.channel, seat_state::refused,
                              member_role::host, {}));
    self->quit();
  };
  commit(self, std::move(s), &creator, "CREATE_ROOM", std::move(hooks));
  return interview::behavior(self);
}

room_actor::behavior_type restored_room(self_ptr self, room_config cfg,
                                        storage store,
                                        persistence::room_snapshot snap) {
  auto& r = snap.room;
  interview::init(self, std::move(cfg), std::move(store), r.room_id);
  auto& st = self->state;
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
  st.log.last_seq = snap.last_seq;
  auto now = now_ms();
  // Everyone starts away; no violation is recorded for our own restart.
  member h;
  h.user_id = r.host_id;
  h.username = r.host_name;
  h.role = member_role::host;
  h.status = member_status::approved;
  h.was_approved = true;
  h.joined_at = r.created_at;
  h.place.away_since = now;
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
    m.place.away_since = now;
    st.members.emplace(m.user_id, std::move(m));
  }
  for (auto& p : snap.pending)
    if (auto m = find(self, p.user_id))
      m->requested_at = p.requested_at;
  for (auto& k : snap.keys)
    if (auto m = find(self, k.user_id)) {
      if (k.kind == "SUBMISSION")
        m->keys_made().submissions.emplace(k.key, k.at);
      else
        m->keys_made().violations.insert(k.key);
    }
  spdlog::info("room {} is restored ({}, {} members, seq {})", st.room_id(),
               r.status, snap.members.size(), st.log.last_seq);
  if (st.status == room_status::live) {
    if (st.ends_at <= now)
      interview::end_room(self, evt::end_reason::time_up);
    else
      interview::arm_deadline(self);
  }
  return interview::behavior(self);
}

} // namespace proctord
