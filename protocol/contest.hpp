#pragma once
// The contest dialect's typed commands and events (seed 001), and the
// contest definitions of its HTTP API. Knows no JSON: the codec is
// protocol/contest_codec.hpp, the HTTP bodies protocol/contest_api.hpp.
// Times are milliseconds since the Unix epoch (UTC); the codec writes them
// in ISO-8601 with milliseconds and `Z`. Durations are whole seconds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace proctord::protocol::contest {

using millis = std::int64_t;

// -- commands (client -> server) ----------------------------------------------

namespace cmd {

/// join_contest {contestId}
struct join_contest {
  std::string contest_id;
};

/// submit_answer {contestId, questionId, answer, idempotencyKey?}. A JSON
/// number as answer is taken as its decimal text ("2").
struct submit_answer {
  std::string contest_id;
  std::string question_id;
  std::string answer;
  std::string idempotency_key; // "" when absent
};

/// resync {contestId}
struct resync {
  std::string contest_id;
};

/// ping {} (answered with pong by the door)
struct ping {};

} // namespace cmd

using command
  = std::variant<cmd::join_contest, cmd::submit_answer, cmd::resync, cmd::ping>;

/// The wire name of a command ("join_contest", ...).
std::string_view event_name(const command& c) noexcept;

// -- shared views ---------------------------------------------------------------

enum class status : std::uint8_t { upcoming, active, paused, completed };

/// "UPCOMING", "ACTIVE", "PAUSED", "COMPLETED".
std::string_view to_string(status s) noexcept;
std::optional<status> status_from_string(std::string_view s) noexcept;

enum class scoring : std::uint8_t { speed, fixed };

/// "speed", "fixed".
std::string_view to_string(scoring s) noexcept;

/// One row of a leaderboard: competition rank (1, 2, 2, 4).
struct standing {
  std::int32_t rank = 0;
  std::string user_id;
  std::string username;
  std::int64_t score = 0;
};

/// The recipient's own place. rank 0 is written as null (an observer).
struct you_view {
  std::int32_t rank = 0;
  std::int64_t score = 0;
};

/// A question as participants see it (never its answer).
struct question_view {
  std::string contest_id;
  std::string question_id;
  std::int32_t index = 0; // 1-based
  std::string text;
  std::optional<std::vector<std::string>> options; // null when none
  std::int64_t points = 0;
  std::int32_t time_limit = 0; // seconds
  millis ends_at = 0;
};

// -- error codes --------------------------------------------------------------

enum class error_code : std::uint8_t {
  invalid_event,      // unknown event, bad envelope, malformed or too-deep JSON
  invalid_payload,    // a field missing or of the wrong type (message names it)
  contest_not_found,
  not_joined,         // submit/resync before joining
  contest_not_active, // not ACTIVE (also while PAUSED)
  question_closed,    // not the open question, or its time ran out
  already_answered,
  forbidden,          // an observer (admin) may not answer
  rate_limited,
  store_unavailable,  // the answer was not recorded; send it again
  internal,
};

/// The stable wire string, e.g. "CONTEST_NOT_FOUND".
std::string_view to_code(error_code c) noexcept;

// -- events (server -> client) ------------------------------------------------
// Every event carries `at`, written as the envelope's "timestamp".

namespace evt {

/// contest_start, the seed's exact shape.
struct contest_start {
  std::string contest_id;
  std::string title;
  millis start_time = 0;
  std::int32_t total_questions = 0;
  std::int64_t estimated_duration = 0; // seconds
  millis at = 0;
};

struct question_broadcast {
  question_view question;
  millis at = 0;
};

struct timer_update {
  std::string contest_id;
  std::string question_id;
  std::int32_t remaining = 0; // whole seconds, rounded up
  millis ends_at = 0;
  millis at = 0;
};

struct question_change {
  std::string contest_id;
  std::string previous_question_id;
  std::optional<std::string> next_question_id; // null after the last
  millis at = 0;
};

struct submission_result {
  std::string contest_id;
  std::string question_id;
  bool accepted = true;
  bool correct = false;
  std::int64_t points_awarded = 0;
  std::int64_t total_score = 0;
  millis at = 0;
};

/// `you` is per recipient: see encode_personal().
struct leaderboard_update {
  std::string contest_id;
  std::vector<standing> top;
  std::int64_t total_participants = 0;
  you_view you;
  millis at = 0;
};

struct contest_paused {
  std::string contest_id;
  std::int32_t remaining = 0;
  millis at = 0;
};

struct contest_resumed {
  std::string contest_id;
  std::int32_t remaining = 0;
  millis at = 0;
};

/// `you` is per recipient: see encode_personal().
struct contest_end {
  std::string contest_id;
  millis end_time = 0;
  std::vector<standing> standings;
  you_view you;
  millis at = 0;
};

struct contest_state {
  std::string contest_id;
  std::string title;
  status state = status::upcoming;
  std::optional<question_view> current_question;
  std::int32_t remaining = 0; // the open question's seconds, else 0
  std::int32_t total_questions = 0;
  you_view you;
  std::vector<std::string> answered; // written inside "you"
  std::vector<standing> top;
  millis at = 0;
};

struct error {
  error_code code = error_code::internal;
  std::string message;
  millis at = 0;
};

struct pong {
  millis at = 0;
};

} // namespace evt

using event
  = std::variant<evt::contest_start, evt::question_broadcast, evt::timer_update,
                 evt::question_change, evt::submission_result,
                 evt::leaderboard_update, evt::contest_paused,
                 evt::contest_resumed, evt::contest_end, evt::contest_state,
                 evt::error, evt::pong>;

// -- the HTTP API's contest definition ---------------------------------------

struct question_def {
  std::string id;
  std::string text;
  std::optional<std::vector<std::string>> options;
  std::string answer;
  std::int64_t points = 0;
  std::int32_t time_limit = 0; // seconds
};

struct contest_def {
  std::string title;
  std::vector<question_def> questions;
  millis start_time = 0; // 0: started by POST /start only
  scoring score_rule = scoring::speed;
  std::int32_t freeze_before_end = 0; // seconds, 0: no freeze
};

/// What GET /api/contests/:id shows (never the answers).
struct contest_info {
  std::string contest_id;
  std::string title;
  status state = status::upcoming;
  scoring score_rule = scoring::speed;
  std::int32_t freeze_before_end = 0;
  millis start_time = 0;   // scheduled or actual start, 0: none
  millis end_time = 0;     // when it completed, 0: not yet
  std::int64_t estimated_duration = 0; // seconds, sum of time limits
  std::vector<question_view> questions; // ends_at 0 (not scheduled)
  std::optional<question_view> current_question;
  std::int32_t remaining = 0;
  std::int64_t participants = 0;
  bool frozen = false;
};

/// A page of the full standings (GET .../leaderboard).
struct leaderboard_page {
  std::string contest_id;
  bool frozen = false; // this is the board as it was at the freeze
  std::int64_t total = 0;
  std::int64_t offset = 0;
  std::vector<standing> standings;
};

} // namespace proctord::protocol::contest
