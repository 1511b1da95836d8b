// The interview room's proctoring: violations, live code, submissions,
// kicks and announcements.

#include "actors/interview/room_steps.hpp"

#include "protocol/close_codes.hpp"
#include "protocol/event_log.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace proctord::interview {

using namespace room_support;
using protocol::member_role;
using protocol::member_status;
using protocol::room_status;

void record_violation(self_ptr self, step s, const std::string& user_id,
                      protocol::violation_type type, const caller* who,
                      std::string_view request_type, std::string key,
                      protocol::millis at) {
  auto m = find(self, user_id);
  if (!m)
    return;
  auto now = at != 0 ? at : now_ms();
  auto count = m->violations + 1;
  s.subjects.push_back(about(user_id));
  s.ws.violations.push_back(persistence::violation_record{
    self->state.room_id(), user_id, std::string{protocol::to_string(type)}, now,
    count, key});
  // The violation row carries the count; the store writes it into the
  // member's row too (persistence/README.md), so no member row is staged.
  stage(self, s, to_host, {},
        evt::violation_detected{user_id, m->username, type, count, now}, now);
  commit_hooks hooks;
  hooks.apply = [=] {
    if (auto mm = find(self, user_id)) {
      mm->violations = count;
      if (!key.empty())
        mm->keys_made().violations.insert(key);
    }
  };
  commit(self, std::move(s), who, request_type, std::move(hooks));
}

void on_signal(self_ptr self, const caller& c, const cmd::proctor_signal& s) {
  auto rt = protocol::type_name(protocol::command{s});
  auto m = require_participant(self, c, rt);
  if (!m)
    return;
  if (!s.idempotency_key.empty() && m->has_violation_key(s.idempotency_key))
    return; // a resend of a violation already on record
  switch (s.what) {
    case cmd::signal::fullscreen_exit:
      record_violation(self, {}, m->user_id,
                       protocol::violation_type::fullscreen_exit, &c, rt,
                       s.idempotency_key);
      break;
    case cmd::signal::tab_blur:
      record_violation(self, {}, m->user_id,
                       protocol::violation_type::tab_switch, &c, rt,
                       s.idempotency_key);
      break;
    case cmd::signal::fullscreen_enter:
    case cmd::signal::tab_focus: {
      step st;
      stage(self, st, to_host, {},
            evt::proctoring_update{m->user_id, m->username, s.what, now_ms(),
                                   false, 0});
      commit(self, std::move(st), &c, rt, {});
      break;
    }
  }
}

namespace {

void send_code_update(self_ptr self, member& m) {
  m.code_dirty = false;
  if (auto h = host(self))
    send_to(h->place, self->state.room_id(),
            evt::code_update{m.user_id, m.username, m.code, m.language,
                             now_ms()});
  m.code_window_open = true;
  self->delayed_send(self, self->state.cfg.code_change_interval,
                     code_atom::value, m.user_id);
}

} // namespace

void on_code(self_ptr self, const caller& c, cmd::code_change& cc) {
  auto m = require_participant(self, c, "CODE_CHANGE");
  if (!m)
    return;
  m->code = std::move(cc.code);
  m->language = std::move(cc.language);
  if (m->code_window_open)
    m->code_dirty = true;
  else
    send_code_update(self, *m);
}

void on_code_window(self_ptr self, const std::string& user_id) {
  auto m = find(self, user_id);
  if (!m)
    return;
  m->code_window_open = false;
  if (m->code_dirty && m->status == member_status::approved
      && self->state.status != room_status::ended)
    send_code_update(self, *m);
}

void on_submit(self_ptr self, const caller& c, cmd::submit_code& s) {
  constexpr std::string_view rt = "SUBMIT_CODE";
  auto m = require_participant(self, c, rt);
  if (!m)
    return;
  auto key = s.idempotency_key;
  if (!key.empty()) {
    if (auto at = m->submission_key(key)) {
      // A resend of a submission on record (its commit is done: commands
      // about a member wait for that member's commits).
      send_to(m->place, self->state.room_id(),
              evt::submission_received{self->state.room_id(), *at});
      return;
    }
  }
  auto now = now_ms();
  auto user_id = m->user_id;
  step st;
  st.subjects.push_back(about(user_id));
  st.ws.submissions.push_back(persistence::submission_record{
    self->state.room_id(), user_id, s.code, s.language, now, key});
  auto row = member_row(self, *m);
  row.has_submitted = true;
  st.ws.members.push_back(std::move(row));
  stage(self, st, to_user, user_id,
        evt::submission_received{self->state.room_id(), now});
  stage(self, st, to_host, {},
        evt::user_submitted{user_id, m->username, now, std::move(s.code),
                            std::move(s.language)});
  // The code is stored once, in its submissions row: the logged event
  // refers to it, and a replay fills it back in.
  auto& logged = st.ws.events.back();
  logged.payload = protocol::event_log::encode(
    evt::user_submitted{user_id, m->username, now, {}, {}});
  logged.submission_index = 0;
  commit_hooks hooks;
  hooks.apply = [=] {
    if (auto mm = find(self, user_id)) {
      mm->has_submitted = true;
      if (!key.empty())
        mm->keys_made().submissions.emplace(key, now);
    }
  };
  commit(self, std::move(st), &c, rt, std::move(hooks));
}

void on_kick(self_ptr self, const caller& c, const cmd::kick_user& k) {
  constexpr std::string_view rt = "KICK_USER";
  if (!require_host(self, c, rt, "kick participants"))
    return;
  auto m = find(self, k.user_id);
  if (!m || m->role == member_role::host
      || m->status == member_status::kicked) {
    error_to(self, c, error_code::user_not_found,
             k.user_id == self->state.host_id
               ? "the host cannot kick itself"
               : "no such participant in this room",
             rt);
    return;
  }
  auto now = now_ms();
  auto user_id = m->user_id;
  step s;
  s.subjects.push_back(about(user_id));
  auto row = member_row(self, *m);
  row.status = std::string{protocol::to_string(member_status::kicked)};
  row.left_at = now;
  s.ws.members.push_back(std::move(row));
  s.ws.kicks.push_back(
    persistence::kick_record{self->state.room_id(), user_id, k.reason, now});
  stage(self, s, to_user, user_id, evt::kicked{self->state.room_id(), k.reason});
  stage(self, s, to_members, {},
        evt::user_kicked{user_id, m->username, k.reason});
  commit_hooks hooks;
  hooks.apply = [=] {
    if (auto mm = find(self, user_id)) {
      mm->status = member_status::kicked;
      mm->left_at = now;
      mm->in_grace = false; // gone for good: its grace timer does nothing
    }
  };
  hooks.after = [=] {
    auto mm = find(self, user_id);
    if (!mm)
      return;
    // After KICKED, on the same path: the client reads it, then the close.
    close_seat(mm->place, protocol::close_kicked, "kicked");
    send_seat(self, mm->place, seat_state::kicked, member_role::participant,
              mm->username);
    unbind(mm->place);
  };
  commit(self, std::move(s), &c, rt, std::move(hooks));
}

void on_announce(self_ptr self, const caller& c, cmd::announce& a) {
  auto h = require_host(self, c, "ANNOUNCE", "make announcements");
  if (!h)
    return;
  // Live only, like CODE_UPDATE: no seq, nothing stored, no replay.
  publish_live(self, to_members,
               evt::announcement{self->state.room_id(), std::move(a.message),
                                 h->username, now_ms()});
}

} // namespace proctord::interview
