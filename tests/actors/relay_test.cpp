// The relay's pace: how long an event handed to it now would wait, which the
// doors read to shed live-only messages when the node is short of CPU. On
// CAF's test scheduler and clock, one message at a time.

#include "fixture.hpp"

#include <caf/send.hpp>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;

namespace {

/// A close order for a socket that is not there: the relay looks it up and
/// does nothing else.
void nobody(const relay_actor& relay) {
  caf::anon_send(relay, close_order{recipient{987654, 0}, 1000, "bye"});
}

} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "the relay publishes the wait of its backlog and none once it keeps up") {
  drain();
  CHECK(sockets->relay_wait() == 0ns);
  for (int i = 0; i < 11; ++i)
    nobody(relay_);

  // The first message: ten wait behind it, but no pace is known yet.
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() == 0ns);

  // It took 2 ms: nine behind the second, 18 ms.
  sched.clock().current_time += 2ms;
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() == 18ms);

  // A slower one moves the pace by a sixteenth of the difference, and
  // counts at most four times the pace (a preemption is not a slow relay):
  // 10 ms counts as 8, 2 ms + (8 ms - 2 ms) / 16 = 2.375 ms, eight behind.
  sched.clock().current_time += 10ms;
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() == 19ms);

  // The last one has nothing behind it: no wait.
  drain();
  CHECK(sockets->relay_wait() == 0ns);

  // A message that finds the relay idle is not measured against the last
  // one, however long ago that was: one behind it waits the recent pace
  // (2.375 ms, worn down by the eight instant ones since), not 5 s.
  sched.clock().current_time += 5s;
  nobody(relay_);
  nobody(relay_);
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() > 0ns);
  CHECK(sockets->relay_wait() < 3ms);
  drain();
  CHECK(sockets->relay_wait() == 0ns);
}
