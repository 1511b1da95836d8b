#include "actors/exam/exam_support.hpp"

#include "actors/core/sio_envelope.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace proctord::exam_detail {

std::int64_t now_ms(exam_self self) {
  return self->state.clock.now(self->clock());
}

std::int64_t remaining_s(std::int64_t ends_at, std::int64_t now) {
  if (ends_at <= now)
    return 0;
  return (ends_at - now + 999) / 1000;
}

// -- steps ------------------------------------------------------------------

namespace {

void next(exam_self self) {
  auto& st = self->state;
  while (!st.busy && !st.waiting.empty()) {
    auto fn = std::move(st.waiting.front());
    st.waiting.pop_front();
    fn();
  }
}

/// Sends a committed event to every live socket it is addressed to and
/// has not had it (one envelope: the relay encodes it once).
void publish(exam_self self, const persistence::live_event_record& e) {
  std::vector<recipient> to;
  for (auto& [key, s] : self->state.sockets) {
    if (s.at != exam_socket::phase::live || e.seq <= s.delivered)
      continue;
    if (!addressed(e, s.sock.who.user_id, s.monitor()))
      continue;
    s.delivered = e.seq;
    to.push_back(s.sock.from.at);
  }
  send_to(self, std::move(to), sio::outgoing{to_emit(e)});
}

} // namespace

void run(exam_self self, std::function<void()> fn) {
  auto& st = self->state;
  if (st.busy || !st.waiting.empty()) {
    st.waiting.push_back(std::move(fn));
    next(self);
    return;
  }
  fn();
}

void stage(exam_self self, step& s, live_audience to, std::string user_id,
           const px::event& e) {
  auto w = px::encode(e);
  s.events.push_back(self->state.log->append(s.ws, to, std::move(user_id),
                                             w.name, std::move(w.args),
                                             now_ms(self)));
}

void commit(exam_self self, step s, hooks h) {
  auto& st = self->state;
  st.busy = true;
  auto events = std::make_shared<std::vector<persistence::live_event_record>>(
    std::move(s.events));
  auto hk = std::make_shared<hooks>(std::move(h));
  self->request(st.store, caf::infinite, std::move(s.ws))
    .then(
      [=](committed_atom) {
        auto& st = self->state;
        for (auto& e : *events)
          st.log->committed(e);
        if (hk->apply)
          hk->apply();
        for (auto& e : *events)
          publish(self, e);
        if (hk->after)
          hk->after();
        update_stats(self);
        st.busy = false;
        next(self);
      },
      [=](caf::error& err) {
        spdlog::warn("exam {} cannot commit a step: {}",
                     self->state.def.exam_id, caf::to_string(err));
        if (hk->failed)
          hk->failed(err);
        self->state.busy = false;
        next(self);
      });
}

// -- sockets ----------------------------------------------------------------

void send_to(exam_self self, std::vector<recipient> to, sio::outgoing o) {
  if (to.empty())
    return;
  self->send(self->state.relay,
             sio_envelope{std::string{nsp}, std::move(to), std::move(o)});
}

void send_live(exam_self self, std::vector<recipient> to, const px::event& e) {
  auto w = px::encode(e);
  send_to(self, std::move(to),
          sio::outgoing{sio::out::emit{std::string{w.name}, std::move(w.args),
                                       {}, std::nullopt, {}}});
}

void error_to(exam_self self, const sio_from& from,
              std::optional<std::uint64_t> ack, px::error_code code,
              std::string message) {
  if (ack)
    send_to(self, {from.at},
            sio::outgoing{sio::out::ack{*ack, px::ack_refused(code, message), {}}});
  std::string offset;
  auto& sockets = self->state.sockets;
  if (auto i = sockets.find(exam_socket_key(from.at)); i != sockets.end())
    if (!i->second.sock.pid.empty() && i->second.delivered > 0)
      offset = std::to_string(i->second.delivered);
  auto w = px::encode(px::evt::error{code, std::move(message)});
  send_to(self, {from.at},
          sio::outgoing{sio::out::emit{std::string{w.name}, std::move(w.args),
                                       {}, std::nullopt, std::move(offset)}});
}

void deliver(exam_self self, exam_socket& s,
             const std::vector<persistence::live_event_record>& events) {
  for (auto& e : events) {
    if (e.seq <= s.delivered)
      continue;
    if (!addressed(e, s.sock.who.user_id, s.monitor()))
      continue;
    s.delivered = e.seq;
    send_to(self, {s.sock.from.at}, sio::outgoing{to_emit(e)});
  }
  // Those not addressed to it were looked at too: never again.
  if (!events.empty())
    s.delivered = std::max(s.delivered, events.back().seq);
}

