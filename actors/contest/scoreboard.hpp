#pragma once
// A contest's ranking (issue 9): score descending, then total answer time
// ascending; equal score and equal time share a competition rank (1, 2, 2,
// 4). An order-statistics tree (g++'s __gnu_pbds tree with
// tree_order_statistics_node_update) keeps every operation O(log n), so an
// answer never sorts the board. Pure C++: no CAF, no JSON.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::contest {

class scoreboard {
public:
  scoreboard();
  ~scoreboard();
  scoreboard(scoreboard&&) noexcept;
  scoreboard& operator=(scoreboard&&) noexcept;
  scoreboard(const scoreboard&);
  scoreboard& operator=(const scoreboard&);

  /// Adds a participant with score 0 and time 0; does nothing if present.
  void add(const std::string& user_id, const std::string& username);

  bool contains(std::string_view user_id) const;

  /// Adds one answer's outcome to a participant (added first if unknown,
  /// with its id as username): score += points, time += elapsed_ms.
  void record(const std::string& user_id, std::int64_t points,
              std::int64_t elapsed_ms);

  struct entry {
    std::int32_t rank = 0;
    std::string user_id;
    std::string username;
    std::int64_t score = 0;
    std::int64_t time_ms = 0;
  };

  /// Competition rank: 1 + the number of participants strictly ahead;
  /// 0 for an unknown user. O(log n).
  std::int32_t rank_of(std::string_view user_id) const;
  std::int64_t score_of(std::string_view user_id) const;

  /// The first `n` in order, with their ranks. O(log n + n).
  std::vector<entry> top(std::size_t n) const;

  /// Positions [offset, offset + limit) in order, with their ranks.
  /// O(log n + limit).
  std::vector<entry> page(std::size_t offset, std::size_t limit) const;

  std::size_t size() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Points for a correct answer under `speed` scoring:
/// round(points * (1 - 0.5 * elapsed / limit)), elapsed clamped to
/// [0, limit] (so between half and all of the points). Halves round away
/// from zero.
std::int64_t speed_points(std::int64_t points, std::int64_t elapsed_ms,
                          std::int64_t limit_ms);

/// Whether an answer matches the expected one: both trimmed of ASCII
/// whitespace, compared case-insensitively (ASCII letters; other bytes
/// compare exactly).
bool answers_match(std::string_view given, std::string_view expected);

} // namespace proctord::contest
