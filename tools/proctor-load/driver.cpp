#include "driver.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <netinet/in.h>
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "http_client.hpp"
#include "identity.hpp"

namespace proctord::load {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

enum class phase { ramp, active, drain, closing };

/// A fixed, evenly spread choice of `fraction` of the clients.
bool chosen(std::size_t i, double fraction, std::uint64_t salt) {
  std::uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ull ^ (salt * 0xBF58476D1CE4E5B9ull);
  h ^= h >> 31;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  return static_cast<double>(h % 1000000) < fraction * 1000000.0;
}
constexpr std::uint64_t slow_salt = 1;
constexpr std::uint64_t storm_salt = 2;

/// How many frames a client queues for a server that does not read before
/// it gives up on the action (counted as skipped).
constexpr std::size_t client_backlog_limit = 4096;

/// Written by one io thread, read by the main thread.
struct worker_figures {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> connected{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> closed_by_server{0};
  std::atomic<std::uint64_t> open{0};
  std::atomic<std::uint64_t> settled{0}; // in room, or failed for good
  std::atomic<std::uint64_t> skipped{0};
  std::atomic<std::uint64_t> back{0}; // in room again after the storm
  std::atomic<std::uint64_t> joined{0}; // were in their room at least once
  std::atomic<std::int64_t> last_handshake_ns{0}; // of first connections
  std::atomic<std::uint64_t> first_handshakes{0};
  std::array<std::atomic<std::int64_t>, tally_count> expected{};
  std::array<std::atomic<std::int64_t>, tally_count> delivered{};

  std::mutex mutex; // guards what follows
  latency_set latency;
  histogram interval; // the headline kind, since the last progress line
  std::map<std::string, std::uint64_t> errors;
  std::int64_t last_back_ns = 0;
  tick_table ticks;
};

struct worker {
  asio::io_context ioc{1};
  worker_figures figures;
  std::thread thread;
};

/// State every client reads; written by the main thread before it posts.
struct shared_run {
  const scenario* plan = nullptr;
  const dialect* dia = nullptr;
  std::vector<tcp::endpoint> targets;
  std::vector<asio::ip::address> sources;
  std::string host_header;
  std::atomic<phase> now{phase::ramp};
  std::atomic<bool> measuring{false};
  latency_kind lead = latency_kind::delivery;
  std::int64_t storm_started_ns = 0;
};

class client : public session_io, public std::enable_shared_from_this<client> {
public:
  client(shared_run& run, worker& w, client_spec spec, std::string target,
         std::size_t index)
    : run_(run),
      w_(w),
      spec_(std::move(spec)),
      target_(std::move(target)),
      index_(index),
      logic_(run.dia->make_session(spec_)),
      timer_(w.ioc) {}

  // --- session_io, called on this client's io thread ---

  void send(std::string frame) override {
    if (!open_)
      return;
    if (outq_.size() >= client_backlog_limit) {
      w_.figures.skipped.fetch_add(1, std::memory_order_relaxed);
      error("client backlog full (server not reading)");
      return;
    }
    outq_.push_back(std::move(frame));
    if (!writing_)
      write_next();
  }

  std::int64_t now_ns() const override { return load::now_ns(); }

  void record(latency_kind kind, std::int64_t ns) override {
    if (ns < 0)
      ns = 0;
    bool always = kind == latency_kind::handshake || kind == latency_kind::join
                  || kind == latency_kind::reconnect;
    if (!always && !run_.measuring.load(std::memory_order_relaxed))
      return;
    std::lock_guard<std::mutex> guard{w_.figures.mutex};
    w_.figures.latency.of(kind).record(static_cast<std::uint64_t>(ns));
    if (kind == run_.lead)
      w_.figures.interval.record(static_cast<std::uint64_t>(ns));
  }

  void error(std::string_view kind) override {
    std::lock_guard<std::mutex> guard{w_.figures.mutex};
    ++w_.figures.errors[std::string(kind)];
  }

  void in_room() override {
    in_room_ = true;
    if (!joined_) {
      joined_ = true;
      w_.figures.joined.fetch_add(1, std::memory_order_relaxed);
    }
    if (!settled_) {
      settled_ = true;
      w_.figures.settled.fetch_add(1, std::memory_order_relaxed);
    }
    if (dropped_at_) {
      auto took = now_ns() - dropped_at_;
      dropped_at_ = 0;
      record(latency_kind::reconnect, took);
      w_.figures.back.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard<std::mutex> guard{w_.figures.mutex};
      w_.figures.last_back_ns = std::max(w_.figures.last_back_ns, now_ns());
    }
    if (run_.now.load() == phase::active)
      start_actions();
  }

  void expect(tally what, std::int64_t n) override {
    w_.figures.expected[static_cast<std::size_t>(what)].fetch_add(
      n, std::memory_order_relaxed);
  }

  void delivered(tally what) override {
    w_.figures.delivered[static_cast<std::size_t>(what)].fetch_add(
      1, std::memory_order_relaxed);
  }