void release(exam_self self, const sio_from& from, exam_released::why why) {
  self->send(self->state.directory, exam_released{from, why});
}

void report(exam_self self, exam_pid_report::op what, const exam_socket& s) {
  if (s.sock.pid.empty())
    return;
  self->send(self->state.directory,
             exam_pid_report{what, s.sock.pid, self->state.def.exam_id,
                             s.sock.who.user_id, s.sock.sid, s.monitor(),
                             s.sock.from});
}

persistence::live_pid_record pid_of(exam_self self, const exam_socket& s,
                                    std::int64_t disconnected_at, bool removed) {
  persistence::live_pid_record r;
  r.pid = s.sock.pid;
  r.domain = std::string{domain};
  r.room_id = self->state.def.exam_id;
  r.user_id = s.sock.who.user_id;
  r.sid = s.sock.sid;
  r.monitor = s.monitor();
  r.disconnected_at = disconnected_at;
  r.removed = removed;
  return r;
}

void replace(exam_self self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  auto& s = i->second;
  error_to(self, s.sock.from, std::nullopt, px::error_code::session_replaced,
           "this exam was opened on another connection");
  send_to(self, {s.sock.from.at}, sio::outgoing{sio::out::disconnect{}});
  self->send(s.sock.conn, sio_seated{s.sock.from.at.channel, false});
  report(self, exam_pid_report::op::forgotten, s);
  release(self, s.sock.from, exam_released::why::gone);
  spdlog::info("exam {} replaces the socket of {}", st.def.exam_id,
               s.sock.who.user_id);
  st.sockets.erase(i);
}

std::uint64_t monitor_of(exam_self self, const std::string& user_id,
                         std::uint64_t except) {
  for (auto& [key, s] : self->state.sockets)
    if (key != except && s.monitor() && s.at != exam_socket::phase::gone
        && s.sock.who.user_id == user_id)
      return key;
  return 0;
}

// -- state --------------------------------------------------------------------

px::status status_of(const persistence::exam_student_record& row) {
  if (row.status == "ended")
    return px::status::ended;
  if (row.status == "disconnected")
    return px::status::disconnected;
  return px::status::active;
}

px::student_session session_of(exam_self, const exam_student& s) {
  px::student_session v;
  v.student_id = s.row.student_id;
  v.name = s.row.name;
  v.session_id = s.row.session_id;
  v.at = status_of(s.row);
  v.connected = s.socket != 0;
  v.answered_count = s.row.answered_count;
  v.last_question_id = s.row.last_question_id;
  v.started_at = s.row.started_at;
  v.ends_at = s.row.ends_at;
  v.last_seen_at = s.row.last_seen_at;
  v.device_info = s.row.device_info;
  v.network_info = s.row.network_info;
  return v;
}

void arm_deadline(exam_self self, const exam_student& s) {
  if (s.row.status == "ended")
    return;
  exam_deadline d{s.row.student_id, s.row.ends_at};
  auto left = s.row.ends_at - now_ms(self);
  if (left <= 0)
    self->send(self, std::move(d));
  else
    self->delayed_send(self, std::chrono::milliseconds{left}, std::move(d));
}

void arm_tick(exam_self self) {
  auto& st = self->state;
  if (st.ticking)
    return;
  for (auto& [key, s] : st.sockets)
    if (s.at == exam_socket::phase::live) {
      st.ticking = true;
      self->delayed_send(self, st.cfg.time_update_interval,
                         exam_tick_atom::value);
      return;
    }
}

void update_stats(exam_self self) {
  auto& st = self->state;
  if (!st.stats)
    return;
  exam_counts now;
  for (auto& [id, s] : st.students) {
    switch (status_of(s.row)) {
      case px::status::active: ++now.active; break;
      case px::status::disconnected: ++now.disconnected; break;
      case px::status::ended: ++now.ended; break;
    }
  }
  now.running = now.active + now.disconnected > 0;
  for (auto& [key, s] : st.sockets)
    if (s.monitor() && s.at == exam_socket::phase::live)
      ++now.monitors;
  auto& was = st.counted;
  st.stats->students_active += now.active - was.active;
  st.stats->students_disconnected += now.disconnected - was.disconnected;
  st.stats->students_ended += now.ended - was.ended;
  st.stats->monitoring_teachers += now.monitors - was.monitors;
  st.stats->active_exams += (now.running ? 1 : 0) - (was.running ? 1 : 0);
  was = now;
}

} // namespace proctord::exam_detail
