#include "actors/contest/scoreboard.hpp"

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace proctord::contest {

namespace {

/// A participant's place in the tree. `index` (the order of arrival) only
/// makes keys unique: ranks ignore it.
struct key {
  std::int64_t score = 0;
  std::int64_t time_ms = 0;
  std::uint32_t index = 0;
};

/// Best first: score descending, then time ascending, then arrival.
struct key_order {
  bool operator()(const key& a, const key& b) const {
    if (a.score != b.score)
      return a.score > b.score;
    if (a.time_ms != b.time_ms)
      return a.time_ms < b.time_ms;
    return a.index < b.index;
  }
};

using order_tree
  = __gnu_pbds::tree<key, __gnu_pbds::null_type, key_order,
                     __gnu_pbds::rb_tree_tag,
                     __gnu_pbds::tree_order_statistics_node_update>;

struct participant {
  std::string user_id;
  std::string username;
  std::int64_t score = 0;
  std::int64_t time_ms = 0;
};

bool same_standing(const key& a, const key& b) {
  return a.score == b.score && a.time_ms == b.time_ms;
}

} // namespace

// Participants live in `rows`, indexed by their arrival index (the tree's
// tiebreak), so that a tree position leads back to its user without keeping
// strings in the keys; `by_id` finds a row from a user id.
struct scoreboard::impl {
  order_tree tree;
  std::vector<participant> rows;
  std::unordered_map<std::string, std::uint32_t> by_id;

  const participant* find(std::string_view user_id) const {
    // C++17's unordered_map has no heterogeneous lookup.
    auto i = by_id.find(std::string{user_id});
    return i == by_id.end() ? nullptr : &rows[i->second];
  }

  static key key_of(const participant& p, std::uint32_t index) {
    return key{p.score, p.time_ms, index};
  }

  std::uint32_t add(const std::string& user_id, const std::string& username) {
    if (auto i = by_id.find(user_id); i != by_id.end())
      return i->second;
    auto index = static_cast<std::uint32_t>(rows.size());
    rows.push_back(participant{user_id, username, 0, 0});
    by_id.emplace(user_id, index);
    tree.insert(key_of(rows.back(), index));
    return index;
  }

  /// 1 + the number of participants with a strictly better (score, time):
  /// index 0 sorts before every participant of the same standing.
  std::int32_t rank_at(std::int64_t score, std::int64_t time_ms) const {
    return static_cast<std::int32_t>(tree.order_of_key(key{score, time_ms, 0})
                                     + 1);
  }
};

scoreboard::scoreboard() : impl_(std::make_unique<impl>()) {}
scoreboard::~scoreboard() = default;
scoreboard::scoreboard(scoreboard&&) noexcept = default;
scoreboard& scoreboard::operator=(scoreboard&&) noexcept = default;

scoreboard::scoreboard(const scoreboard& other)
  : impl_(other.impl_ ? std::make_unique<impl>(*other.impl_) : nullptr) {}

scoreboard& scoreboard::operator=(const scoreboard& other) {
  if (this != &other) {
    scoreboard copy{other};
    *this = std::move(copy);
  }
  return *this;
}

// A moved-from scoreboard has no impl: it reads as empty, and the first
// change gives it a fresh one.

void scoreboard::add(const std::string& user_id, const std::string& username) {
  if (!impl_)
    impl_ = std::make_unique<impl>();
  impl_->add(user_id, username);
}

bool scoreboard::contains(std::string_view user_id) const {
  return impl_ && impl_->find(user_id) != nullptr;
}

void scoreboard::record(const std::string& user_id, std::int64_t points,
                        std::int64_t elapsed_ms) {
  if (!impl_)
    impl_ = std::make_unique<impl>();
  auto index = impl_->add(user_id, user_id);
  auto& p = impl_->rows[index];
  impl_->tree.erase(impl::key_of(p, index));
  p.score += points;
  p.time_ms += elapsed_ms;
  impl_->tree.insert(impl::key_of(p, index));
}

std::int32_t scoreboard::rank_of(std::string_view user_id) const {
  if (!impl_)
    return 0;
  auto* p = impl_->find(user_id);
  return p ? impl_->rank_at(p->score, p->time_ms) : 0;
}

std::int64_t scoreboard::score_of(std::string_view user_id) const {
  if (!impl_)
    return 0;
  auto* p = impl_->find(user_id);
  return p ? p->score : 0;
}

std::vector<scoreboard::entry> scoreboard::top(std::size_t n) const {
  return page(0, n);
}

std::vector<scoreboard::entry> scoreboard::page(std::size_t offset,
                                                std::size_t limit) const {
  std::vector<entry> out;
  if (!impl_ || offset >= impl_->tree.size() || limit == 0)
    return out;
  auto count = std::min(limit, impl_->tree.size() - offset);
  out.reserve(count);
  auto it = impl_->tree.find_by_order(offset);
  // Only the first rank needs the tree; the others follow from it.
  std::int32_t rank = impl_->rank_at(it->score, it->time_ms);
  const key* previous = nullptr;
  for (std::size_t i = 0; i < count; ++i, ++it) {
    if (previous && !same_standing(*previous, *it))
      rank = static_cast<std::int32_t>(offset + i + 1);
    const auto& p = impl_->rows[it->index];
    out.push_back(entry{rank, p.user_id, p.username, p.score, p.time_ms});
    previous = &*it;
  }
  return out;
}

std::size_t scoreboard::size() const {
  return impl_ ? impl_->tree.size() : 0;
}

std::int64_t speed_points(std::int64_t points, std::int64_t elapsed_ms,
                          std::int64_t limit_ms) {
  if (limit_ms <= 0)
    return points;
  auto elapsed = std::clamp<std::int64_t>(elapsed_ms, 0, limit_ms);
  // points * (1 - 0.5 * e / L) = points * (2L - e) / 2L, in exact integers
  // (128 bits: points * 2L may not fit in 64). Adding half the divisor, L,
  // to the magnitude rounds halves away from zero. The result lies between
  // points / 2 and points, so it fits.
  __extension__ using wide = __int128;
  wide num = static_cast<wide>(points) * (2 * static_cast<wide>(limit_ms)
                                          - elapsed);
  wide den = 2 * static_cast<wide>(limit_ms);
  wide magnitude = ((num < 0 ? -num : num) + limit_ms) / den;
  return static_cast<std::int64_t>(num < 0 ? -magnitude : magnitude);
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f'
         || c == '\r';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

} // namespace

bool answers_match(std::string_view given, std::string_view expected) {
  given = trim(given);
  expected = trim(expected);
  return given.size() == expected.size()
         && std::equal(given.begin(), given.end(), expected.begin(),
                       [](char a, char b) { return lower(a) == lower(b); });
}

} // namespace proctord::contest
