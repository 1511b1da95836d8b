// The listener and the server's lifecycle; accepted sockets go to
// http_session.cpp, upgrades from there to websocket_session.cpp. Shaped
// after Beast's advanced server example.

#include "net/detail.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/error.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace proctord::net {

namespace asio = boost::asio;

namespace detail {

void fail(const boost::system::error_code& ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == asio::error::eof
      || ec == beast::error::timeout || ec == asio::error::connection_reset
      || ec == asio::error::broken_pipe
      || ec == boost::beast::websocket::error::closed)
    return;
  spdlog::debug("net {} fails: {}", what, ec.message());
}

ip_slot::ip_slot(std::shared_ptr<shared_state> st, std::string ip)
  : st_(std::move(st)), ip_(std::move(ip)) {
}

ip_slot::~ip_slot() {
  std::lock_guard<std::mutex> guard{st_->mtx};
  if (auto it = st_->per_ip.find(ip_); it != st_->per_ip.end() && --it->second == 0)
    st_->per_ip.erase(it);
}

std::shared_ptr<ip_slot> acquire_ip_slot(const std::shared_ptr<shared_state>& st,
                                         const std::string& ip) {
  {
    std::lock_guard<std::mutex> guard{st->mtx};
    auto& n = st->per_ip[ip];
    if (n >= st->cfg.max_connections_per_ip)
      return nullptr;
    ++n;
  }
  return std::make_shared<ip_slot>(st, ip);
}

bool register_session(shared_state& st, const std::shared_ptr<session_base>& s) {
  std::lock_guard<std::mutex> guard{st.mtx};
  if (st.stopping)
    return false;
  st.sessions.emplace(s.get(), s);
  return true;
}

void forget_session(shared_state& st, session_base* s) {
  std::lock_guard<std::mutex> guard{st.mtx};
  st.sessions.erase(s);
}

namespace {

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(asio::io_context& ioc, std::shared_ptr<shared_state> st)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), st_(std::move(st)) {
  }

  std::uint16_t open(const tcp::endpoint& ep) {
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    return acceptor_.local_endpoint().port();
  }

  void run() {
    do_accept();
  }

  void stop() {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return; // stopped
    if (ec) {
      // EMFILE and friends: log, and keep accepting once descriptors free up.
      spdlog::warn("net accept fails: {}", ec.message());
    } else {
      beast::error_code ep_ec;
      auto ip = socket.remote_endpoint(ep_ec).address().to_string();
      if (auto slot = acquire_ip_slot(st_, ip)) {
        // Small frames written back to back (a CONNECT answer and the event
        // after it) must not wait for the peer's delayed ACK (Nagle).
        socket.set_option(tcp::no_delay(true), ep_ec);
        if (st_->cfg.socket_send_buffer > 0)
          socket.set_option(asio::socket_base::send_buffer_size(
                              static_cast<int>(st_->cfg.socket_send_buffer)),
                            ep_ec);
        start_http_session(std::move(socket), st_, std::move(slot));
      } else {
        ++st_->refused;
        spdlog::warn("net refuses {}: connection limit per IP reached", ip);
        socket.close(ep_ec);
      }
    }
    do_accept();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  std::shared_ptr<shared_state> st_;
};

} // namespace
} // namespace detail

struct server::impl {
  asio::io_context ioc;
  std::shared_ptr<detail::shared_state> st = std::make_shared<detail::shared_state>();
  std::shared_ptr<detail::listener> lst;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::optional<asio::steady_timer> ticker;
  bool running = false;

