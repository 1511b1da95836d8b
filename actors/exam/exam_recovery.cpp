// Connection state recovery in an exam: a socket whose pid the directory
// claimed gets its CONNECT answered with its old sid and pid, every logged
// event after its offset that was addressed to it, in order, and then is
// shown back (a student's status active again and student-joined to the
// monitors; a teacher back among the monitors).
//
//   restore ─▶ recovering ──(events from memory, or read from the store;
//                            what commits meanwhile is caught up from memory)
//          ──▶ CONNECT, replay ──▶ live ──step──▶ shown back
//
// While it recovers, nothing live reaches the socket: each read ends with a
// catch-up from the log in memory, and a socket's `delivered` never lets an
// event through twice. A read that would replay more than max_replay events
// (or that fails) connects the socket afresh instead (recovered === false).

#include "actors/exam/exam_steps.hpp"

#include "actors/core/sio_envelope.hpp"

#include <spdlog/spdlog.h>

namespace proctord::exam_detail {

namespace {

void fallback(exam_self self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  auto from = i->second.sock.from;
  spdlog::info("exam {} cannot recover the socket of {}: connects it afresh",
               st.def.exam_id, i->second.sock.who.user_id);
  st.sockets.erase(i);
  release(self, from, exam_released::why::fresh);
}

/// The socket's CONNECT, with its old sid and pid, once.
void answer_connect(exam_self self, exam_socket& s) {
  if (s.connected)
    return;
  s.connected = true;
  send_to(self, {s.sock.from.at},
          sio::outgoing{sio::out::connected{s.sock.sid, s.sock.pid}});
  self->send(s.sock.conn, sio_seated{s.sock.from.at.channel, true});
}

void show_back(exam_self self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end() || i->second.at != exam_socket::phase::live)
    return;
  auto seat = i->second;
  auto now = now_ms(self);
  step s;
  s.ws.live_pids.push_back(pid_of(self, seat));
  const auto& user = seat.sock.who.user_id;
  if (seat.monitor()) {
    auto old = monitor_of(self, user, key);
    commit(self, std::move(s),
           hooks{[=] {
                   if (old != 0)
                     replace(self, old);
                   if (auto i = self->state.sockets.find(key);
                       i != self->state.sockets.end())
                     report(self, exam_pid_report::op::seated, i->second);
                 },
                 [=] { arm_tick(self); }, {}});
    return;
  }
  auto& stu = st.students.at(user);
  auto old = stu.socket != key ? stu.socket : 0;
  auto row = stu.row;
  if (row.status == "disconnected")
    row.status = "active";
  row.last_seen_at = now;
  s.ws.exam_students.push_back(row);
  exam_student shown{row, {}, key, false};
  stage(self, s, live_audience::monitors, {},
        px::evt::student_joined{st.def.exam_id, session_of(self, shown)});
  auto apply = [=] {
    auto& st = self->state;
    if (old != 0)
      replace(self, old);
    auto& stu = st.students.at(user);
    stu.row = row;
    stu.socket = key;
    stu.seen_dirty = false;
    if (auto i = st.sockets.find(key); i != st.sockets.end())
      report(self, exam_pid_report::op::seated, i->second);
    spdlog::info("exam {} recovers student {}", st.def.exam_id, user);
  };
  commit(self, std::move(s),
         hooks{apply,
               [=] {
                 if (row.status == "active")
                   send_live(self, {seat.sock.from.at},
                             px::evt::student_time{
                               self->state.def.exam_id,
                               remaining_s(row.ends_at, now_ms(self)),
                               row.ends_at});
                 arm_tick(self);
               },
               [=](const caf::error&) {
                 // Its transport is back whatever the store says; the
                 // monitors see it with the next change of its row.
                 auto& stu = self->state.students.at(user);
                 if (old != 0)
                   replace(self, old);
                 stu.socket = key;
                 update_stats(self);
               }});
}

void catch_up(exam_self self, std::uint64_t key, bool first_read);

/// A read of the store came back for a recovering socket.
void on_read(exam_self self, std::uint64_t key, bool first_read,
             std::int64_t committed_at_send,
             const std::vector<persistence::live_event_record>& events) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  if (i->second.at == exam_socket::phase::gone) {
    st.sockets.erase(i);
    return;
  }
  auto& s = i->second;
  if (first_read && events.size() > st.cfg.recovery.max_replay)
    return fallback(self, key);
  answer_connect(self, s);
  deliver(self, s, events);
  // A read shorter than its limit saw everything committed when it was
  // asked; what committed since is in memory.
  if (events.size() < st.cfg.recovery.max_replay)
    s.delivered = std::max(s.delivered, committed_at_send);
  catch_up(self, key, false);
}

void catch_up(exam_self self, std::uint64_t key, bool first_read) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  auto& s = i->second;
  if (auto events = st.log->since(s.delivered)) {
    answer_connect(self, s);
    deliver(self, s, *events);
    s.at = exam_socket::phase::live;
    run(self, [=] { show_back(self, key); });
    return;
  }
  auto q = st.log->query(s.delivered);
  q.limit = static_cast<std::uint32_t>(st.cfg.recovery.max_replay
                                       + (first_read ? 1 : 0));
  auto committed_at_send = st.log->committed_seq();
  self->request(st.store, caf::infinite, std::move(q))
    .then(
      [=](std::vector<persistence::live_event_record>& events) {
        on_read(self, key, first_read, committed_at_send, events);
      },
      [=](caf::error& err) {
        spdlog::warn("exam {} cannot read its log: {}",
                     self->state.def.exam_id, caf::to_string(err));
        auto i = self->state.sockets.find(key);
        if (i == self->state.sockets.end())
          return;
        if (!i->second.connected)
          return fallback(self, key);
        // Already connected: what it missed cannot be read; it goes on live.
        i->second.delivered = self->state.log->committed_seq();
        catch_up(self, key, false);
      });
}

} // namespace

void restore(exam_self self, exam_restore r) {
  auto& st = self->state;
  auto key = exam_socket_key(r.sock.from.at);
  bool known = r.monitor || st.students.count(r.sock.who.user_id) != 0;
  // An offset past the log's end was never sent by this exam.
  if (!known || r.offset < 0 || r.offset > st.log->committed_seq()) {
    st.sockets[key] = exam_socket{std::move(r.sock), exam_socket::role::student,
                                  exam_socket::phase::recovering, 0, false};
    return fallback(self, key);
  }
  st.sockets[key] = exam_socket{std::move(r.sock),
                                r.monitor ? exam_socket::role::monitor
                                          : exam_socket::role::student,
                                exam_socket::phase::recovering, r.offset, false};
  catch_up(self, key, true);
}

} // namespace proctord::exam_detail
