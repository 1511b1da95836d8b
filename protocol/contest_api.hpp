#pragma once
// The contest HTTP API's bodies (seed 001; issue 9): parsing POST
// /api/contests and encoding the GET answers. Every error body is
// {code, message, field?}.

#include "protocol/api_error.hpp"
#include "protocol/contest.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace proctord::protocol::contest {

/// Why a body was refused: code "INVALID_BODY" (not a JSON object) or
/// "INVALID_FIELD" (`field` names it, e.g. "questions[2].timeLimit").
using protocol::api_error;
using protocol::encode_api_error;

struct def_limits {
  std::size_t max_depth = 32;
  std::size_t max_questions = 500;
  std::size_t max_options = 26;
  std::size_t max_title = 200;      // bytes
  std::size_t max_text = 16 * 1024; // bytes of a question's text
  std::size_t max_id = 128;         // bytes of a question id
  std::int32_t max_time_limit = 24 * 3600;
  std::int64_t max_points = 1'000'000;
};

using def_result = std::variant<contest_def, api_error>;

/// Parses and validates a POST /api/contests body: {title, questions:
/// [{id, text, options?, answer, points, timeLimit}], startTime? (ISO),
/// scoring? ("speed" | "fixed"), freezeBeforeEnd? (s)}. Question ids are
/// unique non-empty strings; points an integer >= 0; timeLimit an integer
/// >= 1; freezeBeforeEnd an integer >= 0. Never throws.
def_result parse_contest_def(std::string_view body, const def_limits& limits = {});


/// {"contestId": id}
std::string encode_created(std::string_view contest_id);

/// GET /api/contests/:id (never the answers).
std::string encode_info(const contest_info& info);

/// GET /api/contests/:id/leaderboard.
std::string encode_leaderboard(const leaderboard_page& page);

} // namespace proctord::protocol::contest
