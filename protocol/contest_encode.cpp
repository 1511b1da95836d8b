// Events -> text frames of the contest dialect (protocol/README.md,
// "Contest dialect", "Server -> client"): {"event": E, "data": {...},
// "timestamp": ISO}, members in the order the README lists them. Times
// come from the event, never from the clock, so a replayed frame equals
// the live one.

#include "protocol/contest_codec.hpp"
#include "protocol/contest_json.hpp"
#include "protocol/iso_time.hpp"

#include <iterator>
#include <memory>

namespace proctord::protocol::contest {

namespace {

using protocol::detail::json_writer;
using namespace detail;

/// Where the value of "you" lies in a frame, for encode_personal().
struct span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

void write_you(json_writer& w, const you_view& you, span& where) {
  const std::string text = encode_you(you);
  w.raw_field("you", text);
  where.end = w.size();
  where.begin = where.end - text.size();
}

// -- one writer per event: the members of its "data" ------------------------

void write(json_writer& w, const evt::contest_start& e, span&) {
  w.field("contestId", e.contest_id);
  w.field("title", e.title);
  w.field("startTime", to_iso(e.start_time));
  w.field("totalQuestions", e.total_questions);
  w.field("estimatedDuration", e.estimated_duration);
}

void write(json_writer& w, const evt::question_broadcast& e,
                       span&) {
  write_question_members(w, e.question);
}

void write(json_writer& w, const evt::timer_update& e, span&) {
  w.field("contestId", e.contest_id);
  w.field("questionId", e.question_id);
  w.field("remaining", e.remaining);
  time_or_null(w, "endsAt", e.ends_at);
}

void write(json_writer& w, const evt::question_change& e, span&) {
  w.field("contestId", e.contest_id);
  w.field("previousQuestionId", e.previous_question_id);
  if (e.next_question_id)
    w.field("nextQuestionId", *e.next_question_id);
  else
    w.null_field("nextQuestionId");
}

void write(json_writer& w, const evt::submission_result& e,
                       span&) {
  w.field("contestId", e.contest_id);
  w.field("questionId", e.question_id);
  w.field("accepted", e.accepted);
  w.field("correct", e.correct);
  w.field("pointsAwarded", e.points_awarded);
  w.field("totalScore", e.total_score);
}

void write(json_writer& w, const evt::leaderboard_update& e,
                       span& where) {
  w.field("contestId", e.contest_id);
  write_standings(w, "top", e.top);
  w.field("totalParticipants", e.total_participants);
  write_you(w, e.you, where);
}

void write(json_writer& w, const evt::contest_paused& e, span&) {
  w.field("contestId", e.contest_id);
  w.field("remaining", e.remaining);
}

void write(json_writer& w, const evt::contest_resumed& e, span&) {
  w.field("contestId", e.contest_id);
  w.field("remaining", e.remaining);
}

void write(json_writer& w, const evt::contest_end& e,
                       span& where) {
  w.field("contestId", e.contest_id);
  w.field("endTime", to_iso(e.end_time));
  write_standings(w, "standings", e.standings);
  write_you(w, e.you, where);
}

void write(json_writer& w, const evt::contest_state& e, span&) {
  w.field("contestId", e.contest_id);
  w.field("title", e.title);
  w.field("status", to_string(e.state));
  write_question_or_null(w, "currentQuestion", e.current_question);
  w.field("remaining", e.remaining);
  w.field("totalQuestions", e.total_questions);
  w.begin_object("you");
  write_rank(w, e.you.rank);
  w.field("score", e.you.score);
  w.begin_array("answered");
  for (const auto& id : e.answered)
    w.field("", id); // an array element: no key
  w.end_array();
  w.end_object();
  write_standings(w, "top", e.top);
}

void write(json_writer& w, const evt::error& e, span&) {
  w.field("code", to_code(e.code));
  w.field("message", e.message);
}

void write(json_writer&, const evt::pong&, span&) {
  // pong's data is {}
}

/// Wire names, in the order of the `event` variant's alternatives.
constexpr std::string_view event_names[] = {
  "contest_start",   "question_broadcast", "timer_update",
  "question_change", "submission_result",  "leaderboard_update",
  "contest_paused",  "contest_resumed",    "contest_end",
  "contest_state",   "error",              "pong",
};
static_assert(std::size(event_names) == std::variant_size_v<event>);

millis time_of(const event& e) noexcept {
  return std::visit([](const auto& x) { return x.at; }, e);
}

/// Room for the fixed text plus the event's variable parts.
std::size_t size_hint(const event& e) noexcept {
  constexpr std::size_t base = 256;
  if (auto* x = std::get_if<evt::question_broadcast>(&e))
    return base + x->question.text.size();
  if (auto* x = std::get_if<evt::leaderboard_update>(&e))
    return base + 96 * x->top.size();
  if (auto* x = std::get_if<evt::contest_end>(&e))
    return base + 96 * x->standings.size();
  if (auto* x = std::get_if<evt::contest_state>(&e))
    return base + 96 * x->top.size() + 48 * x->answered.size()
           + (x->current_question ? x->current_question->text.size() : 0);
  return base;
}

/// The frame, and where its "you" value lies (an empty span when none).
std::string encode_impl(const event& e, span& where) {
  json_writer w{size_hint(e)};
  w.begin_object();
  w.field("event", event_names[e.index()]);
  w.begin_object("data");
  std::visit([&](const auto& x) { write(w, x, where); }, e);
  w.end_object();
  w.field("timestamp", to_iso(time_of(e)));
  w.end_object();
  return std::move(w).take();
}

constexpr std::string_view internal_error_frame
  = R"({"event":"error","data":{"code":"INTERNAL","message":"internal error"},"timestamp":"1970-01-01T00:00:00.000Z"})";

} // namespace

std::string encode_you(const you_view& you) {
  json_writer w{48};
  w.begin_object();
  write_rank(w, you.rank);
  w.field("score", you.score);
  w.end_object();
  return std::move(w).take();
}

std::string encode(const event& e) {
  try {
    span where;
    return encode_impl(e, where);
  } catch (...) {
    // Only std::bad_alloc can get here. A short constant frame may still fit.
    try {
      return std::string{internal_error_frame};
    } catch (...) {
      return {};
    }
  }
}

frame encode_shared(const event& e) {
  return std::make_shared<const std::string>(encode(e));
}

personal_frame encode_personal(const event& e) {
  span where;
  std::string whole;
  try {
    whole = encode_impl(e, where);
  } catch (...) {
    return personal_frame{encode(e), {}};
  }
  if (where.end == 0)
    return personal_frame{std::move(whole), {}};
  personal_frame out;
  out.tail = whole.substr(where.end);
  whole.resize(where.begin);
  out.head = std::move(whole);
  return out;
}

bool is_personal(const event& e) noexcept {
  return std::holds_alternative<evt::leaderboard_update>(e)
         || std::holds_alternative<evt::contest_end>(e);
}

frame error_frame(error_code code, std::string message, millis at) {
  return encode_shared(evt::error{code, std::move(message), at});
}

} // namespace proctord::protocol::contest
