// The end of participants and of the session itself: pids whose recovery
// window is over, and the idle close.

#include "actors/session/session_support.hpp"

#include <spdlog/spdlog.h>

namespace proctord::session_detail {

using persistence::live_audience;
using phase = session_socket::phase;
using lifecycle = session_state::lifecycle;

void remove_for_good(session_self self, const std::vector<std::string>& user_ids) {
  auto& st = self->state;
  persistence::write_set ws;
  staged evs;
  std::vector<std::string> gone;
  for (auto& user_id : user_ids) {
    auto m = st.members.find(user_id);
    if (m == st.members.end() || m->second.socket != 0)
      continue; // back meanwhile
    ws.collab_participants.push_back(participant_row(self, m->second.info, true));
    // Away participants are not in `participants`: the list is unchanged.
    if (!m->second.told_left)
      stage(self, ws, evs, live_audience::all_but, user_id,
            ps::evt::user_left{user_id, m->second.info, participants(self)});
    gone.push_back(user_id);
  }
  if (gone.empty())
    return;
  commit(self, std::move(ws), "the removal of participants", [=] {
    auto& st = self->state;
    for (auto& user_id : gone)
      if (auto m = st.members.find(user_id); m != st.members.end() && m->second.socket == 0)
        st.members.erase(m);
    publish(self, evs);
  });
}

void expire(session_self self, const std::vector<std::string>& pids) {
  auto& st = self->state;
  std::vector<std::string> users;
  for (auto& pid : pids) {
    auto i = st.pids.find(pid);
    if (i == st.pids.end())
      continue;
    auto user_id = i->second;
    st.pids.erase(i);
    auto m = st.members.find(user_id);
    if (m != st.members.end() && m->second.socket == 0 && m->second.pid == pid)
      users.push_back(user_id);
  }
  if (!users.empty())
    remove_for_good(self, users);
}

void close(session_self self, std::string reason) {
  auto& st = self->state;
  std::vector<std::string> pids;
  for (auto& [pid, user] : st.pids)
    pids.push_back(pid);
  auto finish = [=](const staged& evs) {
    auto& st = self->state;
    st.at = lifecycle::closed;
    publish(self, evs);
    // The directory first: what the session bounces afterwards finds it
    // gone.
    self->send(st.directory, session_ended{st.row.session_id, pids});
    for (auto& [key, s] : st.sockets) {
      if (s.at != phase::restoring)
        continue;
      if (!s.answered) {
        // Not connected yet: it connects afresh.
        self->send(st.directory, bounce_atom::value,
                   session_restore{s.s, s.last_seq, s.fresh_sid});
        continue;
      }
      for (auto& e : evs)
        deliver(self, s, e);
    }
    st.sockets.clear();
    st.members.clear();
    st.pids.clear();
    st.cursors.clear();
  };
  if (reason.empty()) {
    spdlog::debug("session {} ends unopened", st.row.session_id);
    return finish({});
  }
  spdlog::info("session {} closes ({})", st.row.session_id, reason);
  auto ts = now(self);
  st.row.closed_at = ts;
  st.row.close_reason = reason;
  persistence::write_set ws;
  ws.collab_sessions.push_back(st.row);
  for (auto& pid : pids)
    ws.live_pids.push_back(removed_pid(pid));
  // Its id may be opened again: a new session with no one in it.
  for (auto& [id, m] : st.members)
    ws.collab_participants.push_back(participant_row(self, m.info, true));
  staged evs;
  stage(self, ws, evs, live_audience::all, {},
        ps::evt::session_closed{st.row.session_id, reason});
  ws.live_log_drops.push_back(
    persistence::live_room_seq{std::string{domain}, st.row.session_id, 0});
  // Closed either way: the sockets are in no session from now on (a close
  // that was not stored happens again after a restart).
  commit(self, std::move(ws), "the close", [=] { finish(evs); },
         [=] { finish(evs); });
}

} // namespace proctord::session_detail
