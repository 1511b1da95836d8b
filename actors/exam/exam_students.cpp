// An exam's students: joining, answering, ending, their clocks and their
// drops (actors/exam/exam.hpp draws a sitting's lifecycle).

#include "actors/exam/exam_steps.hpp"

#include "actors/gateway.hpp" // make_uuid

#include <spdlog/spdlog.h>

namespace proctord::exam_detail {

namespace {

using px::error_code;

bool ended(const exam_student& s) {
  return s.row.status == "ended";
}

/// The student of a live student socket, or nullptr after refusing the
/// command (a teacher's socket, or another exam named).
exam_student* student_of(exam_self self, std::uint64_t key,
                         const std::string& exam_id,
                         std::optional<std::uint64_t> ack) {
  auto& st = self->state;
  auto& s = st.sockets.at(key);
  if (s.monitor()) {
    error_to(self, s.sock.from, ack, error_code::forbidden,
             "only students take exams");
    return nullptr;
  }
  if (!exam_id.empty() && exam_id != st.def.exam_id) {
    error_to(self, s.sock.from, ack, error_code::not_in_exam,
             "this socket is in exam " + st.def.exam_id);
    return nullptr;
  }
  auto i = st.students.find(s.sock.who.user_id);
  if (i == st.students.end() || i->second.socket != key) {
    error_to(self, s.sock.from, ack, error_code::not_in_exam,
             "join-exam-session first");
    return nullptr;
  }
  return &i->second;
}

/// Refuses a command of a student whose exam is over (ending it first when
/// its time ran out and the deadline has not been handled yet).
bool refuse_if_over(exam_self self, exam_student& stu, const sio_from& from,
                    std::optional<std::uint64_t> ack) {
  if (ended(stu)) {
    error_to(self, from, ack, error_code::exam_ended, "your exam has ended");
    return true;
  }
  if (now_ms(self) >= stu.row.ends_at) {
    error_to(self, from, ack, error_code::exam_ended, "your time is up");
    end_student(self, stu.row.student_id, px::submission::timeout, {},
                std::nullopt, std::nullopt);
    return true;
  }
  return false;
}

} // namespace

void student_join(exam_self self, const live_socket& sock,
                  const px::cmd::join_exam_session& c,
                  std::optional<std::uint64_t> ack, bool entering) {
  auto& st = self->state;
  auto now = now_ms(self);
  auto key = exam_socket_key(sock.from.at);
  const auto id = sock.who.user_id;
  auto found = st.students.find(id);
  if (found != st.students.end()) {
    if (refuse_if_over(self, found->second, sock.from, ack)) {
      if (entering)
        release(self, sock.from, exam_released::why::waiting);
      return;
    }
  }
  bool first = found == st.students.end();
  persistence::exam_student_record row;
  if (first) {
    row.exam_id = st.def.exam_id;
    row.student_id = id;
    row.name = sock.who.name;
    // The sitting keeps the session id it started with.
    row.session_id = c.session_id.empty() ? make_uuid() : c.session_id;
    row.started_at = now;
    row.ends_at = now + st.def.duration_s * 1000;
  } else {
    row = found->second.row;
  }
  row.status = "active";
  row.last_seen_at = now;
  row.device_info = c.device_info;
  row.network_info = c.network_info;
  std::uint64_t old = first ? 0 : found->second.socket;
  if (old == key)
    old = 0;

  exam_socket seat{sock, exam_socket::role::student, exam_socket::phase::live, 0,
                   true};
  step s;
  s.ws.exam_students.push_back(row);
  s.ws.live_pids.push_back(pid_of(self, seat));
  if (auto o = st.sockets.find(old); old != 0 && o != st.sockets.end())
    s.ws.live_pids.push_back(pid_of(self, o->second, 0, true));
  exam_student shown{row, {}, key, false};
  auto remaining = remaining_s(row.ends_at, now);
  stage(self, s, live_audience::only, id,
        px::evt::exam_session_joined{st.def.exam_id, row.session_id,
                                     row.started_at, row.ends_at, remaining,
                                     row.answered_count});
  stage(self, s, live_audience::monitors, {},
        px::evt::student_joined{st.def.exam_id, session_of(self, shown)});
  commit(self, std::move(s),
         hooks{
           [=] {
             auto& st = self->state;
             if (old != 0)
               replace(self, old);
             auto& stu = st.students[id];
             stu.row = row;
             stu.socket = key;
             stu.seen_dirty = false;
             auto& so = st.sockets[key];
             auto delivered = so.delivered;
             so = seat;
             so.delivered = delivered;
             report(self, exam_pid_report::op::seated, so);
             if (first)
               arm_deadline(self, stu);
             spdlog::info("exam {} seats student {}", st.def.exam_id, id);
           },
           [=] {
             auto& st = self->state;
             send_live(self, {sock.from.at},
                       px::evt::student_time{st.def.exam_id,
                                             remaining_s(row.ends_at, now_ms(self)),
                                             row.ends_at});
             arm_tick(self);
           },
           [=](const caf::error&) {
             error_to(self, sock.from, ack, error_code::store_unavailable,
                      "the join could not be saved; try again");
             if (entering)
               release(self, sock.from, exam_released::why::waiting);
           }});
}

void submit(exam_self self, std::uint64_t key, const px::cmd::submit_answer& c,
            std::optional<std::uint64_t> ack) {
  auto* stu = student_of(self, key, c.exam_id, ack);
  if (stu == nullptr)
    return;
  auto from = self->state.sockets.at(key).sock.from;
  if (refuse_if_over(self, *stu, from, ack))
    return;
  auto& st = self->state;
  auto now = now_ms(self);
  persistence::exam_answer_record answer{st.def.exam_id, stu->row.student_id,
                                         c.question_id, c.answer, c.time_spent,
                                         now};
  auto row = stu->row;
  double spent = c.time_spent;
  for (auto& [qid, a] : stu->answers)
    if (qid != c.question_id)
      spent += a.time_spent;
  row.answered_count = static_cast<std::int32_t>(
    stu->answers.size() + (stu->answers.count(c.question_id) == 0 ? 1 : 0));
  row.last_question_id = c.question_id;
  row.time_spent = spent;
  row.last_seen_at = now;

  step s;
  s.ws.exam_answers.push_back(answer);
  s.ws.exam_students.push_back(row);
  const auto id = row.student_id;
  stage(self, s, live_audience::only, id,
        px::evt::answer_submitted{st.def.exam_id, c.question_id, now,
                                  row.answered_count});
  stage(self, s, live_audience::monitors, {},
        px::evt::progress_update{st.def.exam_id, id, row.answered_count,
                                 c.question_id, spent,
                                 remaining_s(row.ends_at, now),
                                 px::status::active});
  commit(self, std::move(s),
         hooks{[=] {
                 auto& stu = self->state.students.at(id);
                 stu.answers[answer.question_id] = answer;
                 stu.row = row;
                 stu.seen_dirty = false;
                 // The acknowledgement, then answer-submitted: both after
                 // the commit.
                 if (ack)
                   send_to(self, {from.at},
                           sio::outgoing{sio::out::ack{
                             *ack, px::ack_saved(now, row.answered_count), {}}});
               },
               {},
               [=](const caf::error&) {
                 error_to(self, from, ack, error_code::store_unavailable,
                          "the answer could not be saved; try again");
               }});
}

void end_by_student(exam_self self, std::uint64_t key, const px::cmd::end_exam& c,
                    std::optional<std::uint64_t> ack) {
  auto* stu = student_of(self, key, c.exam_id, ack);
  if (stu == nullptr)
    return;
  auto from = self->state.sockets.at(key).sock.from;
  if (refuse_if_over(self, *stu, from, ack))
    return;
  end_student(self, stu->row.student_id, px::submission::manual, c.final_score,
              from, ack);
}

void heartbeat(exam_self self, std::uint64_t key,
               std::optional<std::uint64_t> ack) {
  auto& st = self->state;
  auto& s = st.sockets.at(key);
  auto now = now_ms(self);
  if (ack)
    send_to(self, {s.sock.from.at},
            sio::outgoing{sio::out::ack{*ack, px::ack_heartbeat(now), {}}});
  if (s.monitor())
    return;
  auto i = st.students.find(s.sock.who.user_id);
  if (i != st.students.end() && i->second.socket == key) {
    // Written with the student's next row, or by the next tick.
    i->second.row.last_seen_at = now;
    i->second.seen_dirty = true;
  }
}

void end_student(exam_self self, const std::string& student_id,
                 px::submission type, std::string final_score,
                 std::optional<sio_from> by, std::optional<std::uint64_t> ack) {
  auto& st = self->state;
  auto now = now_ms(self);
  auto row = st.students.at(student_id).row;
  row.status = "ended";
  row.ended_at = now;
  row.submission_type = std::string{px::to_string(type)};
  row.final_score = std::move(final_score);
  if (type == px::submission::manual)
    row.last_seen_at = now;
  step s;
  s.ws.exam_students.push_back(row);
  stage(self, s, live_audience::only, student_id,
        px::evt::exam_ended{st.def.exam_id, {}, now, type});
  stage(self, s, live_audience::monitors, {},
        px::evt::exam_ended{st.def.exam_id, student_id, now, type});
  commit(self, std::move(s),
         hooks{[=] {
                 auto& stu = self->state.students.at(student_id);
                 stu.row = row;
                 stu.seen_dirty = false;
                 spdlog::info("exam {} ends the sitting of {} ({})",
                              self->state.def.exam_id, student_id,
                              px::to_string(type));
               },
               {},
               [=](const caf::error&) {
                 if (by) {
                   error_to(self, *by, ack, error_code::store_unavailable,
                            "the end could not be saved; try again");
                   return;
                 }
                 // A time that ran out: try again in a second.
                 self->delayed_send(self, std::chrono::seconds{1},
                                    exam_deadline{student_id, row.ends_at});
               }});
}

void on_deadline(exam_self self, const exam_deadline& d) {
  auto& st = self->state;
  auto i = st.students.find(d.student_id);
  if (i == st.students.end() || ended(i->second) || i->second.row.ends_at != d.ends_at)
    return;
  if (now_ms(self) < d.ends_at) {
    arm_deadline(self, i->second);
    return;
  }
  end_student(self, d.student_id, px::submission::timeout, {}, std::nullopt,
              std::nullopt);
}

void drop(exam_self self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.sockets.find(key);
  if (i == st.sockets.end())
    return;
  auto gone = std::move(i->second);
  st.sockets.erase(i);
  update_stats(self);
  auto now = now_ms(self);
  step s;
  if (!gone.sock.pid.empty())
    s.ws.live_pids.push_back(pid_of(self, gone, now));
  auto stu = st.students.find(gone.sock.who.user_id);
  if (gone.monitor() || stu == st.students.end() || stu->second.socket != key) {
    // A monitor, or a student already on another socket: only the pid.
    commit(self, std::move(s), hooks{});
    return;
  }
  const auto id = stu->second.row.student_id;
  auto row = stu->second.row;
  if (row.status == "active")
    row.status = "disconnected";
  s.ws.exam_students.push_back(row);
  stage(self, s, live_audience::monitors, {},
        px::evt::student_disconnected{st.def.exam_id, id, now});
  auto apply = [=] {
    auto& stu = self->state.students.at(id);
    stu.row = row;
    stu.socket = 0;
    stu.seen_dirty = false;
  };
  commit(self, std::move(s),
         hooks{apply, {}, [=](const caf::error&) {
                 // The transport is gone whatever the store says.
                 apply();
                 update_stats(self);
               }});
  spdlog::debug("exam {} loses the socket of {}", st.def.exam_id, id);
}

} // namespace proctord::exam_detail
