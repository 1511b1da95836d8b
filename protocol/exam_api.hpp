#pragma once
// The exams' HTTP API bodies (seed 004, issue 11): parsing POST /api/exams
// and encoding the answers of POST /api/exams, GET /api/exams/:id and GET
// /api/exams/:id/results. Every error body is {code, message, field?}. No
// CAF here: actors/exam/exam_api is the endpoint that uses these.

#include "protocol/api_error.hpp"
#include "protocol/exam.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace proctord::protocol::exam {

using protocol::api_error;
using protocol::encode_api_error;

struct api_limits {
  std::size_t max_depth = 32;
  std::size_t max_title = 200;             // bytes
  std::int64_t max_duration_s = 7 * 24 * 3600; // exam_config::max_duration_s
  std::int32_t max_questions = 10000;      // exam_config::max_questions
};

/// POST /api/exams {title, durationMinutes | durationSeconds, questionCount}
struct exam_def {
  std::string title;
  std::int64_t duration_s = 0;
  std::int32_t question_count = 0;
};

/// Refusals: INVALID_BODY (not a JSON object, too deep; no field) or
/// INVALID_FIELD (`field` names the member):
///   title: a string that is not only blanks, at most max_title bytes;
///   durationMinutes: an integer from 1 to max_duration_s / 60, or
///   durationSeconds: an integer from 1 to max_duration_s; exactly one of
///     them (an integral float such as 10.0 counts: JSON cannot tell);
///   questionCount: an integer from 1 to max_questions.
/// Unknown members are ignored; a null member is an absent one. Never throws.
std::variant<exam_def, api_error> parse_exam_def(std::string_view body,
                                                 const api_limits& lim = {});

/// 201 to POST /api/exams: {examId}
std::string encode_created(std::string_view exam_id);

/// An exam and how many of its students are in each state.
struct exam_info {
  std::string exam_id;
  std::string title;
  std::int64_t duration_s = 0;
  std::int32_t question_count = 0;
  std::string created_by;
  std::int64_t created_at = 0;
  std::int32_t active = 0;
  std::int32_t disconnected = 0;
  std::int32_t ended = 0;
};

/// 200 to GET /api/exams/:id: {examId, title, durationSeconds,
/// questionCount, createdBy, createdAt, students: {active, disconnected,
/// ended}} (counts only: who the students are is for teachers).
std::string encode_info(const exam_info& e);

/// One stored answer.
struct answer_view {
  std::string question_id;
  std::string answer; // raw JSON
  double time_spent = 0;
  std::int64_t saved_at = 0;
};

/// A student's sitting as the results show it.
struct student_result {
  student_session session;
  double time_spent = 0;     // seconds, the sum of its answers'
  std::int64_t ended_at = 0; // 0 while it runs
  submission type = submission::manual; // meaningful once ended
  std::string final_score;   // raw JSON number, "" for none
  std::vector<answer_view> answers;
};

/// 200 to GET /api/exams/:id/results: {examId, title, durationSeconds,
/// questionCount, createdBy, createdAt, students: [StudentSession &
/// {timeSpent, endedAt, submissionType, finalScore, answers: [{questionId,
/// answer, timeSpent, savedAt}]}]}; endedAt, submissionType and finalScore
/// are null until set.
std::string encode_results(const exam_info& e,
                           const std::vector<student_result>& students);

} // namespace proctord::protocol::exam
