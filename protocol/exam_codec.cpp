// The exams' Socket.IO events (seed 004; protocol/README.md, "Exam
// monitoring"): client events in, typed commands out, and typed events to
// their wire form. Order of checks in decode: the payload (depth, JSON, an
// object at the top), then each member in the order the command lists them;
// the first problem is the INVALID_PAYLOAD message, naming the member.

#include "protocol/contest_json.hpp" // number_text
#include "protocol/exam.hpp"
#include "protocol/exam_json.hpp"
#include "protocol/iso_time.hpp"
#include "protocol/json_limits.hpp"
#include "protocol/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace proctord::protocol::exam {

namespace {

// Ordered: the client's raw members (deviceInfo, answer, ...) keep their
// keys in the order it sent them.
using json = nlohmann::ordered_json;
using protocol::detail::json_writer;

/// A JSON number as JavaScript writes it (number_text takes a plain json).
std::string js_number(const json& v) {
  if (v.is_number_unsigned())
    return contest::detail::number_text(nlohmann::json(v.get<std::uint64_t>()));
  if (v.is_number_integer())
    return contest::detail::number_text(nlohmann::json(v.get<std::int64_t>()));
  return contest::detail::number_text(nlohmann::json(v.get<double>()));
}

/// Deepest nesting of a payload (the Socket.IO door checks the whole
/// packet against the same bound; a payload cannot be deeper).
constexpr std::size_t max_depth = 32;

/// A member problem: becomes cmd::invalid.
struct bad {
  std::string message;
};

/// The first argument as an object; `optional` payloads may be absent
/// (then an empty object).
json payload(std::string_view args, bool optional) {
  if (args.empty()) {
    if (optional)
      return json::object();
    throw bad{"a payload object is required"};
  }
  if (json_depth(args, max_depth) > max_depth)
    throw bad{"the payload is nested deeper than " + std::to_string(max_depth)
              + " levels"};
  // A NUL would end nlohmann's input early (see native_codec.cpp).
  if (args.find('\0') != std::string_view::npos)
    throw bad{"a payload object is required"};
  // The arguments are JSON values separated by commas: parse them as an
  // array and take the first.
  std::string text;
  text.reserve(args.size() + 2);
  text.append("[").append(args).append("]");
  auto arr = json::parse(text, nullptr, false);
  if (arr.is_discarded() || !arr.is_array() || arr.empty())
    throw bad{"a payload object is required"};
  if (arr[0].is_null() && optional)
    return json::object();
  if (!arr[0].is_object())
    throw bad{"a payload object is required"};
  return std::move(arr[0]);
}

/// The member `name`, or nullptr when absent or null.
const json* find(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null())
    return nullptr;
  return &*it;
}

/// A non-empty string of at most `max` bytes; "" when absent and optional.
std::string id(const json& obj, const char* name, std::size_t max,
               bool required) {
  const json* v = find(obj, name);
  if (v == nullptr) {
    if (required)
      throw bad{std::string{name} + " is required"};
    return {};
  }
  if (!v->is_string() || v->get_ref<const std::string&>().empty()
      || v->get_ref<const std::string&>().size() > max)
    throw bad{std::string{name} + " must be a string of 1-" + std::to_string(max)
              + " characters"};
  return v->get<std::string>();
}

/// Any JSON value, compact, of at most `max` bytes; "null" when absent.
std::string raw(const json& obj, const char* name, std::size_t max) {
  auto it = obj.find(name);
  if (it == obj.end())
    return "null";
  auto text = it->dump();
  if (text.size() > max)
    throw bad{std::string{name} + " must be at most " + std::to_string(max)
              + " bytes of JSON"};
  return text;
}

template <class F>
command guarded(std::optional<std::uint64_t> ack, F f) {
  try {
    return command{f(), ack};
  } catch (bad& b) {
    return command{cmd::invalid{std::move(b.message)}, ack};
  }
}

cmd::join_exam_session join(std::string_view args, const limits& lim) {
  auto obj = payload(args, false);
  cmd::join_exam_session c;
  c.exam_id = id(obj, "examId", lim.max_id, true);
  c.session_id = id(obj, "sessionId", lim.max_id, false);
  c.device_info = raw(obj, "deviceInfo", lim.max_info);
  c.network_info = raw(obj, "networkInfo", lim.max_info);
  return c;
}

cmd::submit_answer submit(std::string_view args, const limits& lim) {
  auto obj = payload(args, false);
  cmd::submit_answer c;
  c.exam_id = id(obj, "examId", lim.max_id, false);
  c.question_id = id(obj, "questionId", lim.max_id, true);
  if (obj.find("answer") == obj.end())
    throw bad{"answer is required"};
  c.answer = raw(obj, "answer", lim.max_answer);
  if (const json* t = find(obj, "timeSpent")) {
    if (!t->is_number() || !std::isfinite(t->get<double>())
        || t->get<double>() < 0)
      throw bad{"timeSpent must be a number of seconds, 0 or more"};
    c.time_spent = t->get<double>();
  }
  return c;
}

