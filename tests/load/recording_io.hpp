#pragma once
// A session_io that records what a dialect session does, in place of a
// socket and a driver: the dialect tests drive sessions with it.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialect.hpp"
#include "ticks.hpp"

namespace proctord::load::testing {

struct recording_io : session_io {
  struct tick_seen {
    std::string question_id;
    std::int32_t remaining;
    std::int64_t due_us, at_us;
  };

  std::vector<nlohmann::json> sent; // parsed (discarded if not JSON)
  std::vector<std::string> frames;  // as sent
  int handshakes = 0;
  std::vector<std::pair<latency_kind, std::int64_t>> latencies;
  std::vector<std::string> errors;
  std::map<tally, std::int64_t> expected, got;
  std::vector<std::pair<std::int64_t, action>> scheduled; // (delay, what)
  std::vector<tick_seen> ticks;
  int in_room_calls = 0;
  std::int64_t clock = 1'000'000'000;
  std::int64_t wall = 1'764'498'000'000'000; // µs: 2025-11-30T10:20:00Z

  void send(std::string frame) override {
    sent.push_back(nlohmann::json::parse(frame, nullptr, false));
    frames.push_back(std::move(frame));
  }
  std::int64_t now_ns() const override { return clock; }
  void record(latency_kind k, std::int64_t ns) override { latencies.emplace_back(k, ns); }
  void error(std::string_view kind) override { errors.emplace_back(kind); }
  void in_room() override { ++in_room_calls; }
  void expect(tally t, std::int64_t n) override { expected[t] += n; }
  void delivered(tally t) override { ++got[t]; }
  std::int64_t wall_us() const override { return wall; }
  void after(std::int64_t delay_ns, action a) override { scheduled.emplace_back(delay_ns, a); }
  void timer_tick(std::string_view q, std::int32_t remaining, std::int64_t due_us,
                  std::int64_t at_us) override {
    ticks.push_back({std::string(q), remaining, due_us, at_us});
  }
  void handshake_done() override { ++handshakes; }
};

} // namespace proctord::load::testing
