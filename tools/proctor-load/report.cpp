#include "report.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace {

using json = nlohmann::json;

// The kinds the JSON always has; `tick` only when it has samples.
constexpr latency_kind all_kinds[] = {latency_kind::delivery, latency_kind::ack,
                                      latency_kind::handshake, latency_kind::join,
                                      latency_kind::reconnect};
constexpr latency_kind every_kind[] = {latency_kind::delivery, latency_kind::ack,
                                       latency_kind::handshake, latency_kind::join,
                                       latency_kind::reconnect, latency_kind::tick};

double ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

json latency_json(const histogram& h) {
  return {{"count", h.count()},
          {"p50", ms(h.percentile(0.50))},
          {"p90", ms(h.percentile(0.90))},
          {"p99", ms(h.percentile(0.99))},
          {"p999", ms(h.percentile(0.999))},
          {"max", ms(h.max())},
          {"mean", h.mean() / 1e6}};
}

json proc_json(const std::optional<proc_sample>& p) {
  if (!p)
    return nullptr;
  return {{"cpuSeconds", p->cpu_seconds}, {"rssKiB", p->rss_kib},
          {"peakRssKiB", p->hwm_kib}};
}

json counters_json(const std::optional<server_counters>& c) {
  if (!c)
    return nullptr;
  return {{"connections", c->connections}, {"messagesIn", c->messages_in},
          {"messagesOut", c->messages_out}, {"bytesIn", c->bytes_in},
          {"bytesOut", c->bytes_out}};
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string latency_line(std::string_view name, const histogram& h) {
  std::ostringstream os;
  os << "  " << name << std::string(11 - std::min<std::size_t>(10, name.size()), ' ')
     << "n=" << h.count() << "  p50 " << fixed(ms(h.percentile(0.5)), 3)
     << "  p90 " << fixed(ms(h.percentile(0.9)), 3) << "  p99 "
     << fixed(ms(h.percentile(0.99)), 3) << "  p99.9 "
     << fixed(ms(h.percentile(0.999)), 3) << "  max " << fixed(ms(h.max()), 3)
     << " ms\n";
  return os.str();
}

std::int64_t count_of(const std::map<std::string, std::int64_t>& m,
                      std::string_view name) {
  auto it = m.find(std::string(name));
  return it == m.end() ? 0 : it->second;
}

double per(std::int64_t n, std::uint64_t d) {
  return d ? static_cast<double>(n) / static_cast<double>(d) : 0.0;
}

json figures_json(const spread_figures& f) {
  return {{"median", static_cast<double>(f.median) / 1e3},
          {"p99", static_cast<double>(f.p99) / 1e3},
          {"max", static_cast<double>(f.max) / 1e3}};
}

/// The contest figures; loss and latencies are in their usual places.
json contest_json(const report& r) {
  auto s = summarize(r.ticks, r.joined);
  auto acked = count_of(r.delivered, "answerAck");
  auto refused = count_of(r.delivered, "answerRefused");
  json refusals = json::object();
  for (auto& [what, n] : r.errors)
    if (what.rfind("refused:", 0) == 0)
      refusals[what.substr(8)] = n;
  json j = {
    {"joined", r.joined},
    {"answers",
     {{"sent", count_of(r.expected, "answerAck") + refused},
      {"acked", acked},
      {"refused", refused},
      {"refusedByCode", refusals}}},
    {"leaderboardUpdatesPerParticipant", per(count_of(r.delivered, "leaderboard"), r.joined)},
    {"timerUpdates",
     {{"expected", count_of(r.expected, "timerTick")},
      {"received", count_of(r.delivered, "timerTick")},
      {"expectedPerParticipant", per(count_of(r.expected, "timerTick"), r.joined)},
      {"receivedPerParticipant", per(count_of(r.delivered, "timerTick"), r.joined)}}},
    {"contestEnd", {{"expected", count_of(r.expected, "contestEnd")},
                    {"received", count_of(r.delivered, "contestEnd")}}},
    {"timerSpread",
     {{"ticks", s.ticks},
      {"receipts", s.receipts},
      {"incompleteTicks", s.incomplete},
      {"spreadMs", figures_json(s.spread)},
      {"firstLatenessMs", figures_json(s.first_late)},
      {"lastLatenessMs", figures_json(s.last_late)}}},
  };
  if (r.tick_rows) {
    json rows = json::array();
    for (auto& [k, t] : r.ticks.rows())
      rows.push_back({{"questionId", k.first}, {"remaining", k.second},
                      {"dueUs", t.due_us}, {"firstUs", t.first_us},
                      {"lastUs", t.last_us}, {"receipts", t.count}});
    j["ticks"] = std::move(rows);
  }
  return j;
}

std::string ms_figures(const spread_figures& f) {
  return "median " + fixed(static_cast<double>(f.median) / 1e3, 2) + "  p99 "
         + fixed(static_cast<double>(f.p99) / 1e3, 2) + "  max "
         + fixed(static_cast<double>(f.max) / 1e3, 2) + " ms";
}

std::string contest_text(const report& r) {
  auto s = summarize(r.ticks, r.joined);
  auto refused = count_of(r.delivered, "answerRefused");
  std::ostringstream os;
  os << "contest      joined " << r.joined << "  answers sent "
     << count_of(r.expected, "answerAck") + refused << "  acked "
     << count_of(r.delivered, "answerAck") << "  refused " << refused
     << "  contest_end " << count_of(r.delivered, "contestEnd") << "/"
     << count_of(r.expected, "contestEnd") << "\n";
  os << "             per participant: timer_update "
     << fixed(per(count_of(r.delivered, "timerTick"), r.joined), 2) << " of "
     << fixed(per(count_of(r.expected, "timerTick"), r.joined), 2)
     << " expected, leaderboard_update "
     << fixed(per(count_of(r.delivered, "leaderboard"), r.joined), 2) << "\n";
  os << "timer spread " << s.ticks << " ticks (" << s.incomplete
     << " not to everyone): " << ms_figures(s.spread) << "\n";
  os << "tick late    first receipt " << ms_figures(s.first_late) << "\n"
     << "             last receipt  " << ms_figures(s.last_late) << "\n";
  return os.str();
}

} // namespace