cmd::end_exam end(std::string_view args, const limits& lim) {
  auto obj = payload(args, true);
  cmd::end_exam c;
  c.exam_id = id(obj, "examId", lim.max_id, false);
  if (const json* t = find(obj, "submissionType"))
    // A client ends its own exam by hand; timeout and forced are the
    // server's to say.
    if (!t->is_string() || *t != "manual")
      throw bad{"submissionType must be \"manual\""};
  if (const json* s = find(obj, "finalScore")) {
    if (!s->is_number() || !std::isfinite(s->get<double>()))
      throw bad{"finalScore must be a number"};
    c.final_score = js_number(*s);
  }
  return c;
}

cmd::join_monitoring monitor(std::string_view args, const limits& lim) {
  auto obj = payload(args, false);
  return cmd::join_monitoring{id(obj, "examId", lim.max_id, true)};
}

cmd::leave_monitoring unmonitor(std::string_view args, const limits& lim) {
  auto obj = payload(args, true);
  return cmd::leave_monitoring{id(obj, "examId", lim.max_id, false)};
}

cmd::force_end_exam force(std::string_view args, const limits& lim) {
  auto obj = payload(args, false);
  cmd::force_end_exam c;
  c.exam_id = id(obj, "examId", lim.max_id, true);
  c.student_id = id(obj, "studentId", lim.max_id, true);
  return c;
}

// -- encoding -----------------------------------------------------------------

using detail::raw_or_null;
using detail::time_or_null;
using detail::write_number;
using detail::write_session;

void string_or_null(json_writer& w, std::string_view key, const std::string& s) {
  if (s.empty())
    w.null_field(key);
  else
    w.field(key, s);
}