  std::int64_t wall_us() const override { return load::wall_us(); }

  void after(std::int64_t delay_ns, action a) override {
    due d{a, 0, now_ns() + std::max<std::int64_t>(0, delay_ns)};
    if (firing_) {
      later_.push_back(d); // fire() is walking dues_
      return;
    }
    dues_.push_back(d);
    arm();
  }

  void timer_tick(std::string_view question_id, std::int32_t remaining,
                  std::int64_t due_us, std::int64_t at_us) override {
    std::lock_guard<std::mutex> guard{w_.figures.mutex};
    w_.figures.ticks.add(question_id, remaining, due_us, at_us);
  }

  void handshake_done() override { count_handshake(); }

  // --- driven by the main thread (posted onto the io thread) ---

  void connect(bool reconnect) {
    reconnect_ = reconnect;
    ws_ = std::make_unique<websocket::stream<tcp::socket>>(w_.ioc);
    auto& target = run_.targets[index_ % run_.targets.size()];
    auto& sock = ws_->next_layer();
    boost::system::error_code ec;
    sock.open(target.protocol(), ec);
    if (!ec && spec_.who == role::participant && run_.plan->slow_fraction > 0
        && chosen(index_, run_.plan->slow_fraction, slow_salt)) {
      // A future slow reader has a small receive window, like a phone on
      // a bad network, so that it falls behind in seconds rather than
      // after megabytes of kernel buffers.
      sock.set_option(asio::socket_base::receive_buffer_size(16384), ec);
    }
    if (!ec && !run_.sources.empty()) {
      // Ports are picked at connect time, per (source, destination), so
      // that each source address offers its whole ephemeral range.
      int one = 1;
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
                   &one, sizeof one);
      sock.bind({run_.sources[index_ % run_.sources.size()], 0}, ec);
    }
    if (ec) {
      give_up("connect: " + ec.message());
      return;
    }
    started_at_ = now_ns();
    sock.async_connect(target, [self = shared_from_this()](
                                 boost::system::error_code ec) {
      self->on_connect(ec);
    });
  }

  void start_actions() {
    if (actions_started_)
      return;
    actions_started_ = true;
    auto& plan = spec_.who == role::host ? run_.plan->host : run_.plan->participant;
    std::mt19937_64 rng(index_ * 7919 + 17);
    auto add = [&](action a, const rate& r) {
      if (!r.enabled())
        return;
      auto interval = static_cast<std::int64_t>(1e9 / r.per_second);
      std::uniform_int_distribution<std::int64_t> phase_of(0, std::max<std::int64_t>(0, interval - 1));
      dues_.push_back({a, interval, now_ns() + phase_of(rng)});
    };
    add(action::heartbeat, plan.heartbeat);
    add(action::announce, plan.announce);
    add(action::code_change, plan.code_change);
    add(action::violation, plan.violation);
    add(action::submit, plan.submit);
    add(action::cursor, plan.cursor);
    arm();
  }

  /// The reader stops: the kernel buffers fill and the server's send
  /// queue for this client grows until the server gives up on it.
  void stop_reading() {
    paused_ = true;
    dues_.clear();
    timer_.cancel();
  }

  /// The network drops (no close handshake) and the client comes back at
  /// once with RESUME.
  void drop_and_reconnect() {
    if (!open_ && !ws_)
      return;
    dropped_at_ = now_ns();
    paused_ = false;
    tear_down();
    connect(true);
  }

  void close() {
    timer_.cancel();
    dues_.clear();
    if (!open_ || !ws_)
      return;
    closing_ = true;
    ws_->async_close(websocket::close_code::normal,
                     [self = shared_from_this()](boost::system::error_code) {
                       self->tear_down();
                     });
  }

  asio::io_context& io() noexcept { return w_.ioc; }
  room_slot* room() const noexcept { return spec_.room; }
  const client_spec& spec() const noexcept { return spec_; }

  void start_actions_if_in_room() {
    if (in_room_)
      start_actions();
  }

  void fail_unstarted(const std::string& why) { give_up(why); }

private:
  struct due {
    action what;
    std::int64_t interval; // 0: once (after()), then dropped
    std::int64_t next;
  };

  void give_up(const std::string& why) {
    w_.figures.failed.fetch_add(1, std::memory_order_relaxed);
    if (!settled_) {
      settled_ = true;
      w_.figures.settled.fetch_add(1, std::memory_order_relaxed);
    }
    error(why);
    tear_down();
  }

  void tear_down() {
    in_room_ = false;
    if (open_) {
      open_ = false;
      w_.figures.open.fetch_sub(1, std::memory_order_relaxed);
    }
    outq_.clear();
    writing_ = false;
    ++generation_;
    if (ws_) {
      boost::system::error_code ignored;
      ws_->next_layer().close(ignored);
    }
  }

  void on_connect(boost::system::error_code ec) {
    if (ec) {
      give_up("connect: " + ec.message());
      return;
    }
    ws_->next_layer().set_option(tcp::no_delay(true), ec);
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_->set_option(t);
    ws_->auto_fragment(false);
    ws_->async_handshake(run_.host_header, target_,
                         [self = shared_from_this()](boost::system::error_code ec) {
                           self->on_handshake(ec);
                         });
  }

