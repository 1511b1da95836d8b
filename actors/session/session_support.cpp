#include "actors/session/session_support.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace proctord::session_detail {

namespace {

constexpr auto store_timeout = std::chrono::seconds{10};

sio::out::emit error_emit(ps::error_code code, std::string message,
                          std::string offset) {
  auto w = ps::encode(ps::evt::error{code, std::move(message)});
  sio::out::emit e;
  e.name = std::string{w.name};
  e.args = std::move(w.args);
  e.offset = std::move(offset);
  return e;
}

} // namespace

std::int64_t now(session_self self) {
  return self->state.now(self->clock());
}

void send_to(session_self self, std::vector<recipient> to, sio::outgoing o) {
  if (to.empty())
    return;
  self->send(self->state.relay,
             sio_envelope{std::string{nsp}, std::move(to), std::move(o)});
}

void error_to(session_self self, const session_socket& s, ps::error_code code,
              std::string message) {
  auto offset = s.at == session_socket::phase::seated ? std::to_string(s.last_seq)
                                                      : std::string{};
  send_to(self, {s.s.from.at}, error_emit(code, std::move(message), std::move(offset)));
}

void error_to(session_self self, const sio_from& f, ps::error_code code,
              std::string message) {
  send_to(self, {f.at}, error_emit(code, std::move(message), {}));
}

std::vector<ps::participant> participants(session_self self) {
  std::vector<ps::participant> out;
  for (auto& [id, m] : self->state.members)
    if (m.socket != 0)
      out.push_back(m.info);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return std::tie(a.joined_at, a.user_id) < std::tie(b.joined_at, b.user_id);
  });
  return out;
}

std::vector<ps::participant> participants_after(session_self self,
                                                const ps::participant* add,
                                                const std::string& remove_user) {
  auto out = participants(self);
  out.erase(std::remove_if(out.begin(), out.end(),
                           [&](auto& p) { return p.user_id == remove_user; }),
            out.end());
  if (add != nullptr) {
    auto at = std::upper_bound(out.begin(), out.end(), *add, [](auto& a, auto& b) {
      return std::tie(a.joined_at, a.user_id) < std::tie(b.joined_at, b.user_id);
    });
    out.insert(at, *add);
  }
  return out;
}

persistence::collab_participant_record
participant_row(session_self self, const ps::participant& p, bool removed) {
  persistence::collab_participant_record r;
  r.session_id = self->state.row.session_id;
  r.user_id = p.user_id;
  r.name = p.name;
  r.role = p.role;
  r.is_active = p.is_active;
  r.joined_at = p.joined_at;
  r.removed = removed;
  return r;
}

persistence::live_pid_record pid_record(session_self self, const std::string& pid,
                                        const live_socket& s,
                                        std::int64_t disconnected_at) {
  persistence::live_pid_record r;
  r.pid = pid;
  r.domain = std::string{domain};
  r.room_id = self->state.row.session_id;
  r.user_id = s.who.user_id;
  r.sid = s.sid;
  r.disconnected_at = disconnected_at;
  return r;
}

persistence::live_pid_record removed_pid(const std::string& pid) {
  persistence::live_pid_record r;
  r.pid = pid;
  r.domain = std::string{domain};
  r.removed = true;
  return r;
}

void tell_pid(session_self self, session_pid_update::op what,
              const std::string& pid, const std::string& user_id,
              const std::string& sid, std::int64_t at) {
  self->send(self->state.directory,
             session_pid_update{what, pid, self->state.row.session_id, user_id,
                                sid, at});
}

void stage(session_self self, persistence::write_set& ws, staged& out,
           persistence::live_audience to, const std::string& user_id,
           const ps::event& e) {
  auto w = ps::encode(e);
  out.push_back(self->state.log->append(ws, to, user_id, w.name, std::move(w.args),
                                        now(self)));
}

void commit(session_self self, persistence::write_set ws, const char* what,
            std::function<void()> ok, std::function<void()> failed) {
  self->request(self->state.store, store_timeout, std::move(ws))
    .await(
      [ok](committed_atom) { ok(); },
      [self, what, failed](caf::error& err) {
        spdlog::warn("session {} cannot store {}: {}",
                     self->state.row.session_id, what, caf::to_string(err));
        if (failed)
          failed();
      });
}

void deliver(session_self self, session_socket& s,
             const persistence::live_event_record& e) {
  if (e.seq <= s.last_seq)
    return;
  s.last_seq = e.seq;
  if (addressed(e, s.s.who.user_id, false))
    send_to(self, {s.s.from.at}, to_emit(e));
}

void publish(session_self self, const staged& events) {
  auto& st = self->state;
  for (auto& e : events) {
    st.log->committed(e);
    // One packet for every recipient: encoded once by the relay.
    std::vector<recipient> to;
    for (auto& [key, s] : st.sockets) {
      if (s.at != session_socket::phase::seated || e.seq <= s.last_seq)
        continue;
      s.last_seq = e.seq;
      if (addressed(e, s.s.who.user_id, false))
        to.push_back(s.s.from.at);
    }
    send_to(self, std::move(to), to_emit(e));
  }
}

std::vector<std::uint64_t> others_of(session_self self, const std::string& user_id,
                                     std::uint64_t except) {
  std::vector<std::uint64_t> out;
  for (auto& [key, s] : self->state.sockets)
    if (key != except && s.s.who.user_id == user_id)
      out.push_back(key);
  return out;
}

void stage_replaced(session_self self, persistence::write_set& ws,
                    const std::vector<std::uint64_t>& keys,
                    const std::string& keep_pid) {
  for (auto key : keys) {
    auto& s = self->state.sockets.at(key);
    if (s.s.pid != keep_pid)
      ws.live_pids.push_back(removed_pid(s.s.pid));
  }
}

void replace(session_self self, const std::vector<std::uint64_t>& keys,
             const std::string& keep_pid) {
  auto& st = self->state;
  for (auto key : keys) {
    auto i = st.sockets.find(key);
    if (i == st.sockets.end())
      continue;
    auto& s = i->second;
    spdlog::debug("session {} replaces a socket of {}", st.row.session_id,
                  s.s.who.user_id);
    error_to(self, s, ps::error_code::session_replaced,
             "the session was joined from another connection");
    send_to(self, {s.s.from.at}, sio::out::disconnect{});
    self->send(s.s.conn, sio_seated{s.s.from.at.channel, false});
    self->send(st.directory, session_released{s.s.from, st.row.session_id,
                                              session_released::kind::disconnected});
    if (s.s.pid != keep_pid) {
      st.pids.erase(s.s.pid);
      tell_pid(self, session_pid_update::op::forget, s.s.pid, s.s.who.user_id,
               s.s.sid);
    }
    st.sockets.erase(i);
  }
}

void check_idle(session_self self) {
  auto& st = self->state;
  if (st.at == session_state::lifecycle::closed)
    return;
  bool active = std::any_of(st.members.begin(), st.members.end(), [](auto& m) {
    return m.second.socket != 0 && m.second.info.is_active;
  });
  if (active) {
    st.idle_since = 0;
    return;
  }
  if (st.idle_since != 0)
    return; // already idle, its check armed
  st.idle_since = now(self);
  self->delayed_send(self, st.cfg.idle_close, idle_atom::value, ++st.idle_gen);
}

} // namespace proctord::session_detail
