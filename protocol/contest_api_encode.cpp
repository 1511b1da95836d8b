// The contest HTTP API's answers (protocol/README.md, "Contest dialect",
// "HTTP API"): error bodies, 201 Created, GET /api/contests/:id and its
// leaderboard. Never a question's answer.

#include "protocol/contest_api.hpp"
#include "protocol/contest_json.hpp"
#include "protocol/iso_time.hpp"

namespace proctord::protocol::contest {

using protocol::detail::json_writer;
using namespace detail;


std::string encode_created(std::string_view contest_id) {
  json_writer w{32 + contest_id.size()};
  w.begin_object();
  w.field("contestId", contest_id);
  w.end_object();
  return std::move(w).take();
}

std::string encode_info(const contest_info& info) {
  std::size_t hint = 512;
  for (const auto& q : info.questions)
    hint += 128 + q.text.size();
  json_writer w{hint};
  w.begin_object();
  w.field("contestId", info.contest_id);
  w.field("title", info.title);
  w.field("status", to_string(info.state));
  w.field("scoring", to_string(info.score_rule));
  w.field("freezeBeforeEnd", info.freeze_before_end);
  time_or_null(w, "startTime", info.start_time);
  time_or_null(w, "endTime", info.end_time);
  w.field("estimatedDuration", info.estimated_duration);
  w.field("totalQuestions",
          static_cast<std::int64_t>(info.questions.size()));
  w.begin_array("questions");
  for (const auto& q : info.questions) {
    // The list is the contest's plan: no contestId (it is above), no endsAt.
    w.begin_object();
    w.field("questionId", q.question_id);
    w.field("index", q.index);
    w.field("text", q.text);
    write_options(w, q.options);
    w.field("points", q.points);
    w.field("timeLimit", q.time_limit);
    w.end_object();
  }
  w.end_array();
  write_question_or_null(w, "currentQuestion", info.current_question);
  w.field("remaining", info.remaining);
  w.field("participants", info.participants);
  w.field("frozen", info.frozen);
  w.end_object();
  return std::move(w).take();
}

std::string encode_leaderboard(const leaderboard_page& page) {
  json_writer w{128 + 96 * page.standings.size()};
  w.begin_object();
  w.field("contestId", page.contest_id);
  w.field("frozen", page.frozen);
  w.field("total", page.total);
  w.field("offset", page.offset);
  write_standings(w, "standings", page.standings);
  w.end_object();
  return std::move(w).take();
}

} // namespace proctord::protocol::contest
