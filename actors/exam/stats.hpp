#pragma once
// The exams' figures for GET /api/stats: atomics the exam actors update as
// their students and monitors change, read synchronously by the HTTP
// thread that renders the stats (tools/proctord/main.cpp).

#include <atomic>
#include <cstdint>

namespace proctord {

struct exam_stats {
  /// Exams with at least one student whose time runs (active or
  /// disconnected).
  std::atomic<std::int64_t> active_exams{0};
  std::atomic<std::int64_t> students_active{0};
  std::atomic<std::int64_t> students_disconnected{0};
  std::atomic<std::int64_t> students_ended{0};
  /// Teachers' sockets monitoring an exam now.
  std::atomic<std::int64_t> monitoring_teachers{0};
};

} // namespace proctord