histogram& latency_set::of(latency_kind k) noexcept {
  switch (k) {
    case latency_kind::delivery: return delivery;
    case latency_kind::ack: return ack;
    case latency_kind::handshake: return handshake;
    case latency_kind::join: return join;
    case latency_kind::reconnect: return reconnect;
    case latency_kind::tick: return tick;
  }
  return delivery;
}

const histogram& latency_set::of(latency_kind k) const noexcept {
  return const_cast<latency_set*>(this)->of(k);
}

void latency_set::merge(const latency_set& other) noexcept {
  for (auto k : every_kind)
    of(k).merge(other.of(k));
}

std::string_view name_of(latency_kind k) noexcept {
  switch (k) {
    case latency_kind::delivery: return "delivery";
    case latency_kind::ack: return "ack";
    case latency_kind::handshake: return "handshake";
    case latency_kind::join: return "join";
    case latency_kind::reconnect: return "reconnect";
    case latency_kind::tick: return "tick";
  }
  return "?";
}

std::string_view name_of(headline h) noexcept {
  switch (h) {
    case headline::delivery: return "delivery";
    case headline::ack: return "ack";
    case headline::handshake: return "handshake";
  }
  return "?";
}

std::optional<proc_sample> read_proc(int pid) {
  proc_sample s;
  {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(in, text))
      return std::nullopt;
    // The command name is in parentheses and may hold spaces: fields
    // after the last ')' start with field 3 (state).
    auto close = text.rfind(')');
    if (close == std::string::npos)
      return std::nullopt;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14)
        utime = std::stoull(field);
      if (i == 15)
        stime = std::stoull(field);
    }
    s.cpu_seconds = static_cast<double>(utime + stime)
                    / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    auto value = [&] { return std::stoull(line.substr(line.find(':') + 1)); };
    if (line.rfind("VmRSS:", 0) == 0)
      s.rss_kib = value();
    else if (line.rfind("VmHWM:", 0) == 0)
      s.hwm_kib = value();
  }
  return s;
}

std::optional<server_counters> parse_server_stats(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return std::nullopt;
  server_counters c;
  auto get = [&](const char* key, std::uint64_t& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned())
      return false;
    out = it->get<std::uint64_t>();
    return true;
  };
  if (!get("messagesIn", c.messages_in) || !get("messagesOut", c.messages_out))
    return std::nullopt;
  get("connections", c.connections);
  get("bytesIn", c.bytes_in);
  get("bytesOut", c.bytes_out);
  return c;
}

