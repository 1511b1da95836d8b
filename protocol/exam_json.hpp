#pragma once
// Writers shared by the exams' Socket.IO codec and their HTTP API bodies.
// Internal to protocol/.

#include "protocol/exam.hpp"
#include "protocol/json_writer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace proctord::protocol::exam::detail {

/// The members of a StudentSession, into an open object.
void write_session(protocol::detail::json_writer& w, const student_session& s);

/// A number as JavaScript's String(n) writes it (2, 2.5, 1e-7).
void write_number(protocol::detail::json_writer& w, std::string_view key,
                  double d);

/// Raw JSON as the client sent it; null when "" (none).
void raw_or_null(protocol::detail::json_writer& w, std::string_view key,
                 const std::string& json_text);

/// An ISO time; null while 0 ("not yet").
void time_or_null(protocol::detail::json_writer& w, std::string_view key,
                  std::int64_t ms);

} // namespace proctord::protocol::exam::detail
