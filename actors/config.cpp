#include "actors/config.hpp"

namespace proctord {

std::string room_config::validate() const {
  if (code_change_interval.count() < 0)
    return "code-change-interval must not be negative";
  if (linger.count() < 0)
    return "room linger must not be negative";
  return {};
}

std::string gateway_config::validate() const {
  if (tokens.secret.empty())
    return "a JWT secret is required";
  if (!(rate_per_sec > 0) || !(rate_burst >= 1))
    return "rate limit and burst must be positive";
  if (limits.max_depth < 2)
    return "max JSON depth must be at least 2";
  if (limits.max_guests < 1)
    return "max room size must be at least 1";
  return {};
}

} // namespace proctord
