// Connection state recovery of a session's socket: the CONNECT answered
// with the old sid and pid, every logged event after the client's offset
// that was addressed to its user, in order, then its place back (committed)
// and user-joined to the others.
//
// The missed events come from the log in memory when it still holds them,
// else from the store. Events committed while that read is in flight are
// not sent to the restoring socket live (it is not seated yet): once the
// read is in, the socket catches up from memory, skipping what it had.

#include "actors/session/session_support.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace proctord::session_detail {

namespace {

using persistence::live_audience;
using phase = session_socket::phase;

constexpr auto store_timeout = std::chrono::seconds{10};

/// The restoring socket at `key`, or nullptr when it is gone.
session_socket* restoring(session_self self, std::uint64_t key) {
  auto& st = self->state;
  if (st.at == session_state::lifecycle::closed)
    return nullptr;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end() || i->second.at != phase::restoring)
    return nullptr;
  return &i->second;
}

void answer(session_self self, session_socket& s) {
  if (s.answered)
    return;
  s.answered = true;
  send_to(self, {s.s.from.at}, sio::out::connected{s.s.sid, s.s.pid});
  self->send(s.s.conn, sio_seated{s.s.from.at.channel, true});
}

/// Its pid cannot come back: the socket connects afresh, its away
/// participant is gone for good.
void refuse(session_self self, session_restore r) {
  auto& st = self->state;
  st.sockets.erase(live_key(r.s.from.at));
  st.pids.erase(r.s.pid);
  persistence::write_set ws;
  ws.live_pids.push_back(removed_pid(r.s.pid));
  commit(self, std::move(ws), "a forgotten pid", [] {});
  tell_pid(self, session_pid_update::op::forget, r.s.pid, r.s.who.user_id, r.s.sid);
  auto m = st.members.find(r.s.who.user_id);
  if (m != st.members.end() && m->second.socket == 0 && m->second.pid == r.s.pid)
    remove_for_good(self, {r.s.who.user_id});
  self->send(st.directory, bounce_atom::value, std::move(r));
}

/// The user's place back: committed, then user-joined to the others.
void readd(session_self self, std::uint64_t key) {
  auto& st = self->state;
  auto s = st.sockets.at(key).s;
  auto ts = now(self);
  ps::participant p{s.who.user_id, s.who.name, s.who.role, true, std::nullopt, ts};
  if (auto m = st.members.find(s.who.user_id); m != st.members.end()) {
    p.joined_at = m->second.info.joined_at;
    p.is_active = m->second.info.is_active;
  }
  persistence::write_set ws;
  ws.collab_participants.push_back(participant_row(self, p, false));
  ws.live_pids.push_back(pid_record(self, s.pid, s, 0));
  auto replaced = others_of(self, s.who.user_id, key);
  stage_replaced(self, ws, replaced, s.pid);
  staged evs;
  stage(self, ws, evs, live_audience::all_but, s.who.user_id,
        ps::evt::user_joined{p, participants_after(self, &p, s.who.user_id)});
  commit(
    self, std::move(ws), "a recovery",
    [=] {
      auto& st = self->state;
      replace(self, replaced, s.pid);
      auto i = st.sockets.find(key);
      if (i == st.sockets.end())
        return;
      i->second.at = phase::seated;
      st.members[s.who.user_id] = session_member{p, key, s.pid, false};
      st.pids[s.pid] = s.who.user_id;
      spdlog::debug("session {} restores {}", st.row.session_id, s.who.user_id);
      publish(self, evs);
      tell_pid(self, session_pid_update::op::seated, s.pid, s.who.user_id, s.sid);
      check_idle(self);
    },
    [=] {
      // Not back after all: it may try again while its window lasts.
      auto& st = self->state;
      auto i = st.sockets.find(key);
      if (i == st.sockets.end())
        return;
      error_to(self, i->second, ps::error_code::store_unavailable,
               "the recovery could not be stored; try again");
      send_to(self, {s.from.at}, sio::out::disconnect{});
      self->send(s.conn, sio_seated{s.from.at.channel, false});
      self->send(st.directory, session_released{s.from, st.row.session_id,
                                                session_released::kind::disconnected});
      st.sockets.erase(i);
      tell_pid(self, session_pid_update::op::dropped, s.pid, s.who.user_id, s.sid,
               now(self));
    });
}

/// Sends the restoring socket what it missed, from memory or from the
/// store, until it has everything committed; then gives its place back.
void catch_up(session_self self, std::uint64_t key) {
  auto* s = restoring(self, key);
  if (s == nullptr)
    return;
  auto& log = *self->state.log;
  if (auto held = log.since(s->last_seq)) {
    spdlog::debug("session {} replays {} held events to {}", self->state.row.session_id,
                  held->size(), s->s.who.user_id);
    answer(self, *s);
    for (auto& e : *held)
      deliver(self, *s, e);
    return readd(self, key);
  }
  auto upto = log.committed_seq();
  auto q = log.query(s->last_seq);
  q.limit = static_cast<std::uint32_t>(
    std::min<std::size_t>(self->state.cfg.recovery.max_replay, UINT32_MAX));
  self->request(self->state.store, store_timeout, std::move(q))
    .then(
      [=](std::vector<persistence::live_event_record>& events) {
        auto* s = restoring(self, key);
        if (s == nullptr)
          return;
        spdlog::debug("session {} replays {} stored events to {}",
                      self->state.row.session_id, events.size(), s->s.who.user_id);
        answer(self, *s);
        for (auto& e : events)
          deliver(self, *s, e);
        // Everything up to `upto` was in the store when it was read.
        s->last_seq = std::max(s->last_seq, upto);
        catch_up(self, key);
      },
      [=](caf::error& err) {
        auto* s = restoring(self, key);
        if (s == nullptr)
          return;
        spdlog::warn("session {} cannot read its log: {}",
                     self->state.row.session_id, caf::to_string(err));
        if (!s->answered)
          return refuse(self, session_restore{s->s, s->last_seq, s->fresh_sid});
        // Connected already: disconnected, to try again.
        auto sock = s->s;
        drop_restoring(self, key);
        send_to(self, {sock.from.at}, sio::out::disconnect{});
        self->send(sock.conn, sio_seated{sock.from.at.channel, false});
        self->send(self->state.directory,
                   session_released{sock.from, self->state.row.session_id,
                                    session_released::kind::disconnected});
      });
}

} // namespace

void restore(session_self self, session_restore& r) {
  auto& st = self->state;
  auto committed = st.log->committed_seq();
  if (r.offset > committed
      || static_cast<std::uint64_t>(committed - r.offset) > st.cfg.recovery.max_replay) {
    // An offset this log never sent, or too far back: afresh.
    spdlog::debug("session {} cannot restore {} from offset {}", st.row.session_id,
                  r.s.who.user_id, r.offset);
    return refuse(self, std::move(r));
  }
  auto key = live_key(r.s.from.at);
  st.sockets[key] = session_socket{r.s, phase::restoring, r.offset, false, r.fresh_sid};
  catch_up(self, key);
}

void drop_restoring(session_self self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  auto s = i->second.s;
  st.sockets.erase(i);
  auto ts = now(self);
  persistence::write_set ws;
  ws.live_pids.push_back(pid_record(self, s.pid, s, ts));
  commit(self, std::move(ws), "a drop", [] {});
  tell_pid(self, session_pid_update::op::dropped, s.pid, s.who.user_id, s.sid, ts);
}

} // namespace proctord::session_detail