struct encoder {
  wire_event operator()(const evt::exam_session_joined& e) const {
    json_writer w{192 + e.exam_id.size() + e.session_id.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.field("sessionId", e.session_id);
    w.field("startedAt", to_iso(e.started_at));
    w.field("endsAt", to_iso(e.ends_at));
    w.field("timeRemaining", e.time_remaining);
    w.field("answeredCount", e.answered_count);
    w.end_object();
    return {"exam-session-joined", std::move(w).take()};
  }
  wire_event operator()(const evt::answer_submitted& e) const {
    json_writer w{128 + e.exam_id.size() + e.question_id.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.field("questionId", e.question_id);
    w.field("savedAt", to_iso(e.saved_at));
    w.field("answeredCount", e.answered_count);
    w.end_object();
    return {"answer-submitted", std::move(w).take()};
  }
  wire_event operator()(const evt::exam_ended& e) const {
    json_writer w{128 + e.exam_id.size() + e.student_id.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    if (!e.student_id.empty())
      w.field("studentId", e.student_id);
    w.field("endedAt", to_iso(e.ended_at));
    w.field("submissionType", to_string(e.type));
    w.end_object();
    return {"exam-ended", std::move(w).take()};
  }
  wire_event operator()(const evt::student_time& e) const {
    json_writer w{96 + e.exam_id.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.field("timeRemaining", e.time_remaining);
    w.field("endsAt", to_iso(e.ends_at));
    w.end_object();
    return {"time-update", std::move(w).take()};
  }
  wire_event operator()(const evt::monitor_time& e) const {
    json_writer w{96 + e.exam_id.size() + 96 * e.students.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.field("serverTime", to_iso(e.server_time));
    w.begin_array("students");
    for (const auto& s : e.students) {
      w.begin_object();
      w.field("studentId", s.student_id);
      w.field("timeRemaining", s.time_remaining);
      w.field("endsAt", to_iso(s.ends_at));
      w.end_object();
    }
    w.end_array();
    w.end_object();
    return {"time-update", std::move(w).take()};
  }
  wire_event operator()(const evt::monitoring_joined& e) const {
    json_writer w{64 + e.exam_id.size() + 512 * e.students.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.begin_array("students");
    for (const auto& s : e.students) {
      w.begin_object();
      write_session(w, s);
      w.end_object();
    }
    w.end_array();
    w.end_object();
    return {"monitoring-joined", std::move(w).take()};
  }
  wire_event operator()(const evt::student_joined& e) const {
    json_writer w{512 + e.exam_id.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.begin_object("student");
    write_session(w, e.student);
    w.end_object();
    w.end_object();
    return {"student-joined", std::move(w).take()};
  }
  wire_event operator()(const evt::student_disconnected& e) const {
    json_writer w{96 + e.exam_id.size() + e.student_id.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.field("studentId", e.student_id);
    w.field("at", to_iso(e.at));
    w.end_object();
    return {"student-disconnected", std::move(w).take()};
  }
  wire_event operator()(const evt::progress_update& e) const {
    json_writer w{192 + e.exam_id.size() + e.student_id.size()
                  + e.last_question_id.size()};
    w.begin_object();
    w.field("examId", e.exam_id);
    w.field("studentId", e.student_id);
    w.field("answeredCount", e.answered_count);
    string_or_null(w, "lastQuestionId", e.last_question_id);
    write_number(w, "timeSpent", e.time_spent);
    w.field("timeRemaining", e.time_remaining);
    w.field("status", to_string(e.at));
    w.end_object();
    return {"progress-update", std::move(w).take()};
  }
  wire_event operator()(const evt::error& e) const {
    json_writer w{64 + e.message.size()};
    w.begin_object();
    w.field("code", to_string(e.code));
    w.field("message", e.message);
    w.end_object();
    return {"exam-error", std::move(w).take()};
  }
};

} // namespace

std::string_view to_string(error_code c) {
  switch (c) {
    case error_code::forbidden: return "FORBIDDEN";
    case error_code::exam_not_found: return "EXAM_NOT_FOUND";
    case error_code::not_in_exam: return "NOT_IN_EXAM";
    case error_code::exam_ended: return "EXAM_ENDED";
    case error_code::invalid_payload: return "INVALID_PAYLOAD";
    case error_code::session_replaced: return "SESSION_REPLACED";
    case error_code::store_unavailable: return "STORE_UNAVAILABLE";
    case error_code::rate_limited: return "RATE_LIMITED";
  }
  return "INVALID_PAYLOAD";
}

std::string_view to_string(submission s) {
  switch (s) {
    case submission::manual: return "manual";
    case submission::timeout: return "timeout";
    case submission::forced: return "forced";
  }
  return "manual";
}

std::string_view to_string(status s) {
  switch (s) {
    case status::active: return "active";
    case status::disconnected: return "disconnected";
    case status::ended: return "ended";
  }
  return "active";
}

std::optional<command> decode(std::string_view name, std::string_view args,
                              std::optional<std::uint64_t> ack,
                              const limits& lim) {
  try {
    if (name == "join-exam-session")
      return guarded(ack, [&] { return join(args, lim); });
    if (name == "submit-answer")
      return guarded(ack, [&] { return submit(args, lim); });
    if (name == "end-exam")
      return guarded(ack, [&] { return end(args, lim); });
    if (name == "heartbeat")
      return command{cmd::heartbeat{}, ack};
    if (name == "join-monitoring")
      return guarded(ack, [&] { return monitor(args, lim); });
    if (name == "leave-monitoring")
      return guarded(ack, [&] { return unmonitor(args, lim); });
    if (name == "force-end-exam")
      return guarded(ack, [&] { return force(args, lim); });
  } catch (...) {
    // Only std::bad_alloc can get here.
    return command{cmd::invalid{"the payload could not be read"}, ack};
  }
  return std::nullopt;
}

wire_event encode(const event& e) {
  return std::visit(encoder{}, e);
}

std::string ack_saved(std::int64_t saved_at, std::int32_t answered_count) {
  json_writer w{80};
  w.begin_object();
  w.field("ok", true);
  w.field("savedAt", to_iso(saved_at));
  w.field("answeredCount", answered_count);
  w.end_object();
  return std::move(w).take();
}

std::string ack_refused(error_code code, std::string_view message) {
  json_writer w{64 + message.size()};
  w.begin_object();
  w.field("ok", false);
  w.field("code", to_string(code));
  w.field("message", message);
  w.end_object();
  return std::move(w).take();
}

std::string ack_heartbeat(std::int64_t server_time) {
  json_writer w{64};
  w.begin_object();
  w.field("ok", true);
  w.field("serverTime", to_iso(server_time));
  w.end_object();
  return std::move(w).take();
}

namespace detail {

using protocol::detail::json_writer;

void write_number(json_writer& w, std::string_view key, double d) {
  w.raw_field(key, contest::detail::number_text(nlohmann::json(d)));
}

void raw_or_null(json_writer& w, std::string_view key,
                 const std::string& json_text) {
  if (json_text.empty())
    w.null_field(key);
  else
    w.raw_field(key, json_text);
}

void time_or_null(json_writer& w, std::string_view key, std::int64_t ms) {
  if (ms == 0)
    w.null_field(key);
  else
    w.field(key, to_iso(ms));
}

void write_session(json_writer& w, const student_session& s) {
  w.field("studentId", s.student_id);
  w.field("name", s.name);
  w.field("sessionId", s.session_id);
  w.field("status", to_string(s.at));
  w.field("connected", s.connected);
  w.field("answeredCount", s.answered_count);
  if (s.last_question_id.empty())
    w.null_field("lastQuestionId");
  else
    w.field("lastQuestionId", s.last_question_id);
  time_or_null(w, "startedAt", s.started_at);
  time_or_null(w, "endsAt", s.ends_at);
  time_or_null(w, "lastSeenAt", s.last_seen_at);
  raw_or_null(w, "deviceInfo", s.device_info);
  raw_or_null(w, "networkInfo", s.network_info);
}

} // namespace detail

} // namespace proctord::protocol::exam
