#include "actors/interview/room.hpp"

#include "actors/interview/room_steps.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace proctord::interview {

using namespace room_support;
using protocol::member_role;
using protocol::member_status;
using protocol::room_status;

namespace {

constexpr std::string_view join_rt = "JOIN_ROOM";

/// Tells `c` that its join did not happen (the error went out before).
void tell_refused(self_ptr self, const caller& c) {
  if (c.conn)
    self->send(c.conn, seat_message(self, c.channel, seat_state::refused,
                                    member_role::participant, {}));
}

/// The fields of a member that a step changes and the disk holds.
void apply_fields(member& to, const member& from) {
  to.user_id = from.user_id;
  to.username = from.username;
  to.role = from.role;
  to.status = from.status;
  to.was_approved = from.was_approved;
  to.joined_at = from.joined_at;
  to.left_at = from.left_at;
  to.requested_at = from.requested_at;
}

/// A member as a step would leave it (the live one, or a new participant).
member next_of(self_ptr self, const caller& c) {
  member next;
  if (auto m = find(self, c.user_id))
    apply_fields(next, *m);
  else
    next.user_id = c.user_id;
  if (!c.username.empty())
    next.username = c.username;
  return next;
}

/// After the commit: `next` is the member, seated on the caller's connection.
/// The connection learns its seat before the events go out: a client that
/// answers its JOIN_APPROVED at once finds its connection seated.
commit_hooks seat_caller(self_ptr self, const caller& c, const member& next,
                         seat_state state) {
  commit_hooks h;
  h.apply = [=] {
    auto& m = self->state.members[next.user_id];
    apply_fields(m, next);
    m.in_grace = false; // back: the grace timer finds it seated
    bind_seat(self, m.place, c, join_rt);
    send_seat(self, m.place, state, m.role, m.username);
  };
  h.failed = [=](const caf::error&) { tell_refused(self, c); };
  return h;
}

void rejoin_host(self_ptr self, const caller& c, member& h) {
  // Away within the presence grace, the room never saw it go.
  bool was_away = !present(h);
  auto next = next_of(self, c);
  step s;
  s.subjects.push_back(about(c.user_id));
  stage(self, s, to_user, h.user_id, approved_event(self, next));
  if (was_away)
    stage(self, s, to_members, {},
          evt::user_joined{h.user_id, next.username,
                           connected_count(self) + self->state.arriving + 1});
  auto hooks = seat_caller(self, c, next, seat_state::seated);
  hooks.after = [=] {
    auto m = host(self);
    if (!m || !m->place.holds(c))
      return;
    // Requests that arrived while the host was away.
    for (auto& [id, p] : self->state.members)
      if (p.status == member_status::pending)
        send_to(m->place, self->state.room_id(), request_event(p));
  };
  commit(self, std::move(s), &c, join_rt, std::move(hooks));
}

/// Seats an approved participant: JOIN_APPROVED to it, USER_JOINED to all.
void admit(self_ptr self, const caller& c, bool new_request) {
  auto now = now_ms();
  auto m = find(self, c.user_id);
  auto next = next_of(self, c);
  next.role = member_role::participant;
  next.status = member_status::approved;
  next.was_approved = true;
  next.joined_at = now;
  next.left_at = 0;
  step s;
  s.subjects.push_back(about(c.user_id));
  s.ws.members.push_back(member_row(self, next));
  if (new_request) {
    next.requested_at = now;
    s.ws.join_attempts.push_back(attempt_row(self, next, "APPROVED", now));
  }
  stage(self, s, to_user, next.user_id, approved_event(self, next));
  std::int32_t arrives = m && present(*m) ? 0 : 1;
  self->state.arriving += arrives;
  stage(self, s, to_members, {},
        evt::user_joined{next.user_id, next.username,
                         connected_count(self) + self->state.arriving});
  auto hooks = seat_caller(self, c, next, seat_state::seated);
  auto apply = hooks.apply;
  auto failed = hooks.failed;
  ++self->state.admitting;
  hooks.apply = [=] {
    --self->state.admitting;
    self->state.arriving -= arrives;
    apply();
  };
  hooks.failed = [=](const caf::error& err) {
    --self->state.admitting;
    self->state.arriving -= arrives;
    failed(err);
  };
  commit(self, std::move(s), &c, join_rt, std::move(hooks));
}

/// A new request to join a private room: WAITING_APPROVAL to the user,
/// JOIN_REQUEST to the host.
void request_to_join(self_ptr self, const caller& c) {
  auto now = now_ms();
  auto next = next_of(self, c);
  next.role = member_role::participant;
  next.status = member_status::pending;
  next.requested_at = now;
  step s;
  s.subjects.push_back(about(c.user_id));
  s.ws.members.push_back(member_row(self, next));
  s.ws.join_attempts.push_back(attempt_row(self, next, "PENDING", 0));
  stage(self, s, to_user, next.user_id,
        evt::waiting_approval{self->state.room_id(), resume_token(self, next)});
  stage(self, s, to_host, {},
        evt::join_request{next.user_id, next.username, c.socket_id, now});
  commit(self, std::move(s), &c, join_rt,
         seat_caller(self, c, next, seat_state::pending));
}

} // namespace

