// POST /api/contests bodies -> contest definitions (protocol/README.md,
// "Contest dialect", "HTTP API"). Order of checks: depth on the raw text,
// JSON syntax and UTF-8, an object at the top (INVALID_BODY), then each
// field in document order (INVALID_FIELD, `field` its JSON path). Unknown
// fields are ignored.

#include "protocol/contest_api.hpp"
#include "protocol/json_number.hpp"
#include "protocol/contest_json.hpp"
#include "protocol/iso_time.hpp"
#include "protocol/json_limits.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>
#include <unordered_set>

namespace proctord::protocol::contest {

namespace {

using json = nlohmann::json;

/// A field problem: becomes INVALID_FIELD.
struct field_error {
  std::string field;
  std::string message;
};

[[noreturn]] void fail(const std::string& path, std::string_view what) {
  std::string msg = path;
  msg += ' ';
  msg += what;
  throw field_error{path, std::move(msg)};
}

std::string path_of(std::string_view parent, std::size_t index,
                    std::string_view member = {}) {
  std::string p{parent};
  p += '[';
  p += std::to_string(index);
  p += ']';
  if (!member.empty()) {
    p += '.';
    p += member;
  }
  return p;
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

/// A non-empty string (not only blanks) of at most `max` bytes.
std::string text(const json* v, const std::string& path, std::size_t max) {
  if (v == nullptr || !v->is_string() || blank(v->get_ref<const std::string&>()))
    fail(path, "must be a non-empty string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max)
    fail(path, "must be at most " + std::to_string(max) + " bytes");
  return s;
}

/// An integer in [lo, hi]. A float is taken only when it is integral (10.0
/// is 10: JSON does not tell them apart, and JavaScript cannot); 1.5,
/// strings and booleans never.
std::int64_t integer(const json* v, const std::string& path, std::int64_t lo,
                     std::int64_t hi) {
  auto x = protocol::detail::integer_in(v, lo, hi);
  if (!x)
    fail(path, "must be an integer from " + std::to_string(lo) + " to "
                 + std::to_string(hi));
  return *x;
}

std::optional<std::vector<std::string>>
options(const json* v, const std::string& path, const def_limits& limits) {
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_array() || v->size() < 2 || v->size() > limits.max_options)
    fail(path, "must be null or an array of 2 to "
                 + std::to_string(limits.max_options) + " strings");
  std::vector<std::string> out;
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i)
    out.push_back(text(&(*v)[i], path_of(path, i), limits.max_text));
  return out;
}

question_def question(const json& q, std::size_t i, const def_limits& limits) {
  if (!q.is_object())
    fail(path_of("questions", i), "must be an object");
  question_def d;
  d.id = text(find(q, "id"), path_of("questions", i, "id"), limits.max_id);
  d.text = text(find(q, "text"), path_of("questions", i, "text"),
                limits.max_text);
  d.options = options(find(q, "options"), path_of("questions", i, "options"),
                      limits);
  {
    const auto path = path_of("questions", i, "answer");
    const json* v = find(q, "answer");
    auto answer = v != nullptr ? detail::answer_text(*v) : std::nullopt;
    if (!answer || blank(*answer))
      fail(path, "must be a non-empty string");
    if (answer->size() > limits.max_text)
      fail(path, "must be at most " + std::to_string(limits.max_text)
                   + " bytes");
    d.answer = std::move(*answer);
  }
  d.points = integer(find(q, "points"), path_of("questions", i, "points"), 0,
                     limits.max_points);
  d.time_limit = static_cast<std::int32_t>(
    integer(find(q, "timeLimit"), path_of("questions", i, "timeLimit"), 1,
            limits.max_time_limit));
  return d;
}

contest_def definition(const json& doc, const def_limits& limits) {
  contest_def def;
  def.title = text(find(doc, "title"), "title", limits.max_title);

  const json* qs = find(doc, "questions");
  if (qs == nullptr || !qs->is_array() || qs->empty()
      || qs->size() > limits.max_questions)
    fail("questions", "must be an array of 1 to "
                        + std::to_string(limits.max_questions) + " questions");
  std::unordered_set<std::string> ids;
  std::int64_t total_time = 0;
  def.questions.reserve(qs->size());
  for (std::size_t i = 0; i < qs->size(); ++i) {
    auto q = question((*qs)[i], i, limits);
    if (!ids.insert(q.id).second)
      fail(path_of("questions", i, "id"), "repeats an earlier question's id");
    total_time += q.time_limit;
    def.questions.push_back(std::move(q));
  }

  if (const json* v = find(doc, "startTime")) {
    std::optional<std::int64_t> ms;
    if (v->is_string())
      ms = from_iso(v->get_ref<const std::string&>());
    // 0 would mean "no start time": a time at or before the epoch is a mistake.
    if (!ms || *ms <= 0)
      fail("startTime", "must be null or an ISO-8601 time such as "
                        "\"2026-03-01T10:00:00.000Z\"");
    def.start_time = *ms;
  }

  if (const json* v = find(doc, "scoring")) {
    if (v->is_string() && *v == "speed")
      def.score_rule = scoring::speed;
    else if (v->is_string() && *v == "fixed")
      def.score_rule = scoring::fixed;
    else
      fail("scoring", "must be \"speed\" or \"fixed\"");
  }

  if (const json* v = find(doc, "freezeBeforeEnd"))
    def.freeze_before_end = static_cast<std::int32_t>(
      integer(v, "freezeBeforeEnd", 0, total_time));
  return def;
}

api_error invalid_body(std::string message) {
  return api_error{"INVALID_BODY", std::move(message), {}};
}

def_result parse_impl(std::string_view body, const def_limits& limits) {
  if (json_depth(body, limits.max_depth) > limits.max_depth)
    return invalid_body("JSON nested deeper than "
                        + std::to_string(limits.max_depth) + " levels");
  // A NUL would end nlohmann's input early (see native_codec.cpp).
  if (body.find('\0') != std::string_view::npos)
    return invalid_body("the body is not valid JSON");
  auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded())
    return invalid_body("the body is not valid JSON");
  if (!doc.is_object())
    return invalid_body("the body must be a JSON object");
  try {
    return definition(doc, limits);
  } catch (field_error& e) {
    return api_error{"INVALID_FIELD", std::move(e.message), std::move(e.field)};
  }
}

} // namespace

def_result parse_contest_def(std::string_view body, const def_limits& limits) {
  try {
    return parse_impl(body, limits);
  } catch (...) {
    // Only std::bad_alloc can get here.
    return api_error{"INTERNAL", "internal error", {}};
  }
}

} // namespace proctord::protocol::contest
