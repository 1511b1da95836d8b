#include "client.hpp"

namespace proctord::load {

namespace {

using namespace detail;

class runner {
public:
  runner(const options& o, const scenario& s) : opts_(o), plan_(s) {}

  report run() {
    prepare();
    dialect_->before_ramp(*ctx_);
    report r;
    r.scenario = plan_.name;
    r.dialect = plan_.dialect;
    r.url = "ws://" + run_.host_header + plan_.url.path;
    r.lead = plan_.measure;
    r.target_connections = plan_.connections();
    r.server_pid = opts_.server_pid;
    sample_server(r.server_idle);
    if (plan_.server_stats)
      r.stats_before = server_stats();

    start_threads();
    auto t0 = clock_type::now();
    ramp();
    r.ramp_seconds = seconds_since(t0);
    dialect_->after_ramp(*ctx_, joined(), clients_.size());
    if (opts_.server_pid) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      sample_server(r.server_connected);
      r.open_when_connected = totals().open;
    }

    run_.now = phase::active;
    each_client([](client& c) { c.start_actions_if_in_room(); });
    tick_for(plan_.warmup_seconds, "warmup");

    auto before = totals();
    sample_server(r.server_window_start);
    run_.measuring = true;
    auto w0 = clock_type::now();
    if (auto why = dialect_->window_starts(*ctx_); why.empty()) {
      window(w0);
    } else {
      std::lock_guard<std::mutex> guard{workers_.front()->figures.mutex};
      ++workers_.front()->figures.errors[why];
    }
    dialect_->window_ends(*ctx_);
    run_.measuring = false;
    r.measured_seconds = seconds_since(w0);
    sample_server(r.server_window_end);
    auto after = totals();
    r.sent_window = after.sent - before.sent;
    r.received_window = after.received - before.received;

    run_.now = phase::drain;
    drain();
    if (plan_.server_stats)
      r.stats_after = server_stats();
    finish(r);
    run_.now = phase::closing;
    each_client([](client& c) { c.close(); });
    wait_closed();
    stop_threads();
    return r;
  }

private:
  struct counts {
    std::uint64_t sent = 0, received = 0, connected = 0, failed = 0, open = 0,
                  settled = 0, back = 0;
  };