  void on_handshake(boost::system::error_code ec) {
    if (ec) {
      give_up("handshake: " + ec.message());
      return;
    }
    if (!run_.dia->handshake_in_session())
      count_handshake();
    w_.figures.connected.fetch_add(1, std::memory_order_relaxed);
    w_.figures.open.fetch_add(1, std::memory_order_relaxed);
    open_ = true;
    ws_->text(true);
    read_next();
    logic_->on_open(*this, reconnect_);
  }

  /// The handshake is over: at the upgrade, or where the dialect says.
  void count_handshake() {
    auto done = now_ns();
    record(latency_kind::handshake, done - started_at_);
    if (!reconnect_) {
      w_.figures.first_handshakes.fetch_add(1, std::memory_order_relaxed);
      if (done > w_.figures.last_handshake_ns.load())
        w_.figures.last_handshake_ns.store(done);
    }
  }

  void read_next() {
    ws_->async_read(buffer_, [self = shared_from_this(), gen = generation_](
                               boost::system::error_code ec, std::size_t) {
      self->on_read(ec, gen);
    });
  }

  void on_read(boost::system::error_code ec, unsigned gen) {
    if (gen != generation_)
      return; // a socket we dropped on purpose
    if (ec) {
      if (!closing_ && open_) {
        w_.figures.closed_by_server.fetch_add(1, std::memory_order_relaxed);
        if (ec == websocket::error::closed)
          error("closed by server: " + std::to_string(ws_->reason().code));
        else
          error("connection lost: " + ec.message());
      }
      tear_down();
      return;
    }
    w_.figures.received.fetch_add(1, std::memory_order_relaxed);
    auto data = buffer_.data();
    logic_->on_text(*this, std::string_view(static_cast<const char*>(data.data()),
                                            data.size()));
    buffer_.consume(buffer_.size());
    if (!paused_ && open_)
      read_next();
  }

  void write_next() {
    writing_ = true;
    ws_->async_write(asio::buffer(outq_.front()),
                     [self = shared_from_this(), gen = generation_](
                       boost::system::error_code ec, std::size_t) {
                       self->on_write(ec, gen);
                     });
  }

  void on_write(boost::system::error_code ec, unsigned gen) {
    if (gen != generation_)
      return;
    writing_ = false;
    if (ec)
      return; // the read side reports and tears down
    w_.figures.sent.fetch_add(1, std::memory_order_relaxed);
    outq_.pop_front();
    if (!outq_.empty() && open_)
      write_next();
  }

  void arm() {
    if (dues_.empty())
      return;
    auto next = std::min_element(dues_.begin(), dues_.end(),
                                 [](auto& a, auto& b) { return a.next < b.next; })
                  ->next;
    timer_.expires_at(clock_type::time_point(std::chrono::nanoseconds(next)));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec)
        self->fire();
    });
  }

  void fire() {
    if (run_.now.load() != phase::active) {
      dues_.clear();
      return;
    }
    auto now = now_ns();
    firing_ = true;
    for (auto& d : dues_) {
      if (d.interval == 0) {
        if (d.next <= now && !(open_ && !paused_ && logic_->act(*this, d.what)))
          w_.figures.skipped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      while (d.next <= now) {
        bool done = open_ && !paused_ && logic_->act(*this, d.what);
        if (!done)
          w_.figures.skipped.fetch_add(1, std::memory_order_relaxed);
        d.next += d.interval;
        // Open loop, but no burst to catch up after a stall of a second.
        if (now - d.next > 1'000'000'000) {
          w_.figures.skipped.fetch_add(
            static_cast<std::uint64_t>((now - d.next) / d.interval),
            std::memory_order_relaxed);
          d.next = now + d.interval;
        }
      }
    }
    firing_ = false;
    dues_.erase(std::remove_if(dues_.begin(), dues_.end(),
                               [&](const due& d) { return d.interval == 0 && d.next <= now; }),
                dues_.end());
    dues_.insert(dues_.end(), later_.begin(), later_.end());
    later_.clear();
    arm();
  }

  shared_run& run_;
  worker& w_;
  client_spec spec_;
  std::string target_;
  std::size_t index_;
  std::unique_ptr<dialect_session> logic_;
  std::unique_ptr<websocket::stream<tcp::socket>> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outq_;
  asio::steady_timer timer_;
  std::vector<due> dues_;
  std::vector<due> later_; // one-shots asked for while firing
  bool firing_ = false;
  bool joined_ = false;
  unsigned generation_ = 0;
  bool open_ = false;
  bool writing_ = false;
  bool paused_ = false;
  bool closing_ = false;
  bool reconnect_ = false;
  bool settled_ = false;
  bool in_room_ = false;
  bool actions_started_ = false;
  std::int64_t started_at_ = 0;
  std::int64_t dropped_at_ = 0;
};

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
