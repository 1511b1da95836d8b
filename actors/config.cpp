#include "actors/config.hpp"

#include <algorithm>

namespace proctord {

std::string room_config::validate() const {
  if (code_change_interval.count() < 0)
    return "code-change-interval must not be negative";
  if (linger.count() < 0)
    return "room linger must not be negative";
  if (presence_grace.count() < 0)
    return "presence grace must not be negative";
  return {};
}

namespace {

/// What every door needs: a secret, a rate limit, a JSON depth.
std::string validate_door(const protocol::token_config& tokens, double rate,
                          double burst, std::size_t max_depth) {
  if (tokens.secret.empty())
    return "a JWT secret is required";
  if (!(rate > 0) || !(burst >= 1))
    return "rate limit and burst must be positive";
  if (max_depth < 2)
    return "max JSON depth must be at least 2";
  return {};
}

} // namespace

std::string gateway_config::validate() const {
  if (auto problem = validate_door(tokens, rate_per_sec, rate_burst,
                                   limits.max_depth);
      !problem.empty())
    return problem;
  if (limits.max_guests < 1)
    return "max room size must be at least 1";
  return {};
}

std::string contest_config::validate() const {
  if (leaderboard_interval.count() <= 0)
    return "the leaderboard interval must be positive";
  if (leaderboard_top == 0 || leaderboard_top > 1000)
    return "the leaderboard top must be 1-1000";
  if (max_connections_per_user == 0)
    return "a user needs at least one connection";
  return {};
}

std::string study_config::validate() const {
  if (user_rate_per_minute == 0)
    return "public-user-rate must be at least 1";
  if (max_conns_per_ip == 0)
    return "public-max-conns-per-ip must be at least 1";
  if (ping_interval.count() <= 0)
    return "public-ping-interval must be positive";
  if (max_missed_pings == 0)
    return "public-max-missed-pings must be at least 1";
  if (hash_key.empty())
    return "the address hash needs a key";
  if (max_capacity < 1)
    return "the largest room capacity must be at least 1";
  return {};
}

bool contest_door_config::allows(const std::string& role) const {
  if (role == "admin")
    return true;
  if (roles.empty())
    return role != "banned";
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string contest_door_config::validate() const {
  if (auto problem = validate_door(tokens, rate_per_sec, rate_burst,
                                   limits.max_depth);
      !problem.empty())
    return problem;
  if (ping_interval.count() < 1)
    return "contest-ping-interval must be at least 1 s";
  return {};
}

} // namespace proctord

namespace proctord {

std::string session_config::validate() const {
  if (recovery.window.count() < 1000)
    return "sio-recovery-window must be at least 1 s";
  if (cursor_interval.count() < 1)
    return "session-cursor-interval must be at least 1 ms";
  if (idle_close.count() < 1000)
    return "session-idle-close must be at least 1 s";
  if (!(rate_per_second > 0) || !(rate_burst >= 1))
    return "the sessions' rate limit must be positive";
  return {};
}

std::string exam_config::validate() const {
  if (recovery.window.count() < 1000)
    return "sio-recovery-window must be at least 1 s";
  if (time_update_interval.count() < 100)
    return "exam-time-update-interval must be at least 100 ms";
  if (!(rate_per_second > 0) || !(rate_burst >= 1))
    return "the exams' rate limit must be positive";
  return {};
}

} // namespace proctord
