#include "actors/room_detail.hpp"

#include "protocol/native_codec.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace proctord::room_detail {

using protocol::member_role;
using protocol::member_status;
using protocol::room_status;
namespace evt = protocol::evt;

protocol::millis now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// -- sending right away -------------------------------------------------------

void send_frame(self_ptr self, const connection_actor& to,
                const protocol::frame& f) {
  if (to)
    self->send(to, f);
}

void send_member(self_ptr self, const member& m, const protocol::frame& f) {
  if (auto out = m.out.lock())
    out->send(f);
  else if (m.conn) // a connection without a socket of its own (tests)
    self->send(m.conn, f);
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

// -- durable events -----------------------------------------------------------

namespace {

std::string_view audience_name(audience a) {
  switch (a) {
    case audience::members:
      return "MEMBERS";
    case audience::host:
      return "HOST";
    case audience::user:
      return "USER";
    case audience::everyone:
      return "EVERYONE";
  }
  return "MEMBERS";
}

bool receives(const member& m, const outgoing& o) {
  switch (o.to) {
    case audience::members:
      return in_audience(m);
    case audience::host:
      return m.role == member_role::host;
    case audience::user:
      return m.user_id == o.user_id;
    case audience::everyone:
      return true;
  }
  return false;
}

} // namespace

void stage(self_ptr self, staged& step, audience to, const std::string& user_id,
           const protocol::event& e) {
  auto& st = self->state;
  auto seq = ++st.last_seq;
  auto f = protocol::native::encode_shared(e, static_cast<std::uint64_t>(seq));
  persistence::event_record rec;
  rec.room_id = st.room_id;
  rec.seq = seq;
  rec.audience = std::string{audience_name(to)};
  if (to == audience::user)
    rec.user_id = user_id;
  rec.payload = *f;
  rec.created_at = now_ms();
  step.ws.events.push_back(std::move(rec));
  step.out.push_back(outgoing{to, to == audience::user ? user_id : "", seq, f});
}

void deliver(self_ptr self, const outgoing& o) {
  for (auto& [id, m] : self->state.members) {
    if (!m.conn || !receives(m, o))
      continue;
    if (m.replaying)
      m.replay_buffer.emplace_back(o.seq, o.frame);
    else
      send_member(self, m, o.frame);
  }
}

void publish_live(self_ptr self, audience to, const protocol::event& e) {
  deliver(self, outgoing{to, {}, 0, protocol::native::encode_shared(e)});
}

void commit(self_ptr self, staged step, connection_actor who,
            std::string_view request_type, std::function<void()> done,
            std::function<void()> failed) {
  auto out = std::move(step.out);
  self->request(self->state.store, caf::infinite, std::move(step.ws))
    .then(
      [=](committed_atom) {
        for (auto& o : out)
          deliver(self, o);
        if (done)
          done();
      },
      [=, rt = std::string{request_type}](caf::error& err) {
        spdlog::error("room {} cannot persist {}: {}", self->state.room_id, rt,
                      self->system().render(err));
        send_error(self, who, error_code::store_unavailable,
                   "the change could not be saved; please retry", rt);
        if (failed)
          failed();
      });
}

bool addressed_to(const member& m, std::string_view audience_name,
                  const std::string& user_id) {
  if (audience_name == "EVERYONE")
    return true;
  if (audience_name == "HOST")
    return m.role == member_role::host;
  if (audience_name == "USER")
    return user_id == m.user_id;
  // MEMBERS: a member that resumes was in the room when it saw lastSeq.
  return m.role == member_role::host || m.was_approved;
}

// -- reading the state --------------------------------------------------------

member* host(self_ptr self) {
  auto i = self->state.members.find(self->state.host_id);
  return i == self->state.members.end() ? nullptr : &i->second;
}

bool in_audience(const member& m) {
  return m.conn
         && (m.role == member_role::host || m.status == member_status::approved);
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

// -- rows and views -----------------------------------------------------------

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

std::string resume_token(self_ptr self, const member& m) {
  return protocol::mint_resume_token(self->state.room_id, m.user_id,
                                     self->state.cfg.tokens);
}

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
  e.resume_token = resume_token(self, m);
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

} // namespace proctord::room_detail
