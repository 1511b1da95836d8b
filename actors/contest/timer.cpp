#include "actors/contest/timer.hpp"

#include "actors/contest/schedule.hpp"

#include <caf/send.hpp>

#include <chrono>

namespace proctord {

namespace {

using self_ptr = contest_timer_actor::stateful_pointer<contest_timer_state>;

void wake_at(self_ptr self, std::int64_t at, std::int64_t now) {
  auto delay = std::chrono::milliseconds{at > now ? at - now : 0};
  self->delayed_send(self, delay, wake_atom::value, self->state.generation);
}

void on_wake(self_ptr self) {
  auto& st = self->state;
  auto now = st.clock.now(self->clock());
  if (now >= st.ends_at) {
    st.armed = false;
    self->send(st.contest, deadline_atom::value, st.generation);
    return;
  }
  if (!st.ticks) {
    wake_at(self, st.ends_at, now);
    return;
  }
  auto plan = contest::plan_tick(st.ends_at, now, st.last_sent);
  if (plan.send > 0) {
    st.last_sent = plan.send;
    self->send(st.contest, tick_atom::value, st.generation, plan.send);
  }
  wake_at(self, plan.wake_at, now);
}

} // namespace

contest_timer_actor::behavior_type
contest_timer(contest_timer_actor::stateful_pointer<contest_timer_state> self,
              contest_actor contest, contest::wall_clock clock) {
  self->state.contest = std::move(contest);
  self->state.clock = clock;
  return {
    [=](arm_atom, std::uint64_t generation, std::int64_t ends_at,
        std::int32_t last_sent, bool ticks) {
      auto& st = self->state;
      st.generation = generation;
      st.ends_at = ends_at;
      st.last_sent = last_sent;
      st.ticks = ticks;
      st.armed = true;
      on_wake(self); // the first tick (or the deadline) may be due now
    },
    [=](disarm_atom) {
      // Wake-ups already scheduled carry the old generation.
      ++self->state.generation;
      self->state.armed = false;
    },
    [=](wake_atom, std::uint64_t generation) {
      if (generation == self->state.generation && self->state.armed)
        on_wake(self);
    },
  };
}

} // namespace proctord
