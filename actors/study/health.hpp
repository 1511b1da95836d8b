#pragma once
// The seed's health check of a public-room socket: a socket idle for an
// interval gets a `ping` event; each check that finds the previous ping
// unanswered counts a miss; `max_missed` misses in a row end the socket
// (CONNECTION_TIMEOUT). Any command counts as activity; `pong` clears the
// misses.

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstddef>

namespace proctord {

struct socket_health {
  using time_point = caf::actor_clock::time_point;

  time_point last_activity;
  bool awaiting_pong = false;
  std::size_t missed = 0;

  enum class verdict { fine, ping, timeout };

  void active(time_point now) { last_activity = now; }

  void pong() {
    awaiting_pong = false;
    missed = 0;
  }

  /// One check, every `interval`.
  template <class Duration>
  verdict check(time_point now, Duration interval, std::size_t max_missed) {
    if (awaiting_pong)
      return ++missed >= max_missed ? verdict::timeout : verdict::ping;
    if (now - last_activity < interval)
      return verdict::fine;
    awaiting_pong = true;
    return verdict::ping;
  }
};

} // namespace proctord
