// A contest's clock (actors/contest/schedule.hpp): where the schedule is at
// any moment, under pauses and after a restart, and which timer_update to
// send when. Every case is a pure function of its inputs: nothing sleeps.

#include "actors/contest/schedule.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <set>

using namespace proctord::contest;

namespace {

constexpr millis t0 = 1'700'000'000'000; // a start, in Unix milliseconds
const std::vector<std::int32_t> limits{10, 20, 30}; // seconds
constexpr auto never_sent = std::numeric_limits<std::int32_t>::max();

struct expected_position {
  int index;
  millis opens_at, ends_at, remaining_ms, opens_after_ms;
};

void check_position(const position& p, const expected_position& e) {
  CHECK(p.index == e.index);
  CHECK(p.opens_at == e.opens_at);
  CHECK(p.ends_at == e.ends_at);
  CHECK(p.remaining_ms == e.remaining_ms);
  CHECK(p.opens_after_ms == e.opens_after_ms);
}

} // namespace

TEST_CASE("schedule: nothing is open before the start", "[schedule]") {
  clock_state not_started;
  CHECK(active_elapsed(not_started, t0) == 0);
  check_position(locate(not_started, limits, t0), {-1, 0, 0, 0, 0});
  // Started, but at a moment still to come.
  clock_state later{t0, 0, 0};
  CHECK(active_elapsed(later, t0 - 1) == 0);
  check_position(locate(later, limits, t0 - 1), {-1, 0, 0, 0, 0});
}

TEST_CASE("schedule: questions run back to back", "[schedule]") {
  CHECK(total_ms(limits) == 60000);
  clock_state c{t0, 0, 0};
  struct row {
    millis now;
    expected_position at;
  };
  const row rows[] = {
    {t0, {0, t0, t0 + 10000, 10000, 0}},
    {t0 + 9999, {0, t0, t0 + 10000, 1, 0}},
    // At the exact end of one question the next is open.
    {t0 + 10000, {1, t0 + 10000, t0 + 30000, 20000, 10000}},
    {t0 + 29999, {1, t0 + 10000, t0 + 30000, 1, 10000}},
    {t0 + 30000, {2, t0 + 30000, t0 + 60000, 30000, 30000}},
    {t0 + 59999, {2, t0 + 30000, t0 + 60000, 1, 30000}},
    // Every question's time has run out: index == number of questions.
    {t0 + 60000, {3, 0, 0, 0, 60000}},
    {t0 + 60001, {3, 0, 0, 0, 60000}},
  };
  for (const auto& r : rows) {
    INFO("at t0 + " << r.now - t0);
    CHECK(active_elapsed(c, r.now) == r.now - t0);
    check_position(locate(c, limits, r.now), r.at);
  }
}

TEST_CASE("schedule: a question of limit 0 is never open", "[schedule]") {
  const std::vector<std::int32_t> with_zero{10, 0, 5};
  clock_state c{t0, 0, 0};
  CHECK(total_ms(with_zero) == 15000);
  check_position(locate(c, with_zero, t0 + 10000),
                 {2, t0 + 10000, t0 + 15000, 5000, 10000});
  check_position(locate(c, {}, t0), {0, 0, 0, 0, 0}); // no questions: done
}

TEST_CASE("schedule: a pause freezes the question and resuming shifts the rest",
          "[schedule]") {
  // Paused 5 s into question 1 (which opened at t0 + 10 s).
  clock_state c{t0, t0 + 15000, 0};
  CHECK(active_elapsed(c, t0 + 15000) == 15000);
  check_position(locate(c, limits, t0 + 15000),
                 {1, t0 + 10000, t0 + 30000, 15000, 10000});

  // While paused, the running time and what is left stay; the wall-clock
  // opening and end move with `now`, as if it resumed then.
  CHECK(active_elapsed(c, t0 + 20000) == 15000);
  check_position(locate(c, limits, t0 + 20000),
                 {1, t0 + 15000, t0 + 35000, 15000, 10000});
  check_position(locate(c, limits, t0 + 600000),
                 {1, t0 + 595000, t0 + 615000, 15000, 10000});

  // Resumed at t0 + 25 s: the 10 s pause joins paused_total_ms.
  clock_state resumed{t0, 0, 10000};
  CHECK(active_elapsed(resumed, t0 + 25000) == 15000);
  check_position(locate(resumed, limits, t0 + 25000),
                 {1, t0 + 20000, t0 + 40000, 15000, 10000});
  check_position(locate(resumed, limits, t0 + 39999),
                 {1, t0 + 20000, t0 + 40000, 1, 10000});
  // The last question opens 10 s later than without the pause.
  check_position(locate(resumed, limits, t0 + 40000),
                 {2, t0 + 40000, t0 + 70000, 30000, 30000});

  // A second pause, during the last question, adds to the first.
  clock_state again{t0, t0 + 50000, 10000};
  CHECK(active_elapsed(again, t0 + 90000) == 40000);
  clock_state resumed_again{t0, 0, 10000 + 40000};
  check_position(locate(resumed_again, limits, t0 + 90000),
                 {2, t0 + 80000, t0 + 110000, 20000, 30000});
  check_position(locate(resumed_again, limits, t0 + 110000),
                 {3, 0, 0, 0, 60000});
}