  void prepare() {
    auto d = make_dialect(plan_.dialect);
    if (!d)
      throw std::runtime_error("unknown dialect \"" + plan_.dialect
                               + "\" (this build speaks: native, contest, socketio, "
                                 "sio-session, sio-exam, probe)");
    if (auto why = d->check(plan_); !why.empty())
      throw std::runtime_error(why);
    dialect_ = std::move(d);
    run_.plan = &plan_;
    run_.dia = dialect_.get();
    run_.lead = plan_.measure == headline::ack         ? latency_kind::ack
                : plan_.measure == headline::handshake ? latency_kind::handshake
                                                       : latency_kind::delivery;

    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto results = resolver.resolve(plan_.url.host, std::to_string(plan_.url.port), ec);
    if (ec)
      throw std::runtime_error("cannot resolve " + plan_.url.host + ": " + ec.message());
    std::vector<std::string> resolved;
    for (auto& e : results) {
      // With source addresses, only the family they belong to.
      if (!opts_.source_addresses.empty() && !e.endpoint().address().is_v4())
        continue;
      run_.targets.push_back(e.endpoint());
      resolved.push_back(e.endpoint().address().to_string());
    }
    for (auto& s : opts_.source_addresses)
      run_.sources.push_back(asio::ip::make_address(s));
    if (auto why = check_targets(resolved, opts_.source_addresses, opts_.allow_remote);
        !why.empty())
      throw std::runtime_error(why);
    // One target address is enough; several would split a room's clients.
    run_.targets.resize(1);
    run_.host_header = plan_.url.host + ":" + std::to_string(plan_.url.port);
    http_ = make_http_api(run_.targets.front().address().to_string(),
                          run_.targets.front().port(), run_.host_header);

    ensure_files(plan_.connections());

    workers_.reserve(opts_.threads);
    for (std::size_t i = 0; i < opts_.threads; ++i)
      workers_.push_back(std::make_unique<worker>());

    rooms_ = std::vector<room_slot>(plan_.rooms);
    auto ttl = std::chrono::seconds(static_cast<long>(
      plan_.warmup_seconds + plan_.duration_seconds + plan_.drain_seconds + 3600));
    std::size_t index = 0;
    auto make = [&](std::size_t room, role who, std::size_t n) {
      auto id = identity_for(opts_.instance, room + 0, who, n);
      id.role = dialect_->role_claim(who);
      client_spec spec{who, n, &rooms_[room], id.user_id, id.name, &plan_};
      if (!run_.sources.empty())
        spec.source = run_.sources[index % run_.sources.size()].to_string();
      spec.token = mint_client_token(id, opts_.secret, opts_.issuer, opts_.audience, ttl);
      auto& w = *workers_[index % workers_.size()];
      auto target = dialect_->target(plan_, spec.token);
      clients_.push_back(std::make_shared<client>(run_, w, std::move(spec),
                                                  std::move(target), index));
      ++index;
    };
    for (std::size_t r = 0; r < plan_.rooms; ++r) {
      rooms_[r].index = r;
      for (std::size_t h = 0; h < plan_.hosts_per_room; ++h)
        make(r, role::host, h);
    }
    hosts_ = clients_.size();
    for (std::size_t r = 0; r < plan_.rooms; ++r)
      for (std::size_t p = 0; p < plan_.participants_per_room; ++p)
        make(r, role::participant, p);
    client_identity admin{"i" + std::to_string(opts_.instance) + "-admin",
                          "load admin", "admin"};
    ctx_ = std::make_unique<run_context>(run_context{
      plan_, *http_, rooms_,
      mint_client_token(admin, opts_.secret, opts_.issuer, opts_.audience, ttl)});
    for (auto& c : clients_)
      ctx_->clients.push_back(&c->spec());
    ctx_->http_from = [address = run_.targets.front().address().to_string(),
                       port = run_.targets.front().port(),
                       host = run_.host_header](const std::string& source) {
      return make_keepalive_http_api(address, port, host, source);
    };
    // A run step's own figures go to the first worker's.
    auto& figures = workers_.front()->figures;
    ctx_->expect = [&figures](tally t, std::int64_t n) {
      figures.expected[static_cast<std::size_t>(t)].fetch_add(n, std::memory_order_relaxed);
    };
    ctx_->record = [this, &figures](latency_kind k, std::int64_t ns) {
      if (!run_.measuring.load(std::memory_order_relaxed))
        return;
      std::lock_guard<std::mutex> guard{figures.mutex};
      figures.latency.of(k).record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, ns)));
    };
    ctx_->error = [&figures](std::string_view kind) {
      std::lock_guard<std::mutex> guard{figures.mutex};
      ++figures.errors[std::string(kind)];
    };
  }

  static void ensure_files(std::size_t sockets) {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      setrlimit(RLIMIT_NOFILE, &lim);
    }
    if (sockets + 64 > lim.rlim_cur)
      throw std::runtime_error(
        "this process may open " + std::to_string(lim.rlim_cur) + " files, too few for "
        + std::to_string(sockets) + " connections: split the run over several "
        "processes (--instance N, fewer rooms each)");
  }

  void start_threads() {
    for (auto& w : workers_) {
      w->thread = std::thread([wp = w.get()] {
        auto guard = asio::make_work_guard(wp->ioc);
        wp->ioc.run();
      });
    }
  }

  void stop_threads() {
    for (auto& w : workers_)
      w->ioc.stop();
    for (auto& w : workers_)
      if (w->thread.joinable())
        w->thread.join();
  }

  template <class F>
  void each_client(F f) {
    for (auto& c : clients_)
      asio::post(c->io(), [c, f] { f(*c); });
  }

  counts totals() const {
    counts c;
    for (auto& w : workers_) {
      auto& f = w->figures;
      c.sent += f.sent.load();
      c.received += f.received.load();
      c.connected += f.connected.load();
      c.failed += f.failed.load();
      c.open += f.open.load();
      c.settled += f.settled.load();
      c.back += f.back.load();
    }
    return c;
  }

  /// Hosts first (their rooms must exist), then each participant once its
  /// room has an id, at rampPerSecond; then waits for everyone to be in
  /// their room or to have failed, at most 30 s after the last attempt.
  void ramp() {
    auto start = clock_type::now();
    ramp_started_ns_ = now_ns();
    auto interval = std::chrono::duration<double>(1.0 / plan_.ramp_per_second);
    auto last_tick = start;
    std::size_t launched = 0;
    auto pace = [&] {
      auto due = start + std::chrono::duration_cast<clock_type::duration>(
                           interval * static_cast<double>(launched));
      if (due > clock_type::now())
        std::this_thread::sleep_until(due);
      if (clock_type::now() - last_tick >= std::chrono::seconds(1)) {
        last_tick = clock_type::now();
        progress("ramp");
      }
    };
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      pace();
      auto& c = clients_[i];
      if (i >= hosts_ && plan_.join_rooms && !abandoned_.count(c->room()->index)) {
        auto& room = *c->room();
        auto deadline = clock_type::now() + std::chrono::seconds(10);
        while (!room.ready.load(std::memory_order_acquire)
               && clock_type::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (!room.ready.load())
          abandoned_.insert(room.index); // its other participants fail at once
      }
      if (i >= hosts_ && plan_.join_rooms && !c->room()->ready.load()) {
        asio::post(c->io(), [c] { c->fail_unstarted("room was never created"); });
      } else {
        asio::post(c->io(), [c] { c->connect(false); });
      }
      ++launched;
    }
    auto deadline = clock_type::now() + std::chrono::seconds(30);
    while (totals().settled < clients_.size() && clock_type::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (clock_type::now() - last_tick >= std::chrono::seconds(1)) {
        last_tick = clock_type::now();
        progress("ramp");
      }
    }
  }

  void tick_for(double seconds, const char* label) {
    auto end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                     std::chrono::duration<double>(seconds));
    while (clock_type::now() < end) {
      std::this_thread::sleep_until(
        std::min(end, clock_type::now() + std::chrono::seconds(1)));
      progress(label);
    }
  }

  /// The measured window, with the faults at their times.
  void window(clock_type::time_point w0) {
    bool slow_done = plan_.slow_fraction <= 0;
    bool storm_done = plan_.reconnect_fraction <= 0;
    auto end = w0 + std::chrono::duration_cast<clock_type::duration>(
                      std::chrono::duration<double>(plan_.duration_seconds));
    auto at = [&](double s) {
      return w0 + std::chrono::duration_cast<clock_type::duration>(
                    std::chrono::duration<double>(s));
    };
    auto next_line = w0 + std::chrono::seconds(1);
    auto done = dialect_->ends_with();
    while (clock_type::now() < end) {
      if (done && delivered(*done) >= joined())
        break; // e.g. every participant has had contest_end
      auto wake = std::min(end, next_line);
      if (done)
        wake = std::min(wake, clock_type::now() + std::chrono::milliseconds(50));
      if (!slow_done)
        wake = std::min(wake, at(plan_.slow_at_seconds));
      if (!storm_done)
        wake = std::min(wake, at(plan_.reconnect_at_seconds));
      std::this_thread::sleep_until(wake);
      auto now = clock_type::now();
      if (!slow_done && now >= at(plan_.slow_at_seconds)) {
        slow_done = true;
        for (std::size_t i = hosts_; i < clients_.size(); ++i)
          if (chosen(i, plan_.slow_fraction, slow_salt))
            asio::post(clients_[i]->io(), [c = clients_[i]] { c->stop_reading(); });
      }
      if (!storm_done && now >= at(plan_.reconnect_at_seconds)) {
        storm_done = true;
        run_.storm_started_ns = now_ns();
        for (std::size_t i = 0; i < clients_.size(); ++i)
          if (chosen(i, plan_.reconnect_fraction, storm_salt)) {
            ++storm_clients_;
            asio::post(clients_[i]->io(),
                       [c = clients_[i]] { c->drop_and_reconnect(); });
          }
      }
      if (now >= next_line) {
        progress("run");
        next_line += std::chrono::seconds(1);
      }
    }
    // The storm's clients may still be on their way back.
    if (storm_clients_) {
      auto deadline = clock_type::now() + std::chrono::seconds(10);
      while (totals().back < storm_clients_ && clock_type::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }


  /// Waits until nothing has arrived for 300 ms (and every expected
  /// acknowledgement is in), at most drainSeconds.
  void drain() {
    auto deadline = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                          std::chrono::duration<double>(plan_.drain_seconds));
    auto last = totals().received;
    auto quiet_since = clock_type::now();
    while (clock_type::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto now_received = totals().received;
      if (now_received != last) {
        last = now_received;
        quiet_since = clock_type::now();
      } else if (clock_type::now() - quiet_since >= std::chrono::milliseconds(300)
                 && acks_in()) {
        return;
      }
    }
  }

  bool acks_in() const {
    std::int64_t expected = 0, delivered = 0;
    for (auto& w : workers_)
      for (auto t : {tally::submission_ack, tally::answer_ack}) {
        expected += w->figures.expected[static_cast<std::size_t>(t)].load();
        delivered += w->figures.delivered[static_cast<std::size_t>(t)].load();
      }
    return delivered >= expected;
  }

  std::uint64_t delivered(tally t) const {
    std::int64_t n = 0;
    for (auto& w : workers_)
      n += w->figures.delivered[static_cast<std::size_t>(t)].load();
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, n));
  }

  std::uint64_t joined() const {
    std::uint64_t n = 0;
    for (auto& w : workers_)
      n += w->figures.joined.load();
    return n;
  }

  void wait_closed() {
    auto deadline = clock_type::now() + std::chrono::seconds(3);
    while (totals().open > 0 && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  void finish(report& r) {
    auto c = totals();
    r.connected = c.connected;
    std::int64_t last_handshake = 0;
    for (auto& w : workers_) {
      last_handshake = std::max(last_handshake, w->figures.last_handshake_ns.load());
      r.first_handshakes += w->figures.first_handshakes.load();
    }
    if (last_handshake > ramp_started_ns_)
      r.handshake_seconds = static_cast<double>(last_handshake - ramp_started_ns_) / 1e9;
    r.sent_total = c.sent;
    r.received_total = c.received;
    r.open_at_end = c.open;
    std::int64_t last_back = 0;
    for (auto& w : workers_) {
      auto& f = w->figures;
      r.connect_failed += f.failed.load();
      r.closed_by_server += f.closed_by_server.load();
      r.actions_skipped += f.skipped.load();
      for (std::size_t t = 0; t < tally_count; ++t) {
        auto name = std::string(name_of(static_cast<tally>(t)));
        auto e = f.expected[t].load();
        auto d = f.delivered[t].load();
        if (e || d) {
          r.expected[name] += e;
          r.delivered[name] += d;
        }
      }
      std::lock_guard<std::mutex> guard{f.mutex};
      r.latency.merge(f.latency);
      r.ticks.merge(f.ticks);
      for (auto& [k, n] : f.errors)
        r.errors[k] += n;
      last_back = std::max(last_back, f.last_back_ns);
    }
    // Code updates and cursors are coalesced by the server, leaderboard
    // updates batched: no loss figure for them (nor for refusals). What
    // was expected of a coalesced one is the most that could arrive.
    for (std::size_t t = 0; t < tally_count; ++t) {
      if (has_loss_figure(static_cast<tally>(t)))
        continue;
      auto it = r.expected.find(std::string(name_of(static_cast<tally>(t))));
      if (it == r.expected.end())
        continue;
      if (it->second > 0)
        r.at_most[it->first] = it->second;
      r.expected.erase(it);
    }
    r.joined = joined();
    r.tick_rows = plan_.contest.record_ticks;
    r.reconnect_clients = storm_clients_;
    r.reconnect_back = c.back;
    if (storm_clients_ && c.back >= storm_clients_)
      r.all_back_ms = static_cast<double>(last_back - run_.storm_started_ns) / 1e6;
    r.server_peak_rss_kib = std::max(r.server_peak_rss_kib, peak_rss_);
  }

  void sample_server(std::optional<proc_sample>& into) {
    if (!opts_.server_pid)
      return;
    into = read_proc(*opts_.server_pid);
    if (into)
      peak_rss_ = std::max(peak_rss_, into->rss_kib);
  }

  std::optional<server_counters> server_stats() {
    auto reply = http_->call("GET", "/api/stats", "", "");
    return parse_server_stats(reply.status == 200 ? reply.body : std::string{});
  }

  void progress(const char* label) {
    auto c = totals();
    auto elapsed = seconds_since(last_progress_);
    last_progress_ = clock_type::now();
    histogram h;
    std::size_t errors = 0;
    for (auto& w : workers_) {
      std::lock_guard<std::mutex> guard{w->figures.mutex};
      h.merge(w->figures.interval);
      w->figures.interval.reset();
      for (auto& [k, n] : w->figures.errors)
        errors += n;
    }
    if (opts_.server_pid) {
      std::optional<proc_sample> s;
      sample_server(s);
    }
    if (!opts_.progress)
      return;
    auto rate = [&](std::uint64_t now, std::uint64_t before) {
      return elapsed > 0 ? static_cast<double>(now - before) / elapsed : 0.0;
    };
    char line[512];
    std::snprintf(line, sizeof line,
                  "[%6.1fs] %-6s conns %llu open, %llu failed | sent %.0f/s recv "
                  "%.0f/s | %s %s | errors %zu\n",
                  seconds_since(started_), label,
                  static_cast<unsigned long long>(c.open),
                  static_cast<unsigned long long>(c.failed),
                  rate(c.sent, last_counts_.sent), rate(c.received, last_counts_.received),
                  std::string(name_of(run_.lead)).c_str(), brief(h).c_str(), errors);
    std::fputs(line, stderr);
    last_counts_ = c;
  }

  static double seconds_since(clock_type::time_point t) {
    return std::chrono::duration<double>(clock_type::now() - t).count();
  }

  const options& opts_;
  scenario plan_;
  std::unique_ptr<dialect> dialect_;
  std::unique_ptr<http_api> http_;
  std::unique_ptr<run_context> ctx_;
  shared_run run_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<room_slot> rooms_;
  std::vector<std::shared_ptr<client>> clients_;
  std::size_t hosts_ = 0;
  std::uint64_t storm_clients_ = 0;
  std::uint64_t peak_rss_ = 0;
  std::set<std::size_t> abandoned_; // rooms whose host never created them
  std::int64_t ramp_started_ns_ = 0;
  clock_type::time_point started_ = clock_type::now();
  clock_type::time_point last_progress_ = clock_type::now();
  counts last_counts_;
};

} // namespace

report run_scenario(const options& o, const scenario& s) {
  runner r(o, s);
  return r.run();
}

} // namespace proctord::load
