#include "histogram.hpp"

#include <algorithm>
#include <cmath>

namespace proctord::load {

namespace {

unsigned log2_floor(std::uint64_t v) noexcept {
  return 63u - static_cast<unsigned>(__builtin_clzll(v));
}

} // namespace

std::size_t histogram::index_of(std::uint64_t value) noexcept {
  if (value < sub_count)
    return static_cast<std::size_t>(value);
  auto e = log2_floor(value); // >= sub_bits
  auto shift = e - sub_bits;
  auto mantissa = (value >> shift) & (sub_count - 1);
  return static_cast<std::size_t>((shift + 1) * sub_count + mantissa);
}

std::uint64_t histogram::lowest_in(std::size_t index) noexcept {
  if (index < sub_count)
    return index;
  auto shift = index / sub_count - 1;
  auto mantissa = index % sub_count;
  return (sub_count + mantissa) << shift;
}

std::uint64_t histogram::highest_in(std::size_t index) noexcept {
  if (index < sub_count)
    return index;
  auto shift = index / sub_count - 1;
  return lowest_in(index) + ((std::uint64_t{1} << shift) - 1);
}

void histogram::record(std::uint64_t value) noexcept {
  ++buckets_[index_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void histogram::merge(const histogram& other) noexcept {
  if (other.count_ == 0)
    return;
  for (std::size_t i = 0; i < bucket_count; ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void histogram::reset() noexcept {
  *this = histogram{};
}

double histogram::mean() const noexcept {
  return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_))
                : 0.0;
}

std::uint64_t histogram::percentile(double q) const noexcept {
  if (count_ == 0)
    return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(
    std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= rank)
      return std::clamp(highest_in(i), min(), max_);
  }
  return max_;
}

} // namespace proctord::load