TEST_CASE("schedule: paused at the end is done and pauses clamp at 0",
          "[schedule]") {
  // Paused at the exact end of the last question: done, even while paused.
  clock_state c{t0, t0 + 60000, 0};
  check_position(locate(c, limits, t0 + 70000), {3, 0, 0, 0, 60000});
  // Pauses longer than the elapsed time (a corrupt row) clamp to 0.
  clock_state odd{t0, 0, 999999};
  CHECK(active_elapsed(odd, t0 + 1000) == 0);
  check_position(locate(odd, limits, t0 + 1000),
                 {0, t0 + 1000, t0 + 11000, 10000, 0});
}

TEST_CASE("schedule: a restart long after finds the contest over",
          "[schedule]") {
  constexpr millis day = 24 * 3600 * 1000;
  clock_state c{t0, 0, 5000};
  CHECK(active_elapsed(c, t0 + day) == day - 5000);
  check_position(locate(c, limits, t0 + day), {3, 0, 0, 0, 60000});
  // A restart during the contest finds the same question it left.
  check_position(locate(c, limits, t0 + 20000),
                 {1, t0 + 15000, t0 + 35000, 15000, 10000});
}

TEST_CASE("plan_tick: send the freshest due value once and wake at the next",
          "[schedule][tick]") {
  struct row {
    millis ends_at, now;
    std::int32_t last_sent;
    std::int32_t send;
    millis wake_at;
  };
  const row rows[] = {
    {10000, 0, never_sent, 10, 1000},  // the question opens
    {10000, 250, never_sent, 10, 1000}, // joined late: ceil(9.75) = 10
    {10000, 1000, 10, 9, 2000},        // on time
    {10000, 1500, 9, 0, 2000},         // late, but ceil(8.5) = 9 was sent
    {10000, 2300, 9, 8, 3000},         // woken late: its own value
    {10000, 0, 10, 0, 1000},           // woken twice: nothing new
    {10000, 8800, 5, 2, 9000},         // very late: skips 4 and 3
    {10000, 9000, 2, 1, 10000},        // the next value would be 0: the end
    {10000, 9999, never_sent, 1, 10000},
    {10000, 9500, 1, 0, 10000},        // 1 was sent: wait for the end
    {10000, 10000, 1, 0, 10000},       // over
    {10000, 10000, never_sent, 0, 10000},
    {10000, 12000, 3, 0, 10000},       // over, and late
  };
  for (const auto& r : rows) {
    INFO("ends_at " << r.ends_at << ", now " << r.now << ", last_sent "
                    << r.last_sent);
    auto p = plan_tick(r.ends_at, r.now, r.last_sent);
    CHECK(p.send == r.send);
    CHECK(p.wake_at == r.wake_at);
  }
}

namespace {

/// Runs one question's ticks from its opening to its end, waking `late()`
/// after each planned wake; checks every send and returns the values sent.
template <class Lateness>
std::vector<std::int32_t> simulate(millis opens_at, millis ends_at,
                                   Lateness late) {
  std::vector<std::int32_t> sent;
  std::set<std::int32_t> seen;
  auto last = never_sent;
  auto now = opens_at;
  for (int wakes = 0;; ++wakes) {
    REQUIRE(wakes < 1000); // it always reaches the end
    auto p = plan_tick(ends_at, now, last);
    INFO("now " << now << ", sent " << p.send << ", wake at " << p.wake_at);
    if (p.send != 0) {
      CHECK(p.send < last);                   // strictly decreasing
      CHECK(now >= ends_at - p.send * 1000);  // never before its due time
      CHECK(seen.insert(p.send).second);      // never twice
      sent.push_back(p.send);
      last = p.send;
    }
    if (now >= ends_at) {
      CHECK(p.send == 0);
      CHECK(p.wake_at == ends_at);
      return sent;
    }
    REQUIRE(p.wake_at > now);
    now = p.wake_at + late();
  }
}

} // namespace

TEST_CASE("plan_tick: on-time wakes send every second exactly once",
          "[schedule][tick]") {
  for (millis opens_at : {millis{0}, t0, t0 + 123}) {
    INFO("opens at " << opens_at);
    auto sent = simulate(opens_at, opens_at + 30000, [] { return 0; });
    std::vector<std::int32_t> expected;
    for (std::int32_t k = 30; k >= 1; --k)
      expected.push_back(k);
    CHECK(sent == expected);
  }
}

TEST_CASE("plan_tick: late wakes skip values but never repeat or run early",
          "[schedule][tick]") {
  std::mt19937 rng{42}; // fixed: a failure reproduces
  // Mostly small delays, sometimes over two seconds (a stalled scheduler).
  std::uniform_int_distribution<millis> small{0, 300};
  std::uniform_int_distribution<millis> large{0, 2500};
  std::bernoulli_distribution stall{0.2};
  auto late = [&] { return stall(rng) ? large(rng) : small(rng); };
  for (int run = 0; run < 200; ++run) {
    // Open at a random moment of a second, as a restart would find it.
    auto opens_at = t0 + small(rng);
    auto sent = simulate(opens_at, opens_at + 30000, late);
    REQUIRE_FALSE(sent.empty());
    CHECK(sent.front() == 30);
  }
}
