#pragma once
// What a load run found: counters, latency histograms, loss accounting and
// the server's own figures (from /proc and /api/stats), rendered as the
// final text report and as JSON (--json FILE).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "dialect.hpp"
#include "histogram.hpp"
#include "ticks.hpp"

namespace proctord::load {

struct latency_set {
  histogram delivery, ack, handshake, join, reconnect, tick;
  histogram& of(latency_kind k) noexcept;
  const histogram& of(latency_kind k) const noexcept;
  void merge(const latency_set& other) noexcept;
};

/// A process's CPU time and memory, from /proc/PID/stat and status.
struct proc_sample {
  double cpu_seconds = 0;    // user + system
  std::uint64_t rss_kib = 0; // VmRSS
  std::uint64_t hwm_kib = 0; // VmHWM: peak RSS since the process started
};
std::optional<proc_sample> read_proc(int pid);

/// The server's /api/stats counters.
struct server_counters {
  std::uint64_t connections = 0;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};
/// Parses an /api/stats body; nullopt if it is not the expected JSON.
std::optional<server_counters> parse_server_stats(std::string_view body);

struct report {
  std::string scenario;
  std::string dialect;
  std::string url;
  headline lead = headline::delivery;
  std::size_t target_connections = 0;

  std::uint64_t connected = 0;       // handshakes that completed
  std::uint64_t first_handshakes = 0; // of them, not reconnections
  std::uint64_t connect_failed = 0;  // attempts that did not
  std::uint64_t closed_by_server = 0;
  std::uint64_t open_at_end = 0;
  std::uint64_t open_when_connected = 0; // when server_connected was read
  double ramp_seconds = 0;     // from the first attempt to all settled
  double handshake_seconds = 0; // from the first attempt to the last handshake
  double measured_seconds = 0; // the window figures are over

  std::uint64_t sent_total = 0;
  std::uint64_t received_total = 0;
  std::uint64_t sent_window = 0;
  std::uint64_t received_window = 0;
  std::uint64_t actions_skipped = 0; // due but not possible (not in room, backlog)

  std::map<std::string, std::uint64_t> errors;
  std::map<std::string, std::int64_t> expected;
  std::map<std::string, std::int64_t> delivered;
  /// Coalesced deliveries (cursorMoved): the most that could have arrived.
  std::map<std::string, std::int64_t> at_most;
  latency_set latency; // over the measured window (handshake/join: all)

  // The contest dialect.
  std::uint64_t joined = 0; // connections that got into their room
  tick_table ticks;         // timer_update receipts
  bool tick_rows = false;   // write every tick's receipts to the JSON

  // The reconnect storm, when the scenario has one.
  std::uint64_t reconnect_clients = 0;
  std::uint64_t reconnect_back = 0;
  std::optional<double> all_back_ms;

  // The server, given --server-pid.
  std::optional<int> server_pid;
  std::optional<proc_sample> server_idle;      // before any connection
  std::optional<proc_sample> server_connected; // everyone in, before actions
  std::optional<proc_sample> server_window_start;
  std::optional<proc_sample> server_window_end;
  std::uint64_t server_peak_rss_kib = 0; // sampled every second
  std::optional<server_counters> stats_before; // before any connection
  std::optional<server_counters> stats_after;  // after the drain, before closing

  double deliveries_per_second() const noexcept;
  /// Completed first handshakes per second of the ramp (connection storm).
  double handshakes_per_second() const noexcept;
  /// Server CPU µs per message delivered in the window, if known.
  std::optional<double> cpu_us_per_delivery() const noexcept;
  /// Server RSS growth per open connection, in bytes, if known.
  std::optional<double> bytes_per_connection() const noexcept;
};

std::string render_text(const report& r);
nlohmann::json to_json(const report& r);

/// "p50 0.41 ms  p99 1.9 ms" for the progress line.
std::string brief(const histogram& h);

std::string_view name_of(latency_kind k) noexcept;
std::string_view name_of(headline h) noexcept;

} // namespace proctord::load
