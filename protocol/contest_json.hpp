#pragma once
// Helpers shared by the contest dialect's readers and writers (the codec and
// the HTTP API bodies). Internal to protocol/.

#include "protocol/contest.hpp"
#include "protocol/json_writer.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace proctord::protocol::contest::detail {

/// A JSON number as JavaScript's String(n) writes it: 2 -> "2", 2.5 ->
/// "2.5", 2.0 -> "2", 1e21 -> "1e+21", 1e-7 -> "1e-7". Integers beyond 2^53
/// keep every digit they were sent with.
std::string number_text(const nlohmann::json& v);

/// An answer as text: a string as it is, a number as number_text(); nullopt
/// for anything else (bool, null, array, object).
std::optional<std::string> answer_text(const nlohmann::json& v);

/// An ISO time field, or null when `ms` is 0 ("not set").
void time_or_null(protocol::detail::json_writer& w, std::string_view key,
                  millis ms);

/// {rank, userId, username, score} as an element of an array.
void write_standing(protocol::detail::json_writer& w, const standing& s);

/// "<key>": [standings...]
void write_standings(protocol::detail::json_writer& w, std::string_view key,
                     const std::vector<standing>& rows);

/// A rank that is null when 0 (the recipient is not ranked).
void write_rank(protocol::detail::json_writer& w, std::int32_t rank);

/// The members of question_broadcast's data: {contestId, questionId, index,
/// text, options, points, timeLimit, endsAt}, into an open object.
void write_question_members(protocol::detail::json_writer& w,
                            const question_view& q);

/// "<key>": {question members} or null.
void write_question_or_null(protocol::detail::json_writer& w,
                            std::string_view key,
                            const std::optional<question_view>& q);

/// "options": [strings] or null.
void write_options(protocol::detail::json_writer& w,
                   const std::optional<std::vector<std::string>>& options);

} // namespace proctord::protocol::contest::detail
