// Helpers shared by the contest codec and the contest HTTP API bodies.

#include "protocol/contest_json.hpp"

#include "protocol/iso_time.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace proctord::protocol::contest::detail {

using protocol::detail::json_writer;

namespace {

/// ECMAScript's Number::toString(10) (ECMA-262, 6.1.6.1.20): the shortest
/// digits that round-trip, placed by the rules for n, the decimal exponent.
std::string js_double_text(double d) {
  if (std::isnan(d))
    return "NaN";
  if (std::isinf(d))
    return d < 0 ? "-Infinity" : "Infinity";
  if (d == 0)
    return "0"; // -0 too
  std::string out;
  if (d < 0) {
    out.push_back('-');
    d = -d;
  }
  // Shortest round-trip digits, as "d.ddde+XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d,
                           std::chars_format::scientific);
  std::string_view sci{buf, static_cast<std::size_t>(res.ptr - buf)};
  auto e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.')
      digits.push_back(c);
  const int exponent = std::atoi(std::string{sci.substr(e_pos + 1)}.c_str());
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 < 0 ? '-' : '+');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

} // namespace

std::string number_text(const nlohmann::json& v) {
  if (v.is_number_unsigned())
    return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer())
    return std::to_string(v.get<std::int64_t>());
  return js_double_text(v.get<double>());
}

std::optional<std::string> answer_text(const nlohmann::json& v) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_number())
    return number_text(v);
  return std::nullopt;
}

void time_or_null(json_writer& w, std::string_view key, millis ms) {
  if (ms == 0)
    w.null_field(key);
  else
    w.field(key, to_iso(ms));
}

void write_rank(json_writer& w, std::int32_t rank) {
  if (rank == 0)
    w.null_field("rank");
  else
    w.field("rank", rank);
}

void write_standing(json_writer& w, const standing& s) {
  w.begin_object();
  w.field("rank", s.rank);
  w.field("userId", s.user_id);
  w.field("username", s.username);
  w.field("score", s.score);
  w.end_object();
}

void write_standings(json_writer& w, std::string_view key,
                     const std::vector<standing>& rows) {
  w.begin_array(key);
  for (const auto& s : rows)
    write_standing(w, s);
  w.end_array();
}

void write_options(json_writer& w,
                   const std::optional<std::vector<std::string>>& options) {
  if (!options) {
    w.null_field("options");
    return;
  }
  w.begin_array("options");
  for (const auto& o : *options)
    w.field("", o); // an array element: no key
  w.end_array();
}

void write_question_members(json_writer& w, const question_view& q) {
  w.field("contestId", q.contest_id);
  w.field("questionId", q.question_id);
  w.field("index", q.index);
  w.field("text", q.text);
  write_options(w, q.options);
  w.field("points", q.points);
  w.field("timeLimit", q.time_limit);
  time_or_null(w, "endsAt", q.ends_at);
}

void write_question_or_null(json_writer& w, std::string_view key,
                            const std::optional<question_view>& q) {
  if (!q) {
    w.null_field(key);
    return;
  }
  w.begin_object(key);
  write_question_members(w, *q);
  w.end_object();
}

} // namespace proctord::protocol::contest::detail
