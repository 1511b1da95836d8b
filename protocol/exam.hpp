#pragma once
// Live exam monitoring (seed 004): the typed commands a socket of namespace
// "/" at /socket.io/ sends, the events it receives, and their Socket.IO wire
// form. The seed names client methods; protocol/README.md lists the events.
// Times are ms since the Unix epoch in the types, ISO-8601 UTC with
// milliseconds and `Z` on the wire; durations are seconds.
//
// Identity and role never come from a payload: the token says who a socket
// is (student, teacher, admin).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace proctord::protocol::exam {

/// `exam-error` {code, message}.
enum class error_code : std::uint8_t {
  forbidden,         // FORBIDDEN
  exam_not_found,    // EXAM_NOT_FOUND
  not_in_exam,       // NOT_IN_EXAM
  exam_ended,        // EXAM_ENDED
  invalid_payload,   // INVALID_PAYLOAD
  session_replaced,  // SESSION_REPLACED
  store_unavailable, // STORE_UNAVAILABLE
  rate_limited,      // RATE_LIMITED
};

std::string_view to_string(error_code c);

/// How a student's exam ended.
enum class submission : std::uint8_t { manual, timeout, forced };

std::string_view to_string(submission s);

/// A student's status in an exam.
enum class status : std::uint8_t { active, disconnected, ended };

std::string_view to_string(status s);

namespace cmd {

/// `join-exam-session` {examId, sessionId?, deviceInfo, networkInfo}.
/// deviceInfo / networkInfo are kept as the client's raw JSON ("null" when
/// absent), bounded in size.
struct join_exam_session {
  std::string exam_id;
  std::string session_id; // "" when absent: the server makes one
  std::string device_info = "null";
  std::string network_info = "null";
};

/// `submit-answer` {examId?, questionId, answer, timeSpent}.
struct submit_answer {
  std::string exam_id; // "" when absent
  std::string question_id;
  std::string answer; // raw JSON value
  double time_spent = 0; // seconds
};

/// `end-exam` {examId?, submissionType: "manual", finalScore?}.
struct end_exam {
  std::string exam_id;       // "" when absent
  std::string final_score;   // raw JSON number, "" when absent
};

/// `heartbeat` (any payload).
struct heartbeat {};

/// `join-monitoring` {examId}.
struct join_monitoring {
  std::string exam_id;
};

/// `leave-monitoring` {examId}.
struct leave_monitoring {
  std::string exam_id;
};

/// `force-end-exam` {examId, studentId}.
struct force_end_exam {
  std::string exam_id;
  std::string student_id;
};

/// A known event whose payload is wrong: answered INVALID_PAYLOAD.
struct invalid {
  std::string message; // names the field
};

} // namespace cmd

/// A decoded client event and the ack id the client waits on (answered
/// for submit-answer, heartbeat, and as {ok:false,…} for a refused one).
struct command {
  std::variant<cmd::join_exam_session, cmd::submit_answer, cmd::end_exam,
               cmd::heartbeat, cmd::join_monitoring, cmd::leave_monitoring,
               cmd::force_end_exam, cmd::invalid>
    what;
  std::optional<std::uint64_t> ack;
};

struct limits {
  std::size_t max_id = 128;        // bytes of an examId, sessionId, questionId
  std::size_t max_info = 4096;     // bytes of deviceInfo / networkInfo
  std::size_t max_answer = 65536;  // bytes of an answer
};

/// Decodes a client event by its name, its raw JSON arguments and its ack
/// id. nullopt for an event name exams do not know (ignored).
std::optional<command> decode(std::string_view name, std::string_view args,
                              std::optional<std::uint64_t> ack,
                              const limits& lim = {});

/// StudentSession.
struct student_session {
  std::string student_id;
  std::string name;
  std::string session_id;
  exam::status at = exam::status::active;
  bool connected = false;
  std::int32_t answered_count = 0;
  std::string last_question_id; // "" → null
  std::int64_t started_at = 0;
  std::int64_t ends_at = 0;
  std::int64_t last_seen_at = 0;
  std::string device_info = "null";  // raw JSON
  std::string network_info = "null"; // raw JSON
};

namespace evt {

/// `exam-session-joined` {examId, sessionId, startedAt, endsAt,
/// timeRemaining, answeredCount} (to the student)
struct exam_session_joined {
  std::string exam_id;
  std::string session_id;
  std::int64_t started_at = 0;
  std::int64_t ends_at = 0;
  std::int64_t time_remaining = 0; // seconds
  std::int32_t answered_count = 0;
};

/// `answer-submitted` {examId, questionId, savedAt, answeredCount}
struct answer_submitted {
  std::string exam_id;
  std::string question_id;
  std::int64_t saved_at = 0;
  std::int32_t answered_count = 0;
};

/// `exam-ended` to the student {examId, endedAt, submissionType}; to the
/// teachers with studentId as well.
struct exam_ended {
  std::string exam_id;
  std::string student_id; // "" → not on the wire (the student's own)
  std::int64_t ended_at = 0;
  submission type = submission::manual;
};

/// `time-update` to a student {examId, timeRemaining, endsAt} (live only)
struct student_time {
  std::string exam_id;
  std::int64_t time_remaining = 0;
  std::int64_t ends_at = 0;
};

struct student_clock {
  std::string student_id;
  std::int64_t time_remaining = 0;
  std::int64_t ends_at = 0;
};

/// `time-update` to the teachers {examId, serverTime, students} (live only)
struct monitor_time {
  std::string exam_id;
  std::int64_t server_time = 0;
  std::vector<student_clock> students;
};

/// `monitoring-joined` {examId, students}
struct monitoring_joined {
  std::string exam_id;
  std::vector<student_session> students;
};

/// `student-joined` {examId, student}
struct student_joined {
  std::string exam_id;
  student_session student;
};

/// `student-disconnected` {examId, studentId, at}
struct student_disconnected {
  std::string exam_id;
  std::string student_id;
  std::int64_t at = 0;
};

/// `progress-update` {examId, studentId, answeredCount, lastQuestionId,
/// timeSpent, timeRemaining, status}
struct progress_update {
  std::string exam_id;
  std::string student_id;
  std::int32_t answered_count = 0;
  std::string last_question_id;
  double time_spent = 0;
  std::int64_t time_remaining = 0;
  exam::status at = exam::status::active;
};

/// `exam-error` {code, message}
struct error {
  error_code code = error_code::invalid_payload;
  std::string message;
};

} // namespace evt

using event = std::variant<evt::exam_session_joined, evt::answer_submitted,
                           evt::exam_ended, evt::student_time,
                           evt::monitor_time, evt::monitoring_joined,
                           evt::student_joined, evt::student_disconnected,
                           evt::progress_update, evt::error>;

/// The Socket.IO form of an event: its name and its arguments as raw JSON.
struct wire_event {
  std::string_view name;
  std::string args;
};

wire_event encode(const event& e);

/// The acknowledgement of submit-answer: {ok:true, savedAt, answeredCount}
/// or {ok:false, code, message}; raw JSON for out::ack.
std::string ack_saved(std::int64_t saved_at, std::int32_t answered_count);
std::string ack_refused(error_code code, std::string_view message);
/// The acknowledgement of heartbeat: {ok:true, serverTime}.
std::string ack_heartbeat(std::int64_t server_time);

} // namespace proctord::protocol::exam
