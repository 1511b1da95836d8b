// The contest dialect's wire names: events, statuses, scoring rules and
// error codes. Each string is defined here once and is part of the contract
// (protocol/README.md, "Contest dialect"): never rename one.

#include "protocol/contest.hpp"

#include <type_traits>

namespace proctord::protocol::contest {

std::string_view event_name(const command& c) noexcept {
  return std::visit(
    [](const auto& x) -> std::string_view {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, cmd::join_contest>)
        return "join_contest";
      else if constexpr (std::is_same_v<T, cmd::submit_answer>)
        return "submit_answer";
      else if constexpr (std::is_same_v<T, cmd::resync>)
        return "resync";
      else
        return "ping";
    },
    c);
}

std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::upcoming:
      return "UPCOMING";
    case status::active:
      return "ACTIVE";
    case status::paused:
      return "PAUSED";
    case status::completed:
      return "COMPLETED";
  }
  return "UPCOMING"; // only a bad cast gets here
}

std::optional<status> status_from_string(std::string_view s) noexcept {
  for (auto x : {status::upcoming, status::active, status::paused,
                 status::completed})
    if (to_string(x) == s)
      return x;
  return std::nullopt;
}

std::string_view to_string(scoring s) noexcept {
  return s == scoring::fixed ? "fixed" : "speed";
}

std::string_view to_code(error_code c) noexcept {
  switch (c) {
    case error_code::invalid_event:
      return "INVALID_EVENT";
    case error_code::invalid_payload:
      return "INVALID_PAYLOAD";
    case error_code::contest_not_found:
      return "CONTEST_NOT_FOUND";
    case error_code::not_joined:
      return "NOT_JOINED";
    case error_code::contest_not_active:
      return "CONTEST_NOT_ACTIVE";
    case error_code::question_closed:
      return "QUESTION_CLOSED";
    case error_code::already_answered:
      return "ALREADY_ANSWERED";
    case error_code::forbidden:
      return "FORBIDDEN";
    case error_code::rate_limited:
      return "RATE_LIMITED";
    case error_code::store_unavailable:
      return "STORE_UNAVAILABLE";
    case error_code::internal:
      return "INTERNAL";
  }
  // An out-of-range value can only come from a bug (a bad cast).
  return "INTERNAL";
}

} // namespace proctord::protocol::contest
