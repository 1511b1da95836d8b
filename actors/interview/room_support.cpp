#include "actors/interview/room_support.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

namespace proctord::room_support {

using protocol::member_role;
using protocol::member_status;
using protocol::room_status;
namespace evt = protocol::evt;

protocol::millis now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// -- audiences ----------------------------------------------------------------

bool receives(const member& m, std::string_view audience,
              const std::string& user_id) {
  if (!m.place.connected())
    return false;
  if (audience == to_members)
    return in_audience(m);
  if (audience == to_host)
    return m.role == member_role::host;
  if (audience == to_user)
    return m.user_id == user_id;
  return audience == to_everyone;
}

// -- steps and delivery -------------------------------------------------------

void stage(self_ptr self, step& s, std::string_view audience,
           const std::string& user_id, protocol::event e,
           protocol::millis at) {
  self->state.log.stage(s, std::string{audience},
                        audience == to_user ? user_id : std::string{},
                        std::move(e), at != 0 ? at : now_ms());
}

void commit(self_ptr self, step s, const caller* who,
            std::string_view request_type, commit_hooks hooks) {
  auto failed = std::move(hooks.failed);
  std::optional<caller> to;
  if (who)
    to = *who;
  hooks.failed = [=, rt = std::string{request_type}](const caf::error& err) {
    spdlog::error("room {} cannot persist {}: {}", self->state.room_id(), rt,
                  self->system().render(err));
    if (to)
      error_to(self, *to, error_code::store_unavailable,
               "the change could not be saved; please retry", rt);
    if (failed)
      failed(err);
  };
  auto& st = self->state;
  st.log.commit(self, st.store.writer, std::move(s), std::move(hooks));
}

namespace {

/// Adds to `out` whoever of `audience` is connected now. The host's and one
/// user's events (every violation, every submission's ack) look their
/// member up instead of walking the room.
void add_audience(self_ptr self, fanout& out, std::string_view audience,
                  const std::string& user_id) {
  if (audience == to_host || audience == to_user) {
    member* one = audience == to_host ? host(self) : find(self, user_id);
    if (one && receives(*one, audience, user_id))
      out.add(one->place);
    return;
  }
  for (auto& [id, m] : self->state.members)
    if (receives(m, audience, user_id))
      out.add(m.place);
}

} // namespace

void publish(self_ptr self, const journal_entry& e) {
  fanout out{self->state.room_id(), e.seq, e.event};
  add_audience(self, out, e.audience, e.user_id);
  out.send();
}

void publish_live(self_ptr self, std::string_view audience,
                  const protocol::event& e) {
  fanout out{self->state.room_id(), 0, e};
  add_audience(self, out, audience, {});
  out.send();
}

void error_to(self_ptr self, const caller& c, error_code code,
              std::string message, std::string_view request_type) {
  protocol::evt::error e{code, std::move(message), std::string{request_type}};
  if (auto m = seat_of(self, c))
    send_to(m->place, self->state.room_id(), std::move(e));
  else
    reply_to(c, self->state.room_id(), std::move(e));
}

// -- reading the state --------------------------------------------------------

member* find(self_ptr self, const std::string& user_id) {
  auto i = self->state.members.find(user_id);
  return i == self->state.members.end() ? nullptr : &i->second;
}

member* host(self_ptr self) {
  auto i = self->state.members.find(self->state.host_id);
  return i == self->state.members.end() ? nullptr : &i->second;
}

bool in_audience(const member& m) {
  return m.place.connected()
         && (m.role == member_role::host || m.status == member_status::approved);
}

bool present(const member& m) {
  return (m.place.connected() || m.in_grace)
         && (m.role == member_role::host || m.status == member_status::approved);
}

std::int32_t connected_count(self_ptr self) {
  std::int32_t n = 0;
  for (auto& [id, m] : self->state.members)
    n += present(m) ? 1 : 0;
  return n;
}

std::int32_t approved_count(self_ptr self) {
  std::int32_t n = 0;
  for (auto& [id, m] : self->state.members)
    n += m.role == member_role::participant && m.status == member_status::approved;
  return n;
}

bool full(self_ptr self) {
  return approved_count(self) + self->state.admitting
         >= self->state.max_guests;
}

member* seat_of(self_ptr self, const caller& c) {
  auto m = find(self, c.user_id);
  return m && m->place.holds(c) ? m : nullptr;
}

bool reject_if_ended(self_ptr self, const caller& c, std::string_view rt) {
  if (self->state.status != room_status::ended)
    return false;
  error_to(self, c, error_code::room_ended, "the room has ended", rt);
  return true;
}

member* require_host(self_ptr self, const caller& c, std::string_view rt,
                     const char* what) {
  if (reject_if_ended(self, c, rt))
    return nullptr;
  auto m = seat_of(self, c);
  if (m && m->role == member_role::host)
    return m;
  error_to(self, c, m ? error_code::forbidden : error_code::not_in_room,
             m ? std::string{"only the host can "} + what
               : std::string{"you are not in this room"},
             rt);
  return nullptr;
}

member* require_participant(self_ptr self, const caller& c,
                            std::string_view rt) {
  if (reject_if_ended(self, c, rt))
    return nullptr;
  auto m = seat_of(self, c);
  if (m && m->role == member_role::participant
      && m->status == member_status::approved)
    return m;
  error_to(self, c, m ? error_code::forbidden : error_code::not_in_room,
             m ? "only approved participants can do this"
               : "you are not in this room",
             rt);
  return nullptr;
}

// -- rows and views -----------------------------------------------------------

persistence::room_record room_row(self_ptr self) {
  auto& st = self->state;
  persistence::room_record r;
  r.room_id = st.room_id();
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
  r.room_id = self->state.room_id();
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
  r.room_id = self->state.room_id();
  r.user_id = m.user_id;
  r.username = m.username;
  r.status = std::string{status};
  r.requested_at = m.requested_at;
  r.decided_at = decided_at;
  return r;
}

std::string resume_token(self_ptr self, const member& m) {
  return protocol::mint_resume_token(self->state.room_id(), m.user_id,
                                     self->state.cfg.tokens);
}

evt::join_approved approved_event(self_ptr self, const member& m) {
  auto& st = self->state;
  evt::join_approved e;
  e.room_id = st.room_id();
  e.roomname = st.roomname;
  e.question = st.question;
  e.duration = st.duration;
  if (auto h = host(self))
    e.host_name = h->username;
  e.role = m.role;
  e.status = st.status;
  e.started_at = st.started_at;
  e.ends_at = st.ends_at;
  e.resume_token = resume_token(self, m);
  return e;
}

evt::join_request request_event(const member& m) {
  return evt::join_request{m.user_id, m.username, m.place.socket_id,
                          m.requested_at};
}

evt::room_status_view status_view(self_ptr self, const member& asker) {
  auto& st = self->state;
  evt::room_status_view v;
  v.room_id = st.room_id();
  v.roomname = st.roomname;
  v.status = st.status;
  v.host_id = st.host_id;
  if (auto h = host(self)) {
    v.host_name = h->username;
    v.host_connected = h->place.connected() || h->in_grace;
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
    // Away within the presence grace is still connected, as the counts say.
    v.participants.push_back(evt::member_view{m.user_id, m.username, m.status,
                                              m.place.connected() || m.in_grace,
                                              m.violations, m.has_submitted});
  }
  return v;
}

} // namespace proctord::room_support
