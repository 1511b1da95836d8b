// The exams' dialect, `sio-exam`: seed 004's live exam monitoring as a
// load client sees it (protocol/README.md, "Exam monitoring"), on
// namespace "/" of /socket.io/.
//
// Each room slot is one exam; its hosts are teachers, its participants
// students (the token's `role` says so). Before the ramp the dialect
// creates every exam (POST /api/exams {title, durationMinutes,
// questionCount} with the room's first teacher's token; the admin's when
// the room has no teacher) and publishes its id. A socket opens a
// WebSocket at `<path>?EIO=4&transport=websocket`, sends CONNECT with
// {"token"} and, at the answer (its handshake ends there), joins: a teacher
// with `join-monitoring` {examId} (in at `monitoring-joined`), a student
// with `join-exam-session` {examId, deviceInfo, networkInfo} (in at
// `exam-session-joined`); join latency is from the join to that answer.
//
// The workload: each student sends `submit-answer` {examId, questionId,
// answer, timeSpent} with an ack id at `participant.submit.perSecond`,
// cycling through q1 … q<exam.questionCount> (a resubmitted question
// replaces its answer). The server acknowledges it after the commit
// ({ok:true, savedAt, answeredCount}): send → ack is the ack latency, the
// commit latency a student sees. Each saved answer expects one
// `answer-submitted` to its student and one `progress-update` to each
// monitoring teacher (loss figures `answerSubmitted`, `progressUpdate`).
// A refusal ({ok:false, code}) is `answerRefused` and an error
// `refused:<code>`; every `exam-error` is an error `EXAM_ERROR:<code>`.

#include "sio_live.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace {

using json = nlohmann::json;

/// A teacher: monitors its exam and counts what the students do.
class monitor_socket : public live_socket {
public:
  using live_socket::live_socket;

  bool act(session_io&, action) override { return false; }

private:
  void connected(session_io& io) override {
    if (!spec_.plan->join_rooms) {
      enter(io, audience::not_counted);
      return;
    }
    joining_at_ = io.now_ns();
    emit(io, "join-monitoring", json({{"examId", spec_.room->id()}}).dump());
  }

  void event(session_io& io, const sio::frame& f) override {
    if (f.event == "progress-update") {
      io.delivered(tally::progress_update);
    } else if (f.event == "time-update") {
      io.delivered(tally::time_update);
    } else if (f.event == "student-joined" || f.event == "student-disconnected"
               || f.event == "exam-ended") {
      io.delivered(tally::presence);
    } else if (f.event == "monitoring-joined") {
      if (!in()) {
        io.record(latency_kind::join, io.now_ns() - joining_at_);
        enter(io, audience::counted); // progress-updates come to it
      }
    } else if (f.event == "exam-error") {
      io.error("EXAM_ERROR:" + std::string(sio::string_field(f.data, "code")));
    } else {
      io.error("unexpected event " + std::string(f.event.substr(0, 64)));
    }
  }

  bool live_only(std::string_view event) const override {
    return event == "time-update";
  }
  std::string_view error_event() const override { return "exam-error"; }
};

/// A student: takes its exam and answers at the scenario's rate.
class student_socket : public live_socket {
public:
  using live_socket::live_socket;

  bool act(session_io& io, action a) override {
    if (a != action::submit || !in())
      return false;
    auto now = io.now_ns();
    auto& plan = *spec_.plan;
    auto question = "q" + std::to_string(next_question_++ % plan.exam.question_count + 1);
    // Seconds since the last answer, to the ms, as a client would count.
    auto spent = static_cast<double>((now - last_answer_at_) / 1'000'000) / 1000.0;
    last_answer_at_ = now;
    auto id = next_ack_++;
    io.send(sio::event_packet(sio::root_nsp, "submit-answer",
                              json({{"examId", spec_.room->id()},
                                    {"questionId", question},
                                    {"answer", stamped_text(now, plan.participant.submit.bytes)},
                                    {"timeSpent", spent}})
                                .dump(),
                              id));
    outstanding_[id] = now;
    io.expect(tally::answer_ack, 1);
    return true;
  }

private:
  void connected(session_io& io) override {
    if (!spec_.plan->join_rooms) {
      enter(io, audience::not_counted);
      return;
    }
    joining_at_ = io.now_ns();
    emit(io, "join-exam-session",
         json({{"examId", spec_.room->id()},
               {"deviceInfo", {{"userAgent", "proctor-load"}, {"platform", "linux"}}},
               {"networkInfo", {{"effectiveType", "loopback"}}}})
           .dump());
  }

  void event(session_io& io, const sio::frame& f) override {
    if (f.event == "answer-submitted") {
      io.delivered(tally::answer_submitted);
    } else if (f.event == "time-update") {
      io.delivered(tally::time_update);
    } else if (f.event == "exam-session-joined") {
      if (!in()) {
        io.record(latency_kind::join, io.now_ns() - joining_at_);
        last_answer_at_ = io.now_ns();
        enter(io, audience::not_counted);
      }
    } else if (f.event == "exam-error") {
      io.error("EXAM_ERROR:" + std::string(sio::string_field(f.data, "code")));
    } else if (f.event == "exam-ended") {
      // Its time ran out, or a teacher ended it: no more answers.
      io.error("exam-ended:" + std::string(sio::string_field(f.data, "submissionType")));
      leave();
    } else {
      io.error("unexpected event " + std::string(f.event.substr(0, 64)));
    }
  }

