// One WebSocket session. Beast reads the upgrade request and writes the
// 101 (or the refusal); from then on the session owns a plain non-blocking
// socket and frames it itself (net/ws_frame.hpp, issue 12):
//
// - Reading runs on the session's strand: it waits until the socket is
//   readable, then reads into the io thread's buffer and hands complete
//   messages to its inbound. An idle connection holds no read buffer.
// - Writing belongs to whoever holds the frame_writer's mutex
//   (net/ws_writer.hpp): a frame for an idle socket is written at once on
//   the sender's thread; only a socket that would block makes the strand
//   wait for writability and flush the rest.
// - Keep-alive pings and the idle timeout come from the server's sweep
//   (tick(), once a second), not from a timer per session.

#include "net/detail.hpp"
#include "net/ws_frame.hpp"
#include "net/ws_writer.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <optional>

namespace proctord::net::detail {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using ws::frame_writer;
using ws::opcode;

namespace {

/// How long a close handshake may take before the socket is simply closed.
constexpr auto close_grace = std::chrono::seconds{3};

/// Bytes read from a socket per readiness, at most: a client that sends
/// without pause does not hold the io thread from the others.
constexpr std::size_t read_budget = 256 * 1024;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// The io thread's read buffer, shared by every session it serves (a read
/// is handed on before the next session reads).
char* read_buffer(std::size_t& size) {
  thread_local std::array<char, 64 * 1024> buffer;
  size = buffer.size();
  return buffer.data();
}

class websocket_session;

/// What the application holds of a session: a weak handle, so that the
/// application keeping it (a connection actor, the inbound) never keeps
/// the session alive, and no cycle session -> inbound -> outbound ->
/// session can outlive the socket.
class outbound_handle : public outbound {
public:
  explicit outbound_handle(std::weak_ptr<websocket_session> s) : s_(std::move(s)) {
  }
  void send(shared_frame frame) override;
  void send_binary(shared_frame frame) override;
  void close(close_code code, std::string reason) override;
  bool congested() const override;

private:
  std::weak_ptr<websocket_session> s_;
};

class websocket_session : public session_base,
                          public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(beast::tcp_stream&& stream, std::shared_ptr<shared_state> st,
                    std::shared_ptr<ip_slot> slot,
                    std::shared_ptr<websocket_endpoint> ep)
    : strand_(stream.get_executor()),
      hs_(std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(stream))),
      sock_(strand_),
      st_(std::move(st)),
      slot_(std::move(slot)),
      ep_(std::move(ep)),
      writer_(frame_writer::limits{st_->cfg.send_queue_bytes,
                                   st_->cfg.send_queue_frames},
              ws::write_counters{&st_->queued, &st_->messages_out,
                                 &st_->bytes_out}),
      parser_(st_->cfg.max_frame_bytes) {
    // Counted here and released in the destructor, so stop() can wait for 0.
    ++st_->open;
    ++st_->total;
  }

  ~websocket_session() override {
    notify_closed(); // the io_context went away under a live session
    --st_->open;
    forget_session(*st_, this);
  }

  void run(http::request<http::string_body> req, http_request info) {
    if (!register_session(*st_, shared_from_this()))
      return; // the server is stopping: the socket closes with us
    asio::dispatch(strand_, beast::bind_front_handler(&websocket_session::on_run,
                                                      shared_from_this(),
                                                      std::move(req),
                                                      std::move(info)));
  }

  // -- outbound (through outbound_handle); any thread --------------------------

  void send(const shared_frame& frame, bool binary) {
    after_write(writer_.send(binary ? opcode::binary : opcode::text, frame));
  }

  bool congested() const {
    return st_->queued.load(std::memory_order_relaxed)
           > static_cast<std::int64_t>(st_->cfg.max_queued_frames);
  }

  void close(close_code code, std::string reason) {
    asio::post(strand_, beast::bind_front_handler(
                          &websocket_session::on_close_request,
                          shared_from_this(), code, std::move(reason)));
  }

  // -- session_base -----------------------------------------------------------

