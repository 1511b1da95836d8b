// An exam's monitors (teachers and admins): joining with everyone's state,
// leaving, force-ending a student's exam; and time-update for everybody.

#include "actors/exam/exam_steps.hpp"

#include <spdlog/spdlog.h>

namespace proctord::exam_detail {

namespace {

using px::error_code;

px::evt::monitor_time clocks(exam_self self, std::int64_t now) {
  auto& st = self->state;
  px::evt::monitor_time t{st.def.exam_id, now, {}};
  for (auto& [id, s] : st.students)
    if (s.row.status != "ended")
      t.students.push_back(
        px::evt::student_clock{id, remaining_s(s.row.ends_at, now), s.row.ends_at});
  return t;
}

/// The live monitor socket `key`, or nullptr after refusing the command.
exam_socket* monitor_at(exam_self self, std::uint64_t key,
                        const std::string& exam_id,
                        std::optional<std::uint64_t> ack) {
  auto& st = self->state;
  auto& s = st.sockets.at(key);
  if (!s.monitor()) {
    error_to(self, s.sock.from, ack, error_code::forbidden,
             "only teachers monitor exams");
    return nullptr;
  }
  if (!exam_id.empty() && exam_id != st.def.exam_id) {
    error_to(self, s.sock.from, ack, error_code::not_in_exam,
             "this socket monitors exam " + st.def.exam_id);
    return nullptr;
  }
  return &s;
}

} // namespace

void monitor_join(exam_self self, const live_socket& sock,
                  std::optional<std::uint64_t> ack, bool entering) {
  auto& st = self->state;
  auto key = exam_socket_key(sock.from.at);
  auto old = monitor_of(self, sock.who.user_id, key);
  exam_socket seat{sock, exam_socket::role::monitor, exam_socket::phase::live, 0,
                   true};
  step s;
  s.ws.live_pids.push_back(pid_of(self, seat));
  if (old != 0)
    s.ws.live_pids.push_back(pid_of(self, st.sockets.at(old), 0, true));
  px::evt::monitoring_joined view{st.def.exam_id, {}};
  for (auto& [id, stu] : st.students)
    view.students.push_back(session_of(self, stu));
  stage(self, s, live_audience::only, sock.who.user_id, view);
  commit(self, std::move(s),
         hooks{[=] {
                 auto& st = self->state;
                 if (old != 0)
                   replace(self, old);
                 auto& so = st.sockets[key];
                 auto delivered = so.delivered;
                 so = seat;
                 so.delivered = delivered;
                 report(self, exam_pid_report::op::seated, so);
                 spdlog::info("exam {} is monitored by {}", st.def.exam_id,
                              sock.who.user_id);
               },
               [=] {
                 send_live(self, {sock.from.at}, clocks(self, now_ms(self)));
                 arm_tick(self);
               },
               [=](const caf::error&) {
                 error_to(self, sock.from, ack, error_code::store_unavailable,
                          "monitoring could not be saved; try again");
                 if (entering)
                   release(self, sock.from, exam_released::why::waiting);
               }});
}

void leave_monitoring(exam_self self, std::uint64_t key,
                      const px::cmd::leave_monitoring& c,
                      std::optional<std::uint64_t> ack) {
  auto* s = monitor_at(self, key, c.exam_id, ack);
  if (s == nullptr)
    return;
  auto from = s->sock.from;
  step change;
  change.ws.live_pids.push_back(pid_of(self, *s, 0, true));
  commit(self, std::move(change),
         hooks{[=] {
                 auto& st = self->state;
                 auto i = st.sockets.find(key);
                 if (i == st.sockets.end())
                   return;
                 report(self, exam_pid_report::op::forgotten, i->second);
                 st.sockets.erase(i);
                 // Back in the directory, free to join another exam.
                 release(self, from, exam_released::why::waiting);
               },
               {},
               [=](const caf::error&) {
                 error_to(self, from, ack, error_code::store_unavailable,
                          "leaving could not be saved; try again");
               }});
}

void force_end(exam_self self, std::uint64_t key, const px::cmd::force_end_exam& c,
               std::optional<std::uint64_t> ack) {
  auto* s = monitor_at(self, key, c.exam_id, ack);
  if (s == nullptr)
    return;
  auto& st = self->state;
  auto from = s->sock.from;
  auto i = st.students.find(c.student_id);
  if (i == st.students.end()) {
    error_to(self, from, ack, error_code::not_in_exam,
             "no student " + c.student_id + " has joined this exam");
    return;
  }
  if (i->second.row.status == "ended") {
    error_to(self, from, ack, error_code::exam_ended,
             "the exam of " + c.student_id + " has ended");
    return;
  }
  spdlog::info("exam {}: {} force-ends the sitting of {}", st.def.exam_id,
               s->sock.who.user_id, c.student_id);
  end_student(self, c.student_id, px::submission::forced, {}, from, ack);
}

void tick(exam_self self) {
  auto& st = self->state;
  st.ticking = false;
  auto now = now_ms(self);
  std::vector<recipient> monitors;
  for (auto& [key, s] : st.sockets) {
    if (s.at != exam_socket::phase::live)
      continue;
    if (s.monitor()) {
      monitors.push_back(s.sock.from.at);
      continue;
    }
    auto i = st.students.find(s.sock.who.user_id);
    if (i == st.students.end() || i->second.socket != key
        || i->second.row.status == "ended")
      continue;
    send_live(self, {s.sock.from.at},
              px::evt::student_time{st.def.exam_id,
                                    remaining_s(i->second.row.ends_at, now),
                                    i->second.row.ends_at});
  }
  if (!monitors.empty())
    send_live(self, std::move(monitors), clocks(self, now));
  arm_tick(self);
  // lastSeenAt of the heartbeats since the last write, as its own step.
  run(self, [self] {
    step s;
    std::vector<std::string> ids;
    for (auto& [id, stu] : self->state.students)
      if (stu.seen_dirty) {
        s.ws.exam_students.push_back(stu.row);
        ids.push_back(id);
      }
    if (ids.empty())
      return;
    commit(self, std::move(s), hooks{[=] {
             for (auto& id : ids)
               self->state.students.at(id).seen_dirty = false;
           }, {}, {}});
  });
}

} // namespace proctord::exam_detail
