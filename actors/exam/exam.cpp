#include "actors/exam/exam.hpp"

#include "actors/exam/exam_steps.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

namespace proctord {

namespace {

using namespace exam_detail;
using px::error_code;

/// A command of one of the exam's sockets, dispatched by its kind.
struct on_command {
  exam_self self;
  std::uint64_t key;
  std::optional<std::uint64_t> ack;

  exam_socket& sock() const { return self->state.sockets.at(key); }

  void operator()(const px::cmd::join_exam_session& c) const {
    auto& s = sock();
    if (s.monitor())
      return error_to(self, s.sock.from, ack, error_code::forbidden,
                      "only students take exams");
    if (c.exam_id != self->state.def.exam_id)
      return error_to(self, s.sock.from, ack, error_code::forbidden,
                      "this socket is in exam " + self->state.def.exam_id
                        + "; open another connection for another exam");
    student_join(self, s.sock, c, ack, false);
  }
  void operator()(const px::cmd::submit_answer& c) const { submit(self, key, c, ack); }
  void operator()(const px::cmd::end_exam& c) const {
    end_by_student(self, key, c, ack);
  }
  void operator()(const px::cmd::heartbeat&) const { heartbeat(self, key, ack); }
  void operator()(const px::cmd::join_monitoring& c) const {
    auto& s = sock();
    if (!s.monitor())
      return error_to(self, s.sock.from, ack, error_code::forbidden,
                      "only teachers monitor exams");
    if (c.exam_id == self->state.def.exam_id)
      return monitor_join(self, s.sock, ack, false);
    // Another exam: this one lets the socket go, then the directory takes
    // the command (in this order: one sender, one order).
    auto from = s.sock.from;
    leave_monitoring(self, key, px::cmd::leave_monitoring{}, ack);
    self->send(self->state.directory, from,
               sio::command{px::command{c, ack}});
  }
  void operator()(const px::cmd::leave_monitoring& c) const {
    leave_monitoring(self, key, c, ack);
  }
  void operator()(const px::cmd::force_end_exam& c) const {
    force_end(self, key, c, ack);
  }
  void operator()(const px::cmd::invalid& c) const {
    error_to(self, sock().sock.from, ack, error_code::invalid_payload, c.message);
  }
};

void dispatch(exam_self self, const exam_socket_cmd& c) {
  auto& st = self->state;
  auto key = exam_socket_key(c.from.at);
  auto i = st.sockets.find(key);
  if (i == st.sockets.end()) {
    // Not (or no longer) one of ours: its join was refused, or it left
    // monitoring. The directory, which has it back by now, answers.
    self->send(st.directory, c.from, sio::command{c.cmd});
    return;
  }
  if (i->second.at != exam_socket::phase::live)
    return; // recovering: its client cannot send before CONNECT
  if (c.rate_limited)
    return error_to(self, c.from, c.cmd.ack, error_code::rate_limited,
                    "too many events; slow down");
  std::visit(on_command{self, key, c.cmd.ack}, c.cmd.what);
}

void enter(exam_self self, const exam_enter& e) {
  if (auto* j = std::get_if<px::cmd::join_exam_session>(&e.cmd.what))
    student_join(self, e.sock, *j, e.cmd.ack, true);
  else if (std::holds_alternative<px::cmd::join_monitoring>(e.cmd.what))
    monitor_join(self, e.sock, e.cmd.ack, true);
  else
    release(self, e.sock.from, exam_released::why::waiting);
}

// -- REST ----------------------------------------------------------------------

px::exam_info info(exam_self self) {
  auto& st = self->state;
  px::exam_info i{st.def.exam_id, st.def.title, st.def.duration_s,
                  st.def.question_count, st.def.created_by, st.def.created_at,
                  0, 0, 0};
  for (auto& [id, s] : st.students) {
    switch (status_of(s.row)) {
      case px::status::active: ++i.active; break;
      case px::status::disconnected: ++i.disconnected; break;
      case px::status::ended: ++i.ended; break;
    }
  }
  return i;
}

exam_reply results(exam_self self) {
  exam_reply r;
  r.exam = info(self);
  for (auto& [id, s] : self->state.students) {
    px::student_result out;
    out.session = session_of(self, s);
    out.time_spent = s.row.time_spent;
    out.ended_at = s.row.ended_at;
    out.type = s.row.submission_type == "timeout" ? px::submission::timeout
               : s.row.submission_type == "forced" ? px::submission::forced
                                                   : px::submission::manual;
    out.final_score = s.row.final_score;
    for (auto& [qid, a] : s.answers)
      out.answers.push_back(px::answer_view{qid, a.answer, a.time_spent, a.saved_at});
    std::sort(out.answers.begin(), out.answers.end(), [](auto& a, auto& b) {
      return std::tie(a.saved_at, a.question_id) < std::tie(b.saved_at, b.question_id);
    });
    r.students.push_back(std::move(out));
  }
  std::sort(r.students.begin(), r.students.end(), [](auto& a, auto& b) {
    return std::tie(a.session.started_at, a.session.student_id)
           < std::tie(b.session.started_at, b.session.student_id);
  });
  return r;
}

/// After a restart nobody is connected: the students stored as active are
/// disconnected, and the monitors' log says so (a teacher recovering from
/// before the restart sees them go).
void disconnect_all(exam_self self) {
  auto& st = self->state;
  auto now = now_ms(self);
  step s;
  std::vector<std::string> ids;
  for (auto& [id, stu] : st.students) {
    if (stu.row.status != "active")
      continue;
    auto row = stu.row;
    row.status = "disconnected";
    s.ws.exam_students.push_back(row);
    stage(self, s, live_audience::monitors, {},
          px::evt::student_disconnected{st.def.exam_id, id, now});
    ids.push_back(id);
  }
  if (ids.empty())
    return;
  auto apply = [=] {
    for (auto& id : ids)
      self->state.students.at(id).row.status = "disconnected";
  };
  commit(self, std::move(s), hooks{apply, {}, [=](const caf::error&) { apply(); }});
}

} // namespace

exam_actor::behavior_type exam(exam_self self, exam_config cfg,
                               store_actor store, relay_actor relay,
                               exam_directory_actor directory,
                               std::shared_ptr<exam_stats> stats,
                               contest::wall_clock wall, exam_seed seed) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.relay = std::move(relay);
  st.directory = std::move(directory);
  st.stats = std::move(stats);
  st.clock = wall;
  st.def = std::move(seed.def);
  st.log.emplace(std::string{exam_detail::domain}, st.def.exam_id, seed.last_seq);
  for (auto& row : seed.students) {
    auto id = row.student_id;
    st.students[id].row = std::move(row);
  }
  for (auto& a : seed.answers)
    if (auto i = st.students.find(a.student_id); i != st.students.end())
      i->second.answers[a.question_id] = std::move(a);
  update_stats(self);
  run(self, [self] { disconnect_all(self); });
  // Running students' deadlines resume.
  for (auto& [id, s] : st.students)
    arm_deadline(self, s);
  return {
    [=](exam_enter& e) { run(self, [self, e] { enter(self, e); }); },
    [=](exam_restore& r) { restore(self, std::move(r)); },
    [=](exam_socket_cmd& c) { run(self, [self, c] { dispatch(self, c); }); },
    [=](sio_from& f, leave_atom) {
      auto key = exam_socket_key(f.at);
      // Nothing more reaches it; the step that shows the drop follows
      // (also for a socket whose join is committing: it runs after).
      if (auto i = self->state.sockets.find(key); i != self->state.sockets.end())
        i->second.at = exam_socket::phase::gone;
      run(self, [self, key] { drop(self, key); });
    },
    [=](exam_request& r) -> exam_reply {
      if (r.what == exam_request::op::results)
        return results(self);
      exam_reply reply;
      reply.exam = info(self);
      return reply;
    },
    [=](exam_deadline& d) { run(self, [self, d] { on_deadline(self, d); }); },
    [=](exam_tick_atom) { tick(self); },
  };
}

} // namespace proctord
