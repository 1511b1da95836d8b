#pragma once
// A log-bucketed latency histogram: every power of two is split into 32
// linear sub-buckets, so any recorded value is known to within 1/32 (about
// 3 %) from 1 ns up to 2^64 ns, in a fixed 15 KiB of counters. Recording is
// one shift and one increment; percentiles walk the buckets. Not
// thread-safe: each load thread records into its own and they are merged.

#include <array>
#include <cstddef>
#include <cstdint>

namespace proctord::load {

class histogram {
public:
  static constexpr unsigned sub_bits = 5;
  static constexpr std::uint64_t sub_count = 1u << sub_bits; // 32
  static constexpr std::size_t bucket_count = (64 - sub_bits + 1) * sub_count;

  /// Adds one value (nanoseconds, or any unit; negative callers clamp to 0).
  void record(std::uint64_t value) noexcept;

  /// Adds every value of `other`.
  void merge(const histogram& other) noexcept;

  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept;

  /// The value at quantile q in [0, 1]: the upper edge of the bucket that
  /// holds the ceil(q * count)-th smallest value, never above max() nor
  /// below min(). 0 when empty. So a reported p99 is at most ~3 % above the
  /// true one and never below it.
  std::uint64_t percentile(double q) const noexcept;

  /// Bucket arithmetic, public for the tests.
  static std::size_t index_of(std::uint64_t value) noexcept;
  static std::uint64_t lowest_in(std::size_t index) noexcept;
  static std::uint64_t highest_in(std::size_t index) noexcept;

private:
  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

} // namespace proctord::load
