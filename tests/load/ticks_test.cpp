#include <catch2/catch.hpp>

#include "ticks.hpp"

using namespace proctord::load;

TEST_CASE("nearest-rank quantiles over ticks") {
  CHECK(quantiles_of({}).max == 0);
  auto one = quantiles_of({7});
  CHECK((one.median == 7 && one.p99 == 7 && one.max == 7));
  std::vector<std::int64_t> hundred;
  for (int i = 100; i >= 1; --i)
    hundred.push_back(i);
  auto f = quantiles_of(hundred);
  CHECK(f.median == 50); // the 50th of 100
  CHECK(f.p99 == 99);
  CHECK(f.max == 100);
}

TEST_CASE("spread and lateness come from the first and last receipt of each tick") {
  // Two load threads (or processes) saw parts of the same ticks.
  tick_table a, b;
  // q1 remaining 3, due at 1,000,000 µs: receipts at +200, +900 and +1,500
  a.add("q1", 3, 1'000'000, 1'000'200);
  a.add("q1", 3, 1'000'000, 1'000'900);
  b.add("q1", 3, 1'000'000, 1'001'500);
  // q1 remaining 2, due 2,000,000: +100 and +300
  a.add("q1", 2, 2'000'000, 2'000'300);
  b.add("q1", 2, 2'000'000, 2'000'100);
  // q2 remaining 2 (same remaining, other question): one receipt only
  b.add("q2", 2, 9'000'000, 9'004'000);
  a.merge(b);

  REQUIRE(a.rows().size() == 3);
  auto& r = a.rows().at({"q1", 3});
  CHECK(r.count == 3);
  CHECK(r.first_us == 1'000'200);
  CHECK(r.last_us == 1'001'500);
  CHECK(r.due_us == 1'000'000);

  auto s = summarize(a, 3);
  CHECK(s.ticks == 3);
  CHECK(s.receipts == 6);
  CHECK(s.incomplete == 2); // q1/2 reached 2 of 3, q2/2 reached 1
  // spreads: 1,300, 200, 0 µs
  CHECK(s.spread.median == 200);
  CHECK(s.spread.max == 1'300);
  // first receipt late by 200, 100, 4,000; last by 1,500, 300, 4,000
  CHECK(s.first_late.median == 200);
  CHECK(s.first_late.max == 4'000);
  CHECK(s.last_late.median == 1'500);
  CHECK(s.last_late.p99 == 4'000);
  CHECK(summarize(a, 0).incomplete == 0);
  CHECK(summarize(tick_table{}, 5).ticks == 0);
}