void on_join(self_ptr self, const caller& c) {
  auto& st = self->state;
  if (st.status == room_status::ended) {
    refuse(self, c, error_code::room_ended, "the room has ended", join_rt);
    return;
  }
  if (auto m = find(self, c.user_id)) {
    if (m->role == member_role::host) {
      rejoin_host(self, c, *m);
      return;
    }
    if (m->status == member_status::kicked) {
      refuse(self, c, error_code::kicked,
             "you were removed from this room and cannot rejoin", join_rt);
      return;
    }
    if (m->status == member_status::pending) {
      step s;
      s.subjects.push_back(about(c.user_id));
      stage(self, s, to_user, m->user_id,
            evt::waiting_approval{st.room_id(), resume_token(self, *m)});
      commit(self, std::move(s), &c, join_rt,
             seat_caller(self, c, next_of(self, c), seat_state::pending));
      return;
    }
    if (m->was_approved && m->status != member_status::rejected) {
      if (m->status != member_status::approved && full(self)) {
        refuse(self, c, error_code::room_full, "the room is full", join_rt);
        return;
      }
      admit(self, c, false);
      return;
    }
  }
  // A new request (or a new one after a rejection or leaving unadmitted).
  if (full(self)) {
    refuse(self, c, error_code::room_full, "the room is full", join_rt);
    return;
  }
  if (st.is_public)
    admit(self, c, true);
  else
    request_to_join(self, c);
}

void on_approve(self_ptr self, const caller& c, const cmd::approve_join& a) {
  constexpr std::string_view rt = "APPROVE_JOIN";
  if (!require_host(self, c, rt, "approve join requests"))
    return;
  auto m = find(self, a.user_id);
  if (!m || m->status != member_status::pending) {
    error_to(self, c, error_code::user_not_found,
             "no pending join request from that user", rt);
    return;
  }
  auto now = now_ms();
  member next;
  apply_fields(next, *m);
  step s;
  s.subjects.push_back(about(a.user_id));
  commit_hooks hooks;
  if (a.approve) {
    if (full(self)) {
      error_to(self, c, error_code::room_full,
               "the room is full; the request stays pending", rt);
      return;
    }
    next.status = member_status::approved;
    next.was_approved = true;
    next.joined_at = now;
    s.ws.members.push_back(member_row(self, next));
    s.ws.join_attempts.push_back(attempt_row(self, next, "APPROVED", now));
    stage(self, s, to_user, next.user_id, approved_event(self, next));
    std::int32_t arrives = m->place.connected() ? 1 : 0;
    self->state.arriving += arrives;
    stage(self, s, to_members, {},
          evt::user_joined{next.user_id, next.username,
                           connected_count(self) + self->state.arriving});
    ++self->state.admitting;
    hooks.apply = [=] {
      --self->state.admitting;
      self->state.arriving -= arrives;
      if (auto mm = find(self, next.user_id)) {
        apply_fields(*mm, next);
        // Before JOIN_APPROVED goes out (see seat_caller).
        send_seat(self, mm->place, seat_state::seated, mm->role, mm->username);
      }
    };
    hooks.failed = [=](const caf::error&) {
      --self->state.admitting;
      self->state.arriving -= arrives;
    };
  } else {
    next.status = member_status::rejected;
    s.ws.members.push_back(member_row(self, next));
    s.ws.join_attempts.push_back(attempt_row(self, next, "REJECTED", now));
    stage(self, s, to_user, next.user_id,
          evt::join_rejected{self->state.room_id()});
    hooks.apply = [=] {
      if (auto mm = find(self, next.user_id))
        apply_fields(*mm, next);
    };
    hooks.after = [=] {
      auto mm = find(self, next.user_id);
      if (!mm)
        return;
      // Not in the room any more: nothing else goes to it.
      send_seat(self, mm->place, seat_state::released, mm->role, mm->username);
      unbind(mm->place);
    };
  }
  commit(self, std::move(s), &c, rt, std::move(hooks));
}