  void ack(session_io& io, const sio::frame& f) override {
    auto it = outstanding_.find(static_cast<std::uint64_t>(f.ack));
    if (it == outstanding_.end()) {
      io.error("ack for nothing sent");
      return;
    }
    auto took = io.now_ns() - it->second;
    outstanding_.erase(it);
    if (sio::boolean_field(f.data, "ok") == true) {
      io.record(latency_kind::ack, took);
      io.delivered(tally::answer_ack);
      io.expect(tally::answer_submitted, 1);
      auto monitors = spec_.room->audience.load(std::memory_order_relaxed);
      if (monitors > 0)
        io.expect(tally::progress_update, monitors);
    } else {
      io.expect(tally::answer_ack, -1);
      io.delivered(tally::answer_refused);
      io.error("refused:" + std::string(sio::string_field(f.data, "code")));
    }
  }

  void dropped(session_io& io) override {
    // What was in flight is not going to be acknowledged on this socket.
    if (!outstanding_.empty())
      io.expect(tally::answer_ack, -static_cast<std::int64_t>(outstanding_.size()));
    outstanding_.clear();
  }

  bool live_only(std::string_view event) const override {
    return event == "time-update";
  }
  std::string_view error_event() const override { return "exam-error"; }

  std::uint64_t next_ack_ = 0;
  std::size_t next_question_ = 0;
  std::int64_t last_answer_at_ = 0;
  std::map<std::uint64_t, std::int64_t> outstanding_; // ack id → sent at
};

std::string reply_text(const http_reply& r) {
  return r.status ? "status " + std::to_string(r.status) + " " + r.body.substr(0, 300)
                  : r.error;
}

class exam_dialect : public dialect {
public:
  std::string_view name() const override { return "sio-exam"; }

  std::string check(const scenario& s) const override {
    auto& p = s.participant;
    auto& h = s.host;
    if (p.heartbeat.enabled() || p.announce.enabled() || p.code_change.enabled()
        || p.violation.enabled() || p.cursor.enabled() || h.heartbeat.enabled()
        || h.announce.enabled() || h.cursor.enabled())
      return "in the sio-exam dialect teachers only monitor: only "
             "participant.submit, the students' answers, has a rate";
    auto run = s.warmup_seconds + s.duration_seconds + s.drain_seconds;
    if (s.join_rooms && static_cast<double>(s.exam.duration_minutes) * 60 < run + 60)
      return "exam.durationMinutes (" + std::to_string(s.exam.duration_minutes)
             + ") must outlast the run (warmup + duration + drain + a minute for "
               "the ramp), or the students' time runs out";
    return live_check(s, name());
  }

  std::string target(const scenario& s, const std::string&) const override {
    return live_target(s);
  }

  std::unique_ptr<dialect_session> make_session(client_spec spec) const override {
    if (spec.who == role::host)
      return std::make_unique<monitor_socket>(std::move(spec));
    return std::make_unique<student_socket>(std::move(spec));
  }

  std::string role_claim(role who) const override {
    return who == role::host ? "teacher" : "student";
  }

  bool handshake_in_session() const override { return true; }

  void before_ramp(run_context& ctx) override {
    if (!ctx.plan.join_rooms)
      return;
    auto t0 = std::chrono::steady_clock::now();
    // A teacher creates its exam: the first one of each room.
    std::map<const room_slot*, std::string> teacher;
    for (auto* spec : ctx.clients)
      if (spec->who == role::host && !teacher.count(spec->room))
        teacher[spec->room] = spec->token;
    auto& plan = ctx.plan;
    for (auto& room : ctx.rooms) {
      auto it = teacher.find(&room);
      auto& token = it == teacher.end() ? ctx.admin_token : it->second;
      json body = {{"title", "load " + (plan.name.empty() ? std::string("exam") : plan.name)
                               + " " + std::to_string(room.index)},
                   {"durationMinutes", plan.exam.duration_minutes},
                   {"questionCount", plan.exam.question_count}};
      auto reply = ctx.http.call("POST", "/api/exams", token, body.dump());
      auto j = json::parse(reply.body, nullptr, false);
      if (reply.status != 201 || !j.is_object() || !j.contains("examId")
          || !j["examId"].is_string())
        throw std::runtime_error("POST /api/exams: " + reply_text(reply));
      room.publish(j["examId"].get<std::string>());
    }
    std::fprintf(stderr, "proctor-load: created %zu exams in %.1f s\n", ctx.rooms.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                   .count());
    std::fflush(stderr);
  }
};

} // namespace

std::unique_ptr<dialect> make_sio_exam_dialect() {
  return std::make_unique<exam_dialect>();
}

} // namespace proctord::load
