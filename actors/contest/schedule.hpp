#pragma once
// A contest's clock (issue 9): its questions run back to back from the
// start, each for its time limit; only pauses shift the schedule. Every
// moment is a pure function of the start, the pauses and the time limits, so
// after a restart a contest finds where it is by asking this. Pure C++.

#include <cstdint>
#include <vector>

namespace proctord::contest {

using millis = std::int64_t;

struct clock_state {
  millis started_at = 0;      // 0: not started
  millis paused_at = 0;       // 0: not paused
  millis paused_total_ms = 0; // pauses that ended
};

/// Milliseconds of running time (pauses excluded) at `now`: 0 before the
/// start; while paused, frozen at paused_at.
millis active_elapsed(const clock_state& c, millis now);

struct position {
  /// The open question (0-based); -1 before the start; == number of
  /// questions when every question's time has run out.
  int index = -1;
  /// Wall-clock opening and end of that question under the current pauses
  /// (if paused, as if it resumed at `now`). 0 when index is out of range.
  millis opens_at = 0;
  millis ends_at = 0;
  /// Milliseconds left of it at `now` (pauses excluded), 0 out of range.
  millis remaining_ms = 0;
  /// Running time at which the question opened (sum of earlier limits).
  millis opens_after_ms = 0;
};

/// Where the schedule of `limits_s` (time limits in seconds) is at `now`.
position locate(const clock_state& c, const std::vector<std::int32_t>& limits_s,
                millis now);

/// Total running time of the contest: the sum of the limits.
millis total_ms(const std::vector<std::int32_t>& limits_s);

/// The `timer_update` ticks of a question ending at `ends_at`: tick k is due
/// at ends_at - k seconds and carries remaining k (k >= 1). At `now`, the
/// tick to send is the smallest k whose due time has come, i.e.
/// ceil((ends_at - now) / 1000) (0 or less: the question is over), unless it
/// was already sent (k >= last_sent, where last_sent is the last value sent
/// for this question, or a huge number before the first).
struct tick_plan {
  /// The value to send now, 0 for none.
  std::int32_t send = 0;
  /// When to wake next: the next value's due time, or ends_at when the next
  /// event is the question's end.
  millis wake_at = 0;
};
tick_plan plan_tick(millis ends_at, millis now, std::int32_t last_sent);

} // namespace proctord::contest