double report::deliveries_per_second() const noexcept {
  return measured_seconds > 0
           ? static_cast<double>(received_window) / measured_seconds
           : 0.0;
}

double report::handshakes_per_second() const noexcept {
  return handshake_seconds > 0 ? static_cast<double>(first_handshakes) / handshake_seconds
                               : 0.0;
}

std::optional<double> report::cpu_us_per_delivery() const noexcept {
  if (!server_window_start || !server_window_end || received_window == 0)
    return std::nullopt;
  return (server_window_end->cpu_seconds - server_window_start->cpu_seconds)
         * 1e6 / static_cast<double>(received_window);
}

std::optional<double> report::bytes_per_connection() const noexcept {
  if (!server_idle || !server_connected || open_when_connected == 0)
    return std::nullopt;
  auto grown = static_cast<double>(server_connected->rss_kib)
               - static_cast<double>(server_idle->rss_kib);
  return grown * 1024.0 / static_cast<double>(open_when_connected);
}

std::string brief(const histogram& h) {
  if (h.count() == 0)
    return "p50 -  p99 -";
  return "p50 " + fixed(ms(h.percentile(0.5)), 2) + " ms  p99 "
         + fixed(ms(h.percentile(0.99)), 2) + " ms";
}

json to_json(const report& r) {
  json lat = json::object();
  for (auto k : all_kinds)
    lat[std::string(name_of(k))] = latency_json(r.latency.of(k));
  if (r.latency.tick.count())
    lat["tick"] = latency_json(r.latency.tick);
  json loss = json::object();
  for (auto& [what, n] : r.expected) {
    auto it = r.delivered.find(what);
    auto got = it == r.delivered.end() ? 0 : it->second;
    loss[what] = {{"expected", n}, {"delivered", got}, {"lost", n - got}};
  }
  json coalesced = json::object();
  for (auto& [what, n] : r.at_most)
    coalesced[what] = {{"atMost", n}, {"delivered", count_of(r.delivered, what)}};
  json j = {
    {"scenario", r.scenario},
    {"dialect", r.dialect},
    {"url", r.url},
    {"connections",
     {{"target", r.target_connections},
      {"connected", r.connected},
      {"failed", r.connect_failed},
      {"closedByServer", r.closed_by_server},
      {"openAtEnd", r.open_at_end},
      {"joined", r.joined},
      {"rampSeconds", r.ramp_seconds},
      {"handshakeSeconds", r.handshake_seconds},
      {"handshakesPerSecond", r.handshakes_per_second()}}},
    {"measuredSeconds", r.measured_seconds},
    {"messages",
     {{"sentTotal", r.sent_total},
      {"receivedTotal", r.received_total},
      {"sentInWindow", r.sent_window},
      {"receivedInWindow", r.received_window},
      {"sentPerSecond",
       r.measured_seconds > 0 ? static_cast<double>(r.sent_window) / r.measured_seconds
                              : 0.0},
      {"deliveriesPerSecond", r.deliveries_per_second()},
      {"actionsSkipped", r.actions_skipped}}},
    {"delivered", r.delivered},
    {"loss", loss},
    {"coalesced", coalesced},
    {"errors", r.errors},
    {"headline", std::string(name_of(r.lead))},
    {"latencyMs", lat},
  };
  if (r.reconnect_clients) {
    j["reconnect"] = {{"clients", r.reconnect_clients},
                      {"back", r.reconnect_back},
                      {"allBackMs", r.all_back_ms ? json(*r.all_back_ms) : json(nullptr)}};
  }
  if (r.dialect == "contest")
    j["contest"] = contest_json(r);
  else if (!r.ticks.empty()) // the probe's broadcasts as ticks
    j["timerSpread"] = contest_json(r)["timerSpread"];
  json server = json::object();
  if (r.server_pid) {
    server["pid"] = *r.server_pid;
    server["idle"] = proc_json(r.server_idle);
    server["connected"] = proc_json(r.server_connected);
    server["windowStart"] = proc_json(r.server_window_start);
    server["windowEnd"] = proc_json(r.server_window_end);
    server["peakRssKiB"] = r.server_peak_rss_kib;
    if (r.server_window_start && r.server_window_end)
      server["cpuSecondsInWindow"] = r.server_window_end->cpu_seconds
                                     - r.server_window_start->cpu_seconds;
    auto us = r.cpu_us_per_delivery();
    server["cpuMicrosPerDelivery"] = us ? json(*us) : json(nullptr);
    auto b = r.bytes_per_connection();
    server["bytesPerConnection"] = b ? json(*b) : json(nullptr);
  }
  server["statsBefore"] = counters_json(r.stats_before);
  server["statsAfter"] = counters_json(r.stats_after);
  if (r.stats_before && r.stats_after) {
    server["messagesOutDelta"] = r.stats_after->messages_out - r.stats_before->messages_out;
    server["messagesInDelta"] = r.stats_after->messages_in - r.stats_before->messages_in;
  }
  j["server"] = server;
  return j;
}

