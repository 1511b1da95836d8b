#include "actors/session/session_support.hpp"

#include <spdlog/spdlog.h>

namespace proctord {

namespace {

using namespace session_detail;
using persistence::live_audience;
using phase = session_socket::phase;
using lifecycle = session_state::lifecycle;

/// The seated socket `f`, or nullptr (then NOT_IN_SESSION is answered).
session_socket* seated(session_self self, const sio_from& f) {
  auto i = self->state.sockets.find(live_key(f.at));
  if (i == self->state.sockets.end() || i->second.at != phase::seated) {
    error_to(self, f, ps::error_code::not_in_session, "join a session first");
    return nullptr;
  }
  return &i->second;
}

void release(session_self self, const sio_from& f) {
  self->send(self->state.directory,
             session_released{f, self->state.row.session_id,
                              session_released::kind::to_lobby});
}

// -- join -----------------------------------------------------------------------

/// The same socket joins its session again: its session-joined again.
void rejoin(session_self self, session_socket& s) {
  persistence::write_set ws;
  staged evs;
  stage(self, ws, evs, live_audience::only, s.s.who.user_id,
        ps::evt::session_joined{self->state.row.session_id, participants(self)});
  commit(self, std::move(ws), "a session-joined", [=] { publish(self, evs); });
}

void join(session_self self, session_join& j) {
  auto& st = self->state;
  auto key = live_key(j.s.from.at);
  if (auto i = st.sockets.find(key); i != st.sockets.end()) {
    if (i->second.at == phase::seated)
      rejoin(self, i->second);
    return; // restoring: its place comes back with the recovery
  }
  const auto& who = j.s.who;
  if (st.at == lifecycle::opening && who.role != "instructor") {
    error_to(self, j.s.from, ps::error_code::session_not_found,
             "no session " + st.row.session_id);
    return release(self, j.s.from);
  }
  auto ts = now(self);
  ps::participant p{who.user_id, who.name, who.role, true, std::nullopt, ts};
  if (auto m = st.members.find(who.user_id); m != st.members.end())
    p.joined_at = m->second.info.joined_at; // replaced or away: its first join
  bool opening = st.at == lifecycle::opening;
  persistence::write_set ws;
  if (opening) {
    st.row.created_by = who.user_id;
    st.row.created_at = ts;
    ws.collab_sessions.push_back(st.row);
  }
  ws.collab_participants.push_back(participant_row(self, p, false));
  ws.live_pids.push_back(pid_record(self, j.s.pid, j.s, 0));
  auto replaced = others_of(self, who.user_id, key);
  stage_replaced(self, ws, replaced, j.s.pid);
  auto after = participants_after(self, &p, who.user_id);
  staged evs;
  stage(self, ws, evs, live_audience::only, who.user_id,
        ps::evt::session_joined{st.row.session_id, after});
  stage(self, ws, evs, live_audience::all_but, who.user_id,
        ps::evt::user_joined{p, after});
  auto s = j.s;
  commit(
    self, std::move(ws), "a join",
    [=] {
      auto& st = self->state;
      if (opening) {
        st.at = lifecycle::open;
        spdlog::info("session {} opens (by {})", st.row.session_id, s.who.user_id);
      }
      replace(self, replaced, s.pid);
      st.sockets[key] = session_socket{s, phase::seated, evs.front().seq - 1, true, {}};
      st.members[s.who.user_id] = session_member{p, key, s.pid, false};
      st.pids[s.pid] = s.who.user_id;
      publish(self, evs);
      tell_pid(self, session_pid_update::op::seated, s.pid, s.who.user_id, s.sid);
      check_idle(self);
    },
    [=] {
      error_to(self, s.from, ps::error_code::store_unavailable,
               "the join could not be stored; try again");
      release(self, s.from);
      if (self->state.at == lifecycle::opening)
        close(self, {}); // never opened: nothing to tell anyone
    });
}

// -- leave and drop ----------------------------------------------------------------

/// How a socket leaves: on purpose (its pid forgotten) or dropped (its pid
/// kept, recoverable for the window).
enum class parting : std::uint8_t { left, dropped };

/// The socket at `key` leaves.
void part(session_self self, std::uint64_t key, parting how) {
  bool dropped = how == parting::dropped;
  auto& st = self->state;
  auto s = st.sockets.at(key);
  auto& user_id = s.s.who.user_id;
  auto info = st.members.at(user_id).info;
  auto ts = now(self);
  persistence::write_set ws;
  ws.collab_participants.push_back(participant_row(self, info, true));
  ws.live_pids.push_back(dropped ? pid_record(self, s.s.pid, s.s, ts)
                                 : removed_pid(s.s.pid));
  staged evs;
  stage(self, ws, evs, live_audience::all_but, user_id,
        ps::evt::user_left{user_id, info, participants_after(self, nullptr, user_id)});
  auto apply = [=](bool committed) {
    auto& st = self->state;
    st.sockets.erase(key);
    if (auto c = st.cursors.find(user_id); c != st.cursors.end())
      c->second.pending.reset();
    if (dropped) {
      auto& m = st.members.at(user_id);
      m.socket = 0;
      m.told_left = committed;
      tell_pid(self, session_pid_update::op::dropped, s.s.pid, user_id, s.s.sid, ts);
    } else {
      st.members.erase(user_id);
      st.pids.erase(s.s.pid);
      tell_pid(self, session_pid_update::op::forget, s.s.pid, user_id, s.s.sid);
      release(self, s.s.from);
    }
    if (committed)
      publish(self, evs);
    check_idle(self);
  };
  commit(self, std::move(ws), dropped ? "a drop" : "a leave",
         [=] { apply(true); }, [=] { apply(false); });
}

void leave(session_self self, const sio_from& f) {
  auto* s = seated(self, f);
  if (s == nullptr)
    return release(self, f);
  part(self, live_key(f.at), parting::left);
}

void drop(session_self self, const sio_from& f) {
  auto key = live_key(f.at);
  auto i = self->state.sockets.find(key);
  if (i == self->state.sockets.end())
    return;
  if (i->second.at == phase::restoring)
    return drop_restoring(self, key);
  part(self, key, parting::dropped);
}

// -- activity and cursors ------------------------------------------------------------

void activity(session_self self, const sio_from& f, bool is_active) {
  auto* s = seated(self, f);
  if (s == nullptr)
    return;
  auto user_id = s->s.who.user_id;
  auto p = self->state.members.at(user_id).info;
  p.is_active = is_active;
  persistence::write_set ws;
  ws.collab_participants.push_back(participant_row(self, p, false));
  staged evs;
  stage(self, ws, evs, live_audience::all_but, user_id,
        ps::evt::user_activity_changed{user_id, is_active});
  commit(
    self, std::move(ws), "an activity change",
    [=] {
      if (auto m = self->state.members.find(user_id); m != self->state.members.end())
        m->second.info.is_active = is_active;
      publish(self, evs);
      check_idle(self);
    },
    [=] {
      auto i = self->state.sockets.find(live_key(f.at));
      if (i != self->state.sockets.end())
        error_to(self, i->second, ps::error_code::store_unavailable,
                 "the activity status could not be stored; try again");
    });
}

/// cursor-moved of `user_id` to every other seated socket (live only).
void send_cursor(session_self self, const std::string& user_id, ps::cursor at) {
  std::vector<recipient> to;
  for (auto& [key, s] : self->state.sockets)
    if (s.at == phase::seated && s.s.who.user_id != user_id)
      to.push_back(s.s.from.at);
  auto w = ps::encode(ps::evt::cursor_moved{user_id, at});
  sio::out::emit e;
  e.name = std::string{w.name};
  e.args = std::move(w.args);
  send_to(self, std::move(to), std::move(e));
}

/// At most one cursor-moved per user per interval, the latest: the first
/// goes at once and opens a window; later ones wait for its end.
void cursor(session_self self, const sio_from& f, ps::cursor at) {
  auto* s = seated(self, f);
  if (s == nullptr)
    return;
  auto& st = self->state;
  auto user_id = s->s.who.user_id;
  st.members.at(user_id).info.at = at;
  if (auto w = st.cursors.find(user_id); w != st.cursors.end()) {
    w->second.pending = at;
    return;
  }
  send_cursor(self, user_id, at);
  st.cursors.emplace(user_id, cursor_window{});
  self->delayed_send(self, st.cfg.cursor_interval, cursor_atom::value, user_id);
}

void cursor_window_ends(session_self self, const std::string& user_id) {
  auto& st = self->state;
  auto w = st.cursors.find(user_id);
  if (w == st.cursors.end())
    return;
  if (!w->second.pending || st.at == lifecycle::closed) {
    st.cursors.erase(w);
    return;
  }
  send_cursor(self, user_id, *w->second.pending);
  w->second.pending.reset();
  self->delayed_send(self, st.cfg.cursor_interval, cursor_atom::value, user_id);
}

struct on_command {
  session_self self;
  const sio_from& f;

