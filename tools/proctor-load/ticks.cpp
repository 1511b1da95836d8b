#include "ticks.hpp"

#include <algorithm>
#include <cmath>

namespace proctord::load {

void tick_receipts::add(std::int64_t at_us) noexcept {
  first_us = std::min(first_us, at_us);
  last_us = std::max(last_us, at_us);
  ++count;
}

void tick_receipts::merge(const tick_receipts& other) noexcept {
  if (other.count == 0)
    return;
  if (count == 0)
    due_us = other.due_us;
  first_us = std::min(first_us, other.first_us);
  last_us = std::max(last_us, other.last_us);
  count += other.count;
}

void tick_table::add(std::string_view question_id, std::int32_t remaining,
                     std::int64_t due_us, std::int64_t at_us) {
  auto& row = rows_[key{std::string(question_id), remaining}];
  if (row.count == 0)
    row.due_us = due_us;
  row.add(at_us);
}

void tick_table::merge(const tick_table& other) {
  for (auto& [k, r] : other.rows_)
    rows_[k].merge(r);
}

spread_figures quantiles_of(std::vector<std::int64_t> values) {
  spread_figures f;
  if (values.empty())
    return f;
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
  };
  f.median = at(0.5);
  f.p99 = at(0.99);
  f.max = values.back();
  return f;
}

tick_summary summarize(const tick_table& t, std::uint64_t receivers) {
  tick_summary s;
  std::vector<std::int64_t> spread, first_late, last_late;
  for (auto& [k, r] : t.rows()) {
    if (r.count == 0)
      continue;
    ++s.ticks;
    s.receipts += r.count;
    if (receivers && r.count < receivers)
      ++s.incomplete;
    spread.push_back(r.last_us - r.first_us);
    first_late.push_back(r.first_us - r.due_us);
    last_late.push_back(r.last_us - r.due_us);
  }
  s.spread = quantiles_of(std::move(spread));
  s.first_late = quantiles_of(std::move(first_late));
  s.last_late = quantiles_of(std::move(last_late));
  return s;
}

} // namespace proctord::load
