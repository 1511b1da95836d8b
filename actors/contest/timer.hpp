#pragma once
// A contest's timer actor: wakes at absolute deadlines (epoch ms on the
// contest's wall_clock) and tells its contest. While armed to tick, it sends
// tick k at ends_at - k seconds (contest::plan_tick): a late wake sends the
// value due at that moment, and no value twice. At the deadline it sends
// deadline_atom. Every message carries the generation it was armed with, so
// the contest ignores what a re-arm or a pause made stale.

#include "actors/contest/interfaces.hpp"
#include "actors/contest/wall_clock.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>

namespace proctord {

struct contest_timer_state {
  static constexpr const char* name = "contest_timer";
  contest_actor contest;
  contest::wall_clock clock;
  std::uint64_t generation = 0;
  std::int64_t ends_at = 0;
  std::int32_t last_sent = 0;
  bool ticks = false;
  bool armed = false;
};

contest_timer_actor::behavior_type
contest_timer(contest_timer_actor::stateful_pointer<contest_timer_state> self,
              contest_actor contest, contest::wall_clock clock);

} // namespace proctord
