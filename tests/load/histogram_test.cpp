#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "histogram.hpp"

using proctord::load::histogram;

namespace {

/// The exact q-quantile of a sorted sample, by the same rank rule.
std::uint64_t exact(const std::vector<std::uint64_t>& sorted, double q) {
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

} // namespace

TEST_CASE("an empty histogram reports zeros") {
  histogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(0.5) == 0);
  CHECK(h.percentile(0.99) == 0);
  CHECK(h.max() == 0);
  CHECK(h.min() == 0);
  CHECK(h.mean() == 0.0);
}

TEST_CASE("small values are kept exactly and one value is every percentile") {
  histogram h;
  for (std::uint64_t v = 0; v < 32; ++v)
    h.record(v);
  CHECK(h.percentile(0.5) == 15);
  CHECK(h.percentile(1.0) == 31);
  CHECK(h.min() == 0);

  histogram one;
  one.record(123'456'789);
  for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0})
    CHECK(one.percentile(q) == 123'456'789);
}

TEST_CASE("bucket edges tile the whole range without gaps") {
  for (std::size_t i = 0; i + 1 < histogram::bucket_count; ++i) {
    INFO("bucket " << i);
    REQUIRE(histogram::highest_in(i) + 1 == histogram::lowest_in(i + 1));
    REQUIRE(histogram::index_of(histogram::lowest_in(i)) == i);
    REQUIRE(histogram::index_of(histogram::highest_in(i)) == i);
  }
  CHECK(histogram::index_of(~std::uint64_t{0}) == histogram::bucket_count - 1);
  CHECK(histogram::highest_in(histogram::bucket_count - 1) == ~std::uint64_t{0});
}

TEST_CASE("percentiles are within 1/32 above the exact ones, never below") {
  std::mt19937_64 rng(42);
  // Log-normal-ish latencies from 10 µs to a few seconds, in ns.
  std::lognormal_distribution<double> dist(std::log(400'000.0), 1.5);
  std::vector<std::uint64_t> values;
  histogram h;
  for (int i = 0; i < 200'000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(rng)) + 10'000;
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  CHECK(h.count() == values.size());
  CHECK(h.max() == values.back());
  CHECK(h.min() == values.front());
  for (double q : {0.5, 0.9, 0.99, 0.999, 1.0}) {
    INFO("q = " << q);
    auto want = exact(values, q);
    auto got = h.percentile(q);
    CHECK(got >= want);
    CHECK(static_cast<double>(got) <= static_cast<double>(want) * (1.0 + 1.0 / 32));
  }
}

TEST_CASE("merging equals recording everything in one") {
  histogram a, b, all;
  for (std::uint64_t v = 1; v < 100'000; v += 7) {
    (v % 3 ? a : b).record(v * 1000);
    all.record(v * 1000);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.max() == all.max());
  CHECK(a.min() == all.min());
  CHECK(a.mean() == Approx(all.mean()));
  for (double q : {0.1, 0.5, 0.99, 0.999})
    CHECK(a.percentile(q) == all.percentile(q));
  a.reset();
  CHECK(a.count() == 0);
  CHECK(a.percentile(0.5) == 0);
}

TEST_CASE("a slow tail shows in p99.9 and max but not in p50") {
  histogram h;
  for (int i = 0; i < 9990; ++i)
    h.record(1'000'000); // 1 ms
  for (int i = 0; i < 10; ++i)
    h.record(2'000'000'000); // 2 s
  CHECK(h.percentile(0.5) < 1'040'000);
  CHECK(h.percentile(0.99) < 1'040'000);
  CHECK(h.percentile(0.9991) >= 2'000'000'000);
  CHECK(h.max() == 2'000'000'000);
}
