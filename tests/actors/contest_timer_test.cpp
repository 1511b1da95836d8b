// The contest timer on CAF's simulated clock (nothing here sleeps): tick k
// of a question at ends_at - k seconds, the deadline at ends_at, a late wake
// sends the value due then and never one twice, a disarm (pause) silences
// it, a re-arm (resume) goes on from where it was, a stale generation is
// never heard again.

#include "fixture.hpp"

#include "actors/contest/timer.hpp"

#include <limits>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;

namespace {

constexpr auto none = std::numeric_limits<std::int32_t>::max();

struct heard {
  std::uint64_t gen = 0;
  std::int32_t tick = 0; // 0: the deadline
  std::int64_t at = 0;   // the timer's wall clock when it was heard
  bool operator==(const heard& o) const {
    return gen == o.gen && tick == o.tick && at == o.at;
  }
};

std::ostream& operator<<(std::ostream& os, const heard& h) {
  return os << "{gen " << h.gen << ", " << (h.tick ? "tick " : "deadline")
            << (h.tick ? std::to_string(h.tick) : "") << " at " << h.at << "}";
}

struct timer_fixture : actor_fixture {
  static constexpr std::int64_t t0 = 1'800'000'000'000; // the wall clock at start
  contest::wall_clock clock{t0, sys.clock().now()};
  std::vector<heard> log;
  contest_timer_actor timer;

  timer_fixture() {
    auto fake_contest = spawn_fn([this](caf::event_based_actor*) {
      return caf::behavior{
        [this](tick_atom, std::uint64_t gen, std::int32_t k) {
          log.push_back({gen, k, now()});
        },
        [this](deadline_atom, std::uint64_t gen) {
          log.push_back({gen, 0, now()});
        },
      };
    });
    timer = sys.spawn(contest_timer, caf::actor_cast<contest_actor>(fake_contest),
                      clock);
    remember(timer);
  }

  std::int64_t now() { return clock.now(sys.clock()); }

  void arm(std::uint64_t gen, std::int64_t ends_at, std::int32_t last = none,
           bool ticks = true) {
    caf::anon_send(timer, arm_atom::value, gen, ends_at, last, ticks);
    drain();
  }
};

} // namespace

TEST_CASE_METHOD(timer_fixture,
                 "contest timer: a tick each second, then the deadline",
                 "[contest][timer]") {
  arm(1, t0 + 3000);
  CHECK(log == std::vector<heard>{{1, 3, t0}});
  advance(999ms);
  CHECK(log.size() == 1);
  advance(1ms);
  advance(1s);
  advance(1s);
  CHECK(log == std::vector<heard>{{1, 3, t0},
                                  {1, 2, t0 + 1000},
                                  {1, 1, t0 + 2000},
                                  {1, 0, t0 + 3000}});
  // Nothing after the deadline.
  advance(10s);
  CHECK(log.size() == 4);
}

TEST_CASE_METHOD(timer_fixture,
                 "contest timer: a question of 2.5 s starts with remaining 3 "
                 "(rounded up) and never repeats a value",
                 "[contest][timer]") {
  arm(1, t0 + 2500);
  advance(500ms); // tick 2 due at t0 + 500
  advance(1s);    // tick 1 due at t0 + 1500
  advance(1s);    // the end at t0 + 2500
  CHECK(log == std::vector<heard>{{1, 3, t0},
                                  {1, 2, t0 + 500},
                                  {1, 1, t0 + 1500},
                                  {1, 0, t0 + 2500}});
}

TEST_CASE_METHOD(timer_fixture,
                 "contest timer: armed late, it sends the value due now, not "
                 "the ones it missed",
                 "[contest][timer]") {
  // Armed 2.3 s into a 10 s question: tick 8 is due (at 2 s), not 10 or 9.
  arm(4, t0 + 7700);
  CHECK(log == std::vector<heard>{{4, 8, t0}});
  advance(700ms);
  CHECK(log.back() == heard{4, 7, t0 + 700});
}

TEST_CASE_METHOD(timer_fixture,
                 "contest timer: a pause silences it, a re-arm goes on without "
                 "repeating the last value",
                 "[contest][timer]") {
  arm(1, t0 + 10'000);
  advance(2500ms); // ticks 10, 9, 8
  REQUIRE(log.back().tick == 8);
  caf::anon_send(timer, disarm_atom::value);
  drain();
  auto heard_before = log.size();
  advance(20s);
  CHECK(log.size() == heard_before); // paused: no tick, no deadline
  // Resumed 20 s later with the 7.5 s that were left: 8 was sent already,
  // 7 comes at its due time.
  auto ends = now() + 7500;
  arm(2, ends, 8);
  CHECK(log.size() == heard_before);
  advance(500ms);
  CHECK(log.back() == heard{2, 7, ends - 7000});
  advance(7s);
  CHECK(log.back() == heard{2, 0, ends});
  for (std::size_t i = heard_before; i < log.size(); ++i)
    CHECK(log[i].gen == 2);
}

TEST_CASE_METHOD(timer_fixture,
                 "contest timer: re-armed for another deadline, the old one "
                 "is never heard",
                 "[contest][timer]") {
  arm(1, t0 + 5000);
  advance(1s);
  arm(2, t0 + 3000, none, false); // a scheduled start: no ticks
  advance(2s);
  advance(8s);
  std::vector<heard> after;
  for (auto& h : log)
    if (h.at > t0 + 1000)
      after.push_back(h);
  CHECK(after == std::vector<heard>{{2, 0, t0 + 3000}});
}
