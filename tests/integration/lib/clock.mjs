// The tests' clock: epoch milliseconds read from the wall clock at an
// anchor, advanced by the monotonic clock from then on.
//
// This is how a contest keeps time (actors/contest/wall_clock.hpp): the wall
// clock read once when the contest's actor starts, advanced by the steady
// clock. On a VM whose wall clock is being slewed or stepped (one brought
// back from a snapshot catches up by several ms a second, and one CI run
// saw Date.now() leap 48 s inside a 4 s test), Date.now() drifts away from a
// contest's times while the two monotonic clocks do not. So the harness
// anchors this clock where the server anchors its own: before a server
// starts (contests restored at startup) and before a contest is created.
// Durations measured with it never include a step.

import { performance } from 'node:perf_hooks';

let wall0 = Date.now() - performance.now();

/// Epoch ms in the frame of the last anchor; never stepped.
export function now() {
  return wall0 + performance.now();
}

/// Anchors the frame at the wall clock's present.
export function rebase() {
  wall0 = Date.now() - performance.now();
}
