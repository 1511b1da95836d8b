#pragma once
// Contest timer ticks as the load clients received them: for each
// (questionId, remaining) tick, when it was due and when the first and the
// last participant got it, on the realtime clock in microseconds (so that
// the tables of several processes on one machine can be merged). From
// those, the spread (last − first) and the lateness (receipt − due) over
// ticks. Not thread-safe: each load thread keeps its own and they merge.

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace proctord::load {

struct tick_receipts {
  std::int64_t due_us = 0; // endsAt − remaining seconds
  std::int64_t first_us = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_us = std::numeric_limits<std::int64_t>::min();
  std::uint64_t count = 0; // receipts (participants that got it)

  void add(std::int64_t at_us) noexcept;
  void merge(const tick_receipts& other) noexcept;
};

class tick_table {
public:
  using key = std::pair<std::string, std::int32_t>; // questionId, remaining

  void add(std::string_view question_id, std::int32_t remaining,
           std::int64_t due_us, std::int64_t at_us);
  void merge(const tick_table& other);
  bool empty() const noexcept { return rows_.empty(); }
  const std::map<key, tick_receipts>& rows() const noexcept { return rows_; }

private:
  std::map<key, tick_receipts> rows_;
};

/// Nearest-rank quantiles of a set of microsecond values.
struct spread_figures {
  std::int64_t median = 0;
  std::int64_t p99 = 0;
  std::int64_t max = 0;
};

/// `values` need not be sorted; all zero when empty. The q-quantile is the
/// ceil(q·n)-th smallest value.
spread_figures quantiles_of(std::vector<std::int64_t> values);

struct tick_summary {
  std::size_t ticks = 0;
  std::uint64_t receipts = 0;
  /// Ticks that fewer than `receivers` participants got.
  std::size_t incomplete = 0;
  spread_figures spread;       // last − first receipt, per tick
  spread_figures first_late;   // first receipt − due, per tick
  spread_figures last_late;    // last receipt − due, per tick
};

/// Over every tick of `t`; `receivers` is how many participants should
/// have got each (0: do not count incomplete ticks).
tick_summary summarize(const tick_table& t, std::uint64_t receivers);

} // namespace proctord::load