  /// Once a second: every session's tick() (keep-alive pings, idle
  /// timeouts), outside the registry's lock (a session that ends meanwhile
  /// takes that lock in its destructor).
  void sweep() {
    ticker->expires_after(std::chrono::seconds{1});
    ticker->async_wait([this](boost::system::error_code ec) {
      if (ec)
        return;
      std::vector<std::shared_ptr<detail::session_base>> live;
      {
        std::lock_guard<std::mutex> guard{st->mtx};
        live.reserve(st->sessions.size());
        for (auto& [ptr, weak] : st->sessions)
          if (auto s = weak.lock())
            live.push_back(std::move(s));
      }
      auto now = std::chrono::steady_clock::now();
      for (auto& s : live)
        s->tick(now);
      live.clear();
      sweep();
    });
  }
};

server::server(server_config cfg) : impl_(std::make_unique<impl>()) {
  impl_->st->cfg = std::move(cfg);
}

void server::add_route(route r) {
  if (impl_->lst)
    throw std::logic_error("net: add_route after start");
  impl_->st->routes.add(std::move(r));
}

void server::set_fallback(std::shared_ptr<http_endpoint> ep) {
  if (impl_->lst)
    throw std::logic_error("net: set_fallback after start");
  impl_->st->routes.set_fallback(std::move(ep));
}

server::~server() {
  stop(std::chrono::milliseconds{0});
}

std::uint16_t server::start() {
  auto& cfg = impl_->st->cfg;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(cfg.bind, ec);
  if (ec)
    throw std::runtime_error("invalid bind address: " + cfg.bind);
  impl_->lst = std::make_shared<detail::listener>(impl_->ioc, impl_->st);
  std::uint16_t port = 0;
  try {
    port = impl_->lst->open(detail::tcp::endpoint{addr, cfg.port});
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + cfg.bind + ":"
                             + std::to_string(cfg.port) + ": " + e.what());
  }
  impl_->lst->run();
  impl_->ticker.emplace(impl_->ioc);
  impl_->sweep();
  impl_->work.emplace(impl_->ioc.get_executor());
  auto n = std::max<std::size_t>(1, cfg.io_threads);
  for (std::size_t i = 0; i < n; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->running = true;
  return port;
}

void server::stop_accepting() {
  if (impl_->running)
    impl_->lst->stop();
}

void server::stop(std::chrono::milliseconds grace) {
  if (!impl_->running)
    return;
  impl_->running = false;
  impl_->lst->stop();
  asio::post(impl_->ioc, [this] { impl_->ticker->cancel(); });
  auto& st = *impl_->st;
  auto snapshot = [&st] {
    std::vector<std::shared_ptr<detail::session_base>> live;
    std::lock_guard<std::mutex> guard{st.mtx};
    st.stopping = true; // a socket accepted from now on closes at once
    for (auto& [ptr, weak] : st.sessions)
      if (auto s = weak.lock())
        live.push_back(std::move(s));
    return live;
  };
  for (auto& s : snapshot())
    s->shutdown();
  auto deadline = std::chrono::steady_clock::now() + grace;
  auto any_left = [&st] {
    std::lock_guard<std::mutex> guard{st.mtx};
    return !st.sessions.empty();
  };
  while (any_left() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
  // Whatever did not finish within the grace period: no io thread runs
  // now, so the sessions' strand state may be touched from here. Each
  // inbound learns that its session is gone, which ends the application's
  // side (a connection actor) even though the handlers are never run.
  for (auto& s : snapshot())
    s->abandon();
}

server_stats server::stats() const {
  server_stats s;
  s.connections_open = impl_->st->open.load();
  s.connections_total = impl_->st->total.load();
  s.connections_refused = impl_->st->refused.load();
  s.slow_consumers_closed = impl_->st->slow_closed.load();
  s.queued_frames = impl_->st->queued.load(std::memory_order_relaxed);
  s.messages_in = impl_->st->messages_in.load(std::memory_order_relaxed);
  s.messages_out = impl_->st->messages_out.load(std::memory_order_relaxed);
  s.bytes_in = impl_->st->bytes_in.load(std::memory_order_relaxed);
  s.bytes_out = impl_->st->bytes_out.load(std::memory_order_relaxed);
  return s;
}

} // namespace proctord::net
