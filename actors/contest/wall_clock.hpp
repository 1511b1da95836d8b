#pragma once
// Wall-clock time as a contest's actors see it: the epoch milliseconds read
// once at spawn, advanced by the actor system's clock. In production that
// clock is the steady clock; under CAF's test coordinator it is the
// deterministic test clock, so a contest's schedule can be driven without
// sleeping.
//
// A step of the system clock after the spawn (NTP, a VM restored from a
// snapshot: this VM's clock has been seen slewing 5 ms a second and leaping
// 48 s) is not followed: a running question neither loses nor gains the
// step. A correction reaches the contest's times at its next spawn (a
// restart), whose schedule is kept in epoch ms and so lands where the
// corrected wall clock says. The integration tests keep time the same way
// (tests/integration/lib/clock.mjs).

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>

namespace proctord::contest {

struct wall_clock {
  std::int64_t wall0 = 0;               // epoch ms at steady0
  caf::actor_clock::time_point steady0; // the actor clock at wall0

  static std::int64_t system_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
  }

  /// Anchored at the system clock's present.
  static wall_clock starting_now(caf::actor_clock& clock) {
    return wall_clock{system_now_ms(), clock.now()};
  }

  std::int64_t now(caf::actor_clock& clock) const {
    using namespace std::chrono;
    return wall0 + duration_cast<milliseconds>(clock.now() - steady0).count();
  }
};

} // namespace proctord::contest