std::string render_text(const report& r) {
  std::ostringstream os;
  os << "proctor-load report: " << r.scenario << " (" << r.dialect << ", " << r.url
     << ")\n";
  os << "connections  target " << r.target_connections << "  connected "
     << r.connected << "  failed " << r.connect_failed << "  closed by server "
     << r.closed_by_server << "  open at end " << r.open_at_end << "  (ramp "
     << fixed(r.ramp_seconds, 2) << " s, " << fixed(r.handshakes_per_second(), 0)
     << " handshakes/s)\n";
  os << "messages     sent " << r.sent_total << "  received " << r.received_total
     << "  | window " << fixed(r.measured_seconds, 2) << " s: sent "
     << fixed(r.measured_seconds > 0 ? static_cast<double>(r.sent_window) / r.measured_seconds : 0, 0)
     << "/s  delivered " << fixed(r.deliveries_per_second(), 0) << "/s";
  if (r.actions_skipped)
    os << "  (" << r.actions_skipped << " actions skipped)";
  os << "\n";
  if (!r.expected.empty()) {
    os << "loss        ";
    for (auto& [what, n] : r.expected) {
      auto it = r.delivered.find(what);
      auto got = it == r.delivered.end() ? 0 : it->second;
      os << " " << what << " " << got << "/" << n << " (lost " << (n - got) << ")";
    }
    os << "\n";
  }
  if (!r.at_most.empty()) {
    os << "coalesced   ";
    for (auto& [what, n] : r.at_most)
      os << " " << what << " " << count_of(r.delivered, what) << " of at most " << n;
    os << "\n";
  }
  os << "errors      ";
  if (r.errors.empty())
    os << " none";
  for (auto& [what, n] : r.errors)
    os << " " << what << "=" << n;
  os << "\n";
  os << "latency (" << name_of(r.lead) << " leads)\n";
  for (auto k : every_kind)
    if (r.latency.of(k).count())
      os << latency_line(name_of(k), r.latency.of(k));
  if (r.dialect == "contest")
    os << contest_text(r);
  if (r.reconnect_clients) {
    os << "reconnect    " << r.reconnect_back << "/" << r.reconnect_clients
       << " back";
    if (r.all_back_ms)
      os << ", all within " << fixed(*r.all_back_ms, 0) << " ms";
    os << "\n";
  }
  if (r.server_pid) {
    os << "server pid " << *r.server_pid << ":";
    if (r.server_window_start && r.server_window_end)
      os << " CPU " << fixed(r.server_window_end->cpu_seconds - r.server_window_start->cpu_seconds, 2)
         << " s in window";
    if (auto us = r.cpu_us_per_delivery())
      os << ", " << fixed(*us, 2) << " us/delivery";
    if (r.server_connected)
      os << ", RSS " << r.server_connected->rss_kib << " KiB with everyone connected";
    if (auto b = r.bytes_per_connection())
      os << " (" << fixed(*b, 0) << " B/connection)";
    os << ", peak RSS " << r.server_peak_rss_kib << " KiB\n";
  }
  if (r.stats_before && r.stats_after)
    os << "server says  messagesIn +"
       << r.stats_after->messages_in - r.stats_before->messages_in << "  messagesOut +"
       << r.stats_after->messages_out - r.stats_before->messages_out << "\n";
  return os.str();
}

} // namespace proctord::load