  /// An open session says goodbye (1001, with close_grace to finish), and
  /// so does one writing its 101 as soon as that is done (the client may
  /// already count it open); one not that far (or refusing) is closed at
  /// once.
  void shutdown() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopping_ = true;
      if (self->accepted_)
        self->on_close_request(close_code::going_away, "server shutting down");
      else if (!self->in_ && self->hs_)
        beast::get_lowest_layer(*self->hs_).close();
      // else on_accept() closes (its handshake_timeout bounds the wait)
    });
  }

  void abandon() override {
    notify_closed();
    close_socket();
    if (hs_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*hs_).socket().close(ignored);
    }
  }

  /// The server's sweep thread: pings a peer silent for half the idle
  /// timeout, drops one silent for all of it. A peer is never dropped
  /// unpinged: when the sweep's second lands the first look past the whole
  /// timeout, it pings then and drops at the next sweep if still silent.
  void tick(std::chrono::steady_clock::time_point) override {
    if (!live_.load(std::memory_order_acquire) || idle_ms_ == 0)
      return;
    auto silent = now_ms() - last_rx_ms_.load(std::memory_order_relaxed);
    if (silent < idle_ms_ / 2)
      return;
    if (!ping_out_.exchange(true))
      after_write(writer_.send_control(opcode::ping, {}));
    else if (silent >= idle_ms_)
      asio::post(strand_, [self = shared_from_this()] { self->on_idle_timeout(); });
  }

