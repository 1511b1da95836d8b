#include "actors/contest/schedule.hpp"

#include <algorithm>
#include <limits>

namespace proctord::contest {

namespace {

/// A question's window in running time; a negative limit counts as 0.
millis limit_ms(std::int32_t limit_s) {
  return static_cast<millis>(std::max<std::int32_t>(limit_s, 0)) * 1000;
}

} // namespace

millis active_elapsed(const clock_state& c, millis now) {
  if (c.started_at == 0)
    return 0;
  auto until = c.paused_at != 0 ? c.paused_at : now;
  return std::max<millis>(until - c.started_at - c.paused_total_ms, 0);
}

position locate(const clock_state& c, const std::vector<std::int32_t>& limits_s,
                millis now) {
  position pos;
  // Before the start: not started, or started at a moment still to come.
  if (c.started_at == 0 || (c.paused_at == 0 && now < c.started_at))
    return pos;
  auto running = active_elapsed(c, now);
  millis opens_after = 0;
  for (std::size_t i = 0; i < limits_s.size(); ++i) {
    auto limit = limit_ms(limits_s[i]);
    // Open on [opens_after, opens_after + limit): at its exact end the next
    // question is open, and a question of limit 0 is never open.
    if (running < opens_after + limit) {
      pos.index = static_cast<int>(i);
      pos.opens_after_ms = opens_after;
      pos.remaining_ms = opens_after + limit - running;
      // The running clock is frozen while paused, so these read "as if it
      // resumed now" and shift with `now` until it does.
      pos.opens_at = now - (running - opens_after);
      pos.ends_at = now + pos.remaining_ms;
      return pos;
    }
    opens_after += limit;
  }
  pos.index = static_cast<int>(limits_s.size());
  pos.opens_after_ms = opens_after;
  return pos;
}

millis total_ms(const std::vector<std::int32_t>& limits_s) {
  millis total = 0;
  for (auto l : limits_s)
    total += limit_ms(l);
  return total;
}

tick_plan plan_tick(millis ends_at, millis now, std::int32_t last_sent) {
  if (now >= ends_at)
    return {0, ends_at}; // the question is over: its end is the next event
  // The smallest k whose due time (ends_at - k s) has come: ceil(left / 1s),
  // at least 1 here. Capped so that a far end still fits the wire's int32.
  auto left = ends_at - now;
  auto due = std::min<millis>((left + 999) / 1000,
                              std::numeric_limits<std::int32_t>::max());
  tick_plan plan;
  millis next = 0;
  if (due < last_sent) {
    plan.send = static_cast<std::int32_t>(due);
    next = due - 1;
  } else {
    // Woken early or twice: every value from `due` up was sent already.
    next = static_cast<millis>(last_sent) - 1;
  }
  plan.wake_at = next >= 1 ? ends_at - next * 1000 : ends_at;
  return plan;
}

} // namespace proctord::contest
