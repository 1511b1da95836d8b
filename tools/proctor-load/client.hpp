#pragma once
// One simulated client of proctor-load: its socket, its dialect's session,
// its actions and what it measures. Internal to driver.cpp (the runner,
// which makes, paces and collects the clients); Beast stays in these two.

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

namespace proctord::load::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

inline std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

enum class phase { ramp, active, drain, closing };

/// A fixed, evenly spread choice of `fraction` of the clients.
inline bool chosen(std::size_t i, double fraction, std::uint64_t salt) {
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

  std::int64_t now_ns() const override { return detail::now_ns(); }

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

  std::int64_t wall_us() const override { return detail::wall_us(); }

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


} // namespace proctord::load::detail