private:
  // -- the handshake (Beast) --------------------------------------------------

  void on_run(http::request<http::string_body> req, http_request info) {
    if (stopping_)
      return beast::get_lowest_layer(*hs_).close();
    auto ep = std::move(ep_);
    upgrade_answer answer;
    try {
      answer = ep->upgrade(info, std::make_shared<outbound_handle>(weak_from_this()));
    } catch (const std::exception& e) {
      spdlog::warn("net upgrade handler for {} throws: {}", info.path, e.what());
      answer = upgrade_answer{};
      answer.status = 500;
    }
    if (!answer.handler) {
      reject(req, answer);
      return;
    }
    in_ = std::move(answer.handler);
    beast::get_lowest_layer(*hs_).expires_after(st_->cfg.handshake_timeout);
    if (!answer.own_heartbeat) {
      auto idle = answer.idle_timeout.count() > 0 ? answer.idle_timeout
                                                  : st_->cfg.idle_timeout;
      idle_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(idle).count();
    }
    hs_->set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) {
        res.set(http::field::server, "proctord");
      }));
    parser_ = ws::frame_parser(answer.max_message_bytes > 0
                                 ? answer.max_message_bytes
                                 : st_->cfg.max_frame_bytes);
    if (answer.close_at_once) {
      close_at_once_ = answer.close_at_once;
      close_reason_ = std::move(answer.close_reason);
    }
    hs_->async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
                                                     shared_from_this()));
  }

  void reject(const http::request<http::string_body>& req, upgrade_answer& no) {
    auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(no.status), req.version());
    res->set(http::field::server, "proctord");
    if (!no.content_type.empty())
      res->set(http::field::content_type, no.content_type);
    res->keep_alive(false);
    res->body() = std::move(no.body);
    res->prepare_payload();
    auto self = shared_from_this();
    http::async_write(hs_->next_layer(), *res,
                      [self, res](beast::error_code ec, std::size_t) {
                        if (!ec)
                          self->hs_->next_layer().socket().shutdown(
                            tcp::socket::shutdown_send, ec);
                      });
  }

  /// The 101 is out: the socket leaves Beast for good.
  void on_accept(beast::error_code ec) {
    if (ec) {
      fail(ec, "websocket accept");
      notify_closed();
      return;
    }
    auto& stream = hs_->next_layer();
    stream.expires_never();
    sock_ = stream.release_socket();
    hs_.reset();
    sock_.non_blocking(true, ec);
    accepted_ = true;
    last_rx_ms_.store(now_ms(), std::memory_order_relaxed);
    live_.store(true, std::memory_order_release);
    // What the endpoint sent from upgrade() (a greeting) waited for the 101.
    after_write(writer_.attach(sock_.native_handle()));
    wait_readable();
    if (stopping_)
      on_close_request(close_code::going_away, "server shutting down");
    else if (close_at_once_)
      on_close_request(*close_at_once_, std::move(close_reason_));
  }

  // -- reading (strand) -------------------------------------------------------

  void wait_readable() {
    sock_.async_wait(tcp::socket::wait_read,
                     asio::bind_executor(strand_, beast::bind_front_handler(
                                                    &websocket_session::on_readable,
                                                    shared_from_this())));
  }

  void on_readable(beast::error_code ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted)
        fail(ec, "websocket wait");
      return end();
    }
    std::size_t size = 0;
    char* buf = read_buffer(size);
    std::size_t total = 0;
    while (total < read_budget && !read_done_) {
      auto n = ::recv(sock_.native_handle(), buf, size, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          break;
        fail(beast::error_code{errno, boost::system::system_category()},
             "websocket read");
        return end();
      }
      if (n == 0) // the peer closed TCP (with or without a close frame)
        return end();
      total += static_cast<std::size_t>(n);
      last_rx_ms_.store(now_ms(), std::memory_order_relaxed);
      ping_out_.store(false, std::memory_order_relaxed);
      consume(std::string_view{buf, static_cast<std::size_t>(n)});
      if (static_cast<std::size_t>(n) < size)
        break; // drained (most likely): wait again rather than read EAGAIN
    }
    if (!read_done_ && sock_.is_open())
      wait_readable();
  }

  /// Hands every complete message in `in` on; answers control frames.
  void consume(std::string_view in) {
    while (!in.empty() && !parser_.done()) {
      auto p = parser_.next(in);
      in.remove_prefix(p.consumed);
      using kind = ws::parsed::kind;
      switch (p.what) {
      case kind::need_more:
        return;
      case kind::text:
        if (!closing_ && in_) {
          st_->messages_in.fetch_add(1, std::memory_order_relaxed);
          st_->bytes_in.fetch_add(p.payload.size(), std::memory_order_relaxed);
          in_->on_text(std::move(p.payload));
        }
        break;
      case kind::binary:
        if (!closing_ && in_ && !in_->on_binary(std::move(p.payload)))
          on_close_request(close_code::unsupported_data, "text frames only");
        break;
      case kind::ping:
        if (!closing_)
          after_write(writer_.send_control(opcode::pong, std::move(p.payload)));
        break;
      case kind::pong:
        break;
      case kind::close:
        on_peer_close(p.code);
        return;
      case kind::fail:
        spdlog::debug("net websocket from {} breaks the protocol: {}", slot_->ip(),
                      p.why);
        // Nothing it sends is read any more: the session ends once the
        // close frame is out (or the kill timer fires).
        read_done_ = true;
        peer_closed_ = true;
        on_close_request(close_code{p.code}, std::string{p.why});
        return;
      }
    }
  }

  /// The peer's close frame: the answer to ours, or theirs to answer.
  void on_peer_close(std::uint16_t code) {
    read_done_ = true;
    if (close_sent_ || closing_) {
      // We asked first (or are answering already): the handshake is done
      // once our close frame is out.
      peer_closed_ = true;
      if (writer_.close_written())
        return end();
      return;
    }
    closing_ = true;
    peer_closed_ = true;
    notify_closed();
    // Echo the code (RFC 6455 5.5.1); 1005 means none was given.
    auto payload = code == 1005 ? std::string{} : ws::close_payload(code, {});
    close_frame_queued_.store(true, std::memory_order_release);
    after_write(writer_.send_control(opcode::close, std::move(payload)));
    arm_kill_timer();
  }

  // -- writing ----------------------------------------------------------------

  /// Any thread: what a write's status asks for.
  void after_write(frame_writer::status s) {
    switch (s) {
    case frame_writer::status::written:
      if (closing_written_check())
        asio::post(strand_, [self = shared_from_this()] { self->on_close_written(); });
      return;
    case frame_writer::status::queued:
    case frame_writer::status::closed:
      return;
    case frame_writer::status::blocked:
      asio::post(strand_, [self = shared_from_this()] { self->wait_writable(); });
      return;
    case frame_writer::status::overflow:
      asio::post(strand_, [self = shared_from_this()] { self->on_overflow(); });
      return;
    case frame_writer::status::failed:
      asio::post(strand_, [self = shared_from_this()] { self->end(); });
      return;
    }
  }

  /// Whether a close frame just went out (checked after a write).
  bool closing_written_check() {
    return close_frame_queued_.load(std::memory_order_acquire)
           && writer_.close_written()
           && !close_seen_written_.exchange(true);
  }

  void wait_writable() {
    if (!sock_.is_open())
      return;
    sock_.async_wait(tcp::socket::wait_write,
                     asio::bind_executor(strand_, beast::bind_front_handler(
                                                    &websocket_session::on_writable,
                                                    shared_from_this())));
  }

  void on_writable(beast::error_code ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted)
        fail(ec, "websocket wait");
      return;
    }
    after_write(writer_.flush());
  }

  void on_overflow() {
    ++st_->slow_closed;
    spdlog::warn("net closes slow consumer {} (send queue over its limit)",
                 slot_->ip());
    on_close_request(close_code::policy_violation, "send queue overflow");
  }

  // -- closing (strand) -------------------------------------------------------

  void on_close_request(close_code code, std::string reason) {
    if (!accepted_) {
      // Asked from upgrade() or before the 101 is out: close once accepted.
      if (in_ && !close_at_once_) {
        close_at_once_ = code;
        close_reason_ = std::move(reason);
      }
      return;
    }
    if (closing_)
      return;
    closing_ = true;
    close_sent_ = true;
    // The queued frames go first (a KICKED event before the 4003 close); a
    // slow consumer's queue was dropped already.
    close_frame_queued_.store(true, std::memory_order_release);
    after_write(writer_.send_control(opcode::close,
                                     ws::close_payload(code.value, reason)));
    arm_kill_timer();
  }

  /// Our close frame is on the wire: the server closes TCP once the peer
  /// answered (RFC 6455 7.1.1), or right away when it was the answer.
  void on_close_written() {
    if (peer_closed_)
      end();
    // else the peer's close frame, or the kill timer, ends the session
  }

  void on_idle_timeout() {
    if (!accepted_ || closing_)
      return;
    spdlog::debug("net websocket {} idle for {} ms: closing", slot_->ip(), idle_ms_);
    end();
  }

  /// A peer that never drains its socket never completes the close
  /// handshake: close the socket after a grace period.
  void arm_kill_timer() {
    if (kill_timer_)
      return;
    kill_timer_ = std::make_unique<asio::steady_timer>(strand_);
    kill_timer_->expires_after(close_grace);
    kill_timer_->async_wait(asio::bind_executor(
      strand_, [self = shared_from_this()](beast::error_code ec) {
        if (!ec)
          self->end();
      }));
  }

  /// The session is over: the socket closes, the inbound learns it.
  void end() {
    read_done_ = true;
    live_.store(false, std::memory_order_release);
    close_socket();
    if (kill_timer_)
      kill_timer_->cancel();
    notify_closed();
  }

  void close_socket() {
    writer_.detach(); // no thread writes to the descriptor from now on
    beast::error_code ignored;
    if (sock_.is_open())
      sock_.close(ignored);
  }

  void notify_closed() {
    if (in_) {
      auto in = std::move(in_);
      in->on_closed();
    }
  }

  asio::any_io_executor strand_;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> hs_; // until the 101
  tcp::socket sock_;
  std::shared_ptr<shared_state> st_;
  std::shared_ptr<ip_slot> slot_;
  std::shared_ptr<websocket_endpoint> ep_; // until on_run asks it
  std::shared_ptr<inbound> in_;
  frame_writer writer_;
  ws::frame_parser parser_;
  // Only while closing: 8 bytes, not a 112-byte timer, on every idle session.
  std::unique_ptr<asio::steady_timer> kill_timer_;
  std::int64_t idle_ms_ = 0; // 0: the dialect keeps its own heartbeat
  std::atomic<std::int64_t> last_rx_ms_{0};
  std::atomic<bool> ping_out_{false};
  std::atomic<bool> live_{false};
  std::atomic<bool> close_frame_queued_{false};
  std::atomic<bool> close_seen_written_{false};
  bool accepted_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool peer_closed_ = false;
  bool read_done_ = false;
  bool stopping_ = false;
  std::string close_reason_;
  std::optional<close_code> close_at_once_; // from the upgrade answer
};

void outbound_handle::send(shared_frame frame) {
  if (auto s = s_.lock())
    s->send(frame, false);
}

void outbound_handle::send_binary(shared_frame frame) {
  if (auto s = s_.lock())
    s->send(frame, true);
}

void outbound_handle::close(close_code code, std::string reason) {
  if (auto s = s_.lock())
    s->close(code, std::move(reason));
}

bool outbound_handle::congested() const {
  auto s = s_.lock();
  return s && s->congested();
}

} // namespace

void start_websocket_session(beast::tcp_stream stream,
                             http::request<http::string_body> req,
                             http_request info,
                             std::shared_ptr<websocket_endpoint> ep,
                             std::shared_ptr<shared_state> st,
                             std::shared_ptr<ip_slot> slot) {
  std::make_shared<websocket_session>(std::move(stream), std::move(st),
                                      std::move(slot), std::move(ep))
    ->run(std::move(req), std::move(info));
}

} // namespace proctord::net::detail