void on_start(self_ptr self, const caller& c) {
  constexpr std::string_view rt = "START_ROOM";
  if (!require_host(self, c, rt, "start the room"))
    return;
  auto& st = self->state;
  if (st.status != room_status::waiting) {
    error_to(self, c, error_code::invalid_state,
             "the room has already started", rt);
    return;
  }
  auto started = now_ms();
  auto ends = started + protocol::millis{st.duration} * 60'000;
  step s;
  s.subjects.push_back(about_room);
  auto row = room_row(self);
  row.status = std::string{protocol::to_string(room_status::live)};
  row.started_at = started;
  row.ends_at = ends;
  s.ws.rooms.push_back(std::move(row));
  stage(self, s, to_members, {},
        evt::room_started{st.room_id(), started, ends, st.duration, started});
  commit_hooks hooks;
  hooks.apply = [=] {
    auto& st = self->state;
    st.status = room_status::live;
    st.started_at = started;
    st.ends_at = ends;
    arm_deadline(self);
    spdlog::info("room {} starts, ends at {}", st.room_id(), ends);
  };
  commit(self, std::move(s), &c, rt, std::move(hooks));
}

void on_leave(self_ptr self, const caller& c) {
  constexpr std::string_view rt = "LEAVE_ROOM";
  if (reject_if_ended(self, c, rt))
    return;
  auto m = seat_of(self, c);
  if (!m) {
    error_to(self, c, error_code::not_in_room, "you are not in this room", rt);
    return;
  }
  bool was_member = m->role == member_role::host
                    || m->status == member_status::approved;
  member next;
  apply_fields(next, *m);
  step s;
  s.subjects.push_back(about(c.user_id));
  if (m->role == member_role::participant) {
    next.status = member_status::left;
    next.left_at = now_ms();
    s.ws.members.push_back(member_row(self, next));
  }
  evt::user_left e{m->user_id, m->username, evt::leave_reason::left,
                   connected_count(self) - (present(*m) ? 1 : 0)};
  stage(self, s, was_member ? to_members : to_host, {}, e);
  auto seq = s.out.back().seq;
  commit_hooks hooks;
  hooks.apply = [=] {
    if (auto mm = find(self, next.user_id); mm && mm->place.holds(c)) {
      apply_fields(*mm, next);
      unbind(mm->place);
    }
  };
  hooks.after = [=] {
    // The leaver is no longer in the audience; it gets its copy here.
    caf::anon_send(c.relay, envelope{self->state.room_id(), seq,
                                     {recipient{c.conn_id, c.channel}}, e});
    if (c.conn)
      self->send(c.conn, seat_message(self, c.channel, seat_state::released,
                                      next.role, next.username));
  };
  commit(self, std::move(s), &c, rt, std::move(hooks));
}

void end_room(self_ptr self, evt::end_reason reason) {
  auto& st = self->state;
  if (st.status == room_status::ended)
    return;
  auto ended = now_ms();
  step s;
  s.subjects.push_back(about_room);
  auto row = room_row(self);
  row.status = std::string{protocol::to_string(room_status::ended)};
  row.ended_at = ended;
  s.ws.rooms.push_back(std::move(row));
  stage(self, s, to_everyone, {}, evt::room_ended{st.room_id(), reason, ended});
  auto entries = s.out;
  commit_hooks hooks;
  hooks.apply = [=] {
    auto& st = self->state;
    st.status = room_status::ended;
    st.ended_at = ended;
    ++st.deadline_generation;
    spdlog::info("room {} ends ({})", st.room_id(),
                 reason == evt::end_reason::host ? "host" : "time up");
  };
  hooks.after = [=] {
    for (auto& [id, m] : self->state.members)
      send_seat(self, m.place, seat_state::ended, m.role, m.username);
    self->delayed_send(self, self->state.cfg.linger, linger_atom::value);
  };
  // The room is over whatever the disk says: tell everyone either way, and
  // keep trying to store it, or a restart would bring the room back.
  hooks.failed = [=, apply = hooks.apply, after = hooks.after](
                   const caf::error&) {
    apply();
    for (auto& e : entries)
      publish(self, e);
    after();
    self->state.end_unsaved = true;
    self->delayed_send(self, std::chrono::seconds{1}, persist_atom::value);
  };
  commit(self, std::move(s), nullptr, "END_ROOM", std::move(hooks));
}

void persist_end(self_ptr self) {
  step s;
  s.subjects.push_back(about_room);
  s.ws.rooms.push_back(room_row(self));
  commit_hooks hooks;
  hooks.apply = [=] {
    self->state.end_unsaved = false;
    spdlog::info("room {} stores its end at last", self->state.room_id());
  };
  hooks.failed = [=](const caf::error&) {
    self->delayed_send(self, std::chrono::seconds{1}, persist_atom::value);
  };
  commit(self, std::move(s), nullptr, "END_ROOM", std::move(hooks));
}

void arm_deadline(self_ptr self) {
  auto& st = self->state;
  auto gen = ++st.deadline_generation;
  auto left = std::max<protocol::millis>(0, st.ends_at - now_ms());
  self->delayed_send(self, std::chrono::milliseconds{left},
                     deadline_atom::value, gen);
}

} // namespace proctord::interview