  void operator()(const ps::cmd::join_session&) const {
    // The directory hands joins over as session_join.
  }
  void operator()(const ps::cmd::leave_session&) const { leave(self, f); }
  void operator()(const ps::cmd::cursor_update& c) const { cursor(self, f, c.at); }
  void operator()(const ps::cmd::activity_status& c) const {
    activity(self, f, c.is_active);
  }
  void operator()(const ps::cmd::invalid& c) const {
    auto i = self->state.sockets.find(live_key(f.at));
    if (i != self->state.sockets.end())
      error_to(self, i->second, ps::error_code::invalid_payload, c.message);
    else
      error_to(self, f, ps::error_code::invalid_payload, c.message);
  }
};

// -- start -----------------------------------------------------------------------------

void load(session_self self, session_seed& seed) {
  auto& st = self->state;
  for (auto& r : seed.participants)
    st.members[r.user_id] = session_member{
      ps::participant{r.user_id, r.name, r.role, r.is_active, std::nullopt, r.joined_at},
      0, {}, false};
  for (auto& r : seed.pids) {
    st.pids[r.pid] = r.user_id;
    if (auto m = st.members.find(r.user_id); m != st.members.end())
      m->second.pid = r.pid;
  }
  // Stored participants without a pid cannot come back: gone for good.
  std::vector<std::string> orphans;
  for (auto& [id, m] : st.members)
    if (m.pid.empty())
      orphans.push_back(id);
  if (!orphans.empty())
    remove_for_good(self, orphans);
}

} // namespace

session_actor::behavior_type session(session_self self, session_config cfg,
                                     store_actor store, relay_actor relay,
                                     session_directory_actor directory,
                                     session_seed seed) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.relay = std::move(relay);
  st.directory = std::move(directory);
  st.row = seed.row;
  st.at = seed.opening ? lifecycle::opening : lifecycle::open;
  st.clock = seed.clock;
  st.log.emplace(std::string{domain}, st.row.session_id, seed.last_seq);
  if (!seed.opening) {
    load(self, seed);
    check_idle(self); // no one is connected yet
  }
  auto closed = [self] { return self->state.at == lifecycle::closed; };
  return {
    [=](session_join& j) {
      if (closed())
        return self->send(self->state.directory, bounce_atom::value, std::move(j));
      join(self, j);
    },
    [=](session_restore& r) {
      if (closed())
        return self->send(self->state.directory, bounce_atom::value, std::move(r));
      restore(self, r);
    },
    [=](sio_from& f, ps::command& c) {
      if (!closed())
        return std::visit(on_command{self, f}, c);
      // Its session closed while this was on its way: in no session now.
      if (!std::holds_alternative<ps::cmd::leave_session>(c))
        error_to(self, f, ps::error_code::not_in_session, "join a session first");
    },
    [=](sio_from& f, leave_atom) {
      if (!closed())
        drop(self, f);
    },
    [=](sio_from& f, limited_atom) {
      auto i = self->state.sockets.find(live_key(f.at));
      std::string message = "too many events; slow down";
      if (i != self->state.sockets.end())
        error_to(self, i->second, ps::error_code::rate_limited, std::move(message));
      else
        error_to(self, f, ps::error_code::rate_limited, std::move(message));
    },
    [=](expire_atom, std::vector<std::string>& pids) {
      if (!closed())
        expire(self, pids);
    },
    [=](retire_atom) { self->quit(); },
    [=](cursor_atom, std::string& user_id) { cursor_window_ends(self, user_id); },
    [=](idle_atom, std::uint64_t gen) {
      auto& st = self->state;
      if (closed() || gen != st.idle_gen || st.idle_since == 0)
        return;
      if (now(self) - st.idle_since >= st.cfg.idle_close.count())
        close(self, "inactive");
    },
  };
}

} // namespace proctord
