// The exams' HTTP API bodies (protocol/exam_api.hpp). Order of checks:
// depth on the raw text, JSON syntax and UTF-8, an object at the top
// (INVALID_BODY), then title, the duration and questionCount
// (INVALID_FIELD, `field` naming the member).

#include "protocol/exam_api.hpp"
#include "protocol/exam_json.hpp"
#include "protocol/iso_time.hpp"
#include "protocol/json_limits.hpp"
#include "protocol/json_number.hpp"
#include "protocol/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace proctord::protocol::exam {

namespace {

using json = nlohmann::json;
using protocol::detail::json_writer;

api_error invalid_body(std::string message) {
  return api_error{"INVALID_BODY", std::move(message), {}};
}

api_error invalid_field(std::string field, std::string message) {
  return api_error{"INVALID_FIELD", std::move(message), std::move(field)};
}

/// The member `name` of `obj`, or nullptr when absent or null.
const json* find(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null())
    return nullptr;
  return &*it;
}

bool blank(std::string_view s) noexcept {
  return s.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos;
}

std::variant<exam_def, api_error> definition(const json& doc,
                                             const api_limits& lim) {
  exam_def def;
  const json* title = find(doc, "title");
  if (title == nullptr || !title->is_string()
      || blank(title->get_ref<const std::string&>())
      || title->get_ref<const std::string&>().size() > lim.max_title)
    return invalid_field("title", "title must be a non-empty string of at most "
                                    + std::to_string(lim.max_title) + " bytes");
  def.title = title->get<std::string>();

  const json* minutes = find(doc, "durationMinutes");
  const json* seconds = find(doc, "durationSeconds");
  if (minutes != nullptr && seconds != nullptr)
    return invalid_field("durationSeconds",
                         "give durationMinutes or durationSeconds, not both");
  if (seconds != nullptr) {
    auto s = protocol::detail::integer_in(seconds, 1, lim.max_duration_s);
    if (!s)
      return invalid_field("durationSeconds",
                           "durationSeconds must be an integer from 1 to "
                             + std::to_string(lim.max_duration_s));
    def.duration_s = *s;
  } else {
    auto most = std::max<std::int64_t>(1, lim.max_duration_s / 60);
    auto m = protocol::detail::integer_in(minutes, 1, most);
    if (!m)
      return invalid_field("durationMinutes",
                           "durationMinutes must be an integer from 1 to "
                             + std::to_string(most));
    def.duration_s = *m * 60;
  }

  auto count = protocol::detail::integer_in(find(doc, "questionCount"), 1,
                                            lim.max_questions);
  if (!count)
    return invalid_field("questionCount",
                         "questionCount must be an integer from 1 to "
                           + std::to_string(lim.max_questions));
  def.question_count = static_cast<std::int32_t>(*count);
  return def;
}

std::variant<exam_def, api_error> parse_impl(std::string_view body,
                                             const api_limits& lim) {
  if (json_depth(body, lim.max_depth) > lim.max_depth)
    return invalid_body("JSON nested deeper than "
                        + std::to_string(lim.max_depth) + " levels");
  // A NUL would end nlohmann's input early (see native_codec.cpp).
  if (body.find('\0') != std::string_view::npos)
    return invalid_body("the body is not valid JSON");
  auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded())
    return invalid_body("the body is not valid JSON");
  if (!doc.is_object())
    return invalid_body("the body must be a JSON object");
  return definition(doc, lim);
}

void write_info_members(json_writer& w, const exam_info& e) {
  w.field("examId", e.exam_id);
  w.field("title", e.title);
  w.field("durationSeconds", e.duration_s);
  w.field("questionCount", e.question_count);
  w.field("createdBy", e.created_by);
  w.field("createdAt", to_iso(e.created_at));
}

} // namespace

std::variant<exam_def, api_error> parse_exam_def(std::string_view body,
                                                 const api_limits& lim) {
  try {
    return parse_impl(body, lim);
  } catch (...) {
    // Only std::bad_alloc can get here.
    return api_error{"INTERNAL", "internal error", {}};
  }
}

std::string encode_created(std::string_view exam_id) {
  json_writer w{32 + exam_id.size()};
  w.begin_object();
  w.field("examId", exam_id);
  w.end_object();
  return std::move(w).take();
}

std::string encode_info(const exam_info& e) {
  json_writer w{256 + e.title.size()};
  w.begin_object();
  write_info_members(w, e);
  w.begin_object("students");
  w.field("active", e.active);
  w.field("disconnected", e.disconnected);
  w.field("ended", e.ended);
  w.end_object();
  w.end_object();
  return std::move(w).take();
}

std::string encode_results(const exam_info& e,
                           const std::vector<student_result>& students) {
  std::size_t hint = 256 + e.title.size();
  for (const auto& s : students) {
    hint += 512;
    for (const auto& a : s.answers)
      hint += 96 + a.question_id.size() + a.answer.size();
  }
  json_writer w{hint};
  w.begin_object();
  write_info_members(w, e);
  w.begin_array("students");
  for (const auto& s : students) {
    w.begin_object();
    detail::write_session(w, s.session);
    detail::write_number(w, "timeSpent", s.time_spent);
    detail::time_or_null(w, "endedAt", s.ended_at);
    if (s.ended_at == 0)
      w.null_field("submissionType");
    else
      w.field("submissionType", to_string(s.type));
    detail::raw_or_null(w, "finalScore", s.final_score);
    w.begin_array("answers");
    for (const auto& a : s.answers) {
      w.begin_object();
      w.field("questionId", a.question_id);
      detail::raw_or_null(w, "answer", a.answer);
      detail::write_number(w, "timeSpent", a.time_spent);
      w.field("savedAt", to_iso(a.saved_at));
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return std::move(w).take();
}

} // namespace proctord::protocol::exam
