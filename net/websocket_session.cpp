// One WebSocket session: reads text and binary frames into its inbound,
// writes queued frames from its outbound queue. All socket work runs on the session's
// strand; send() and close() post onto it from any thread.

#include "net/detail.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace proctord::net::detail {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;

namespace {

/// A frame waiting for the socket: its bytes and whether it goes out as a
/// binary frame (a flag rather than a second queue keeps the order).
struct queued_frame {
  shared_frame bytes;
  bool binary = false;
};

/// The frames waiting for the socket, oldest first. A std::deque would
/// allocate ~700 bytes for every connection even while empty; this holds
/// nothing until the first frame waits, and gives back a large buffer once
/// it is empty again.
class frame_queue {
public:
  bool empty() const noexcept { return head_ == frames_.size(); }
  std::size_t size() const noexcept { return frames_.size() - head_; }
  queued_frame& front() noexcept { return frames_[head_]; }

  void push_back(queued_frame f) {
    if (head_ > 0 && head_ * 2 >= frames_.size()) { // reuse the sent half
      frames_.erase(frames_.begin(),
                    frames_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    frames_.push_back(std::move(f));
  }

  void pop_front() noexcept {
    frames_[head_++].bytes.reset();
    if (empty())
      clear();
  }

  void clear() noexcept {
    frames_.clear();
    head_ = 0;
    if (frames_.capacity() > 64)
      std::vector<queued_frame>{}.swap(frames_);
  }

private:
  std::vector<queued_frame> frames_;
  std::size_t head_ = 0;
};

/// How long a close handshake may take before the socket is simply closed.
constexpr auto close_grace = std::chrono::seconds{3};

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
    : ws_(std::move(stream)),
      st_(std::move(st)),
      slot_(std::move(slot)),
      ep_(std::move(ep)),
      kill_timer_(ws_.get_executor()) {
    // Counted here and released in the destructor, so stop() can wait for 0.
    ++st_->open;
    ++st_->total;
  }

  ~websocket_session() override {
    // Whatever was never written leaves the server's backlog.
    forget(static_cast<std::int64_t>(inbox_.size() + queue_.size()
                                     + (in_flight_ ? 1 : 0)));
    notify_closed(); // the io_context went away under a live session
    --st_->open;
    forget_session(*st_, this);
  }

  void run(http::request<http::string_body> req, http_request info) {
    if (!register_session(*st_, shared_from_this()))
      return; // the server is stopping: the socket closes with us
    asio::dispatch(ws_.get_executor(),
                   beast::bind_front_handler(&websocket_session::on_run,
                                             shared_from_this(), std::move(req),
                                             std::move(info)));
  }

  // -- outbound (through outbound_handle) -------------------------------------

  /// Frames from other threads gather in the inbox; one posted handler
  /// moves all of them onto the session's queue, so a burst of frames to
  /// one client costs one post, not one each.
  void send(shared_frame frame, bool binary) {
    st_->queued.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> guard{inbox_mutex_};
      inbox_.push_back(queued_frame{std::move(frame), binary});
      if (drain_posted_)
        return;
      drain_posted_ = true;
    }
    asio::post(ws_.get_executor(),
               beast::bind_front_handler(&websocket_session::on_inbox,
                                         shared_from_this()));
  }

  bool congested() const {
    return st_->queued.load(std::memory_order_relaxed)
           > static_cast<std::int64_t>(st_->cfg.max_queued_frames);
  }

  void close(close_code code, std::string reason) {
    asio::post(ws_.get_executor(),
               beast::bind_front_handler(&websocket_session::on_close_request,
                                         shared_from_this(), code,
                                         std::move(reason)));
  }

  // -- session_base -----------------------------------------------------------

  /// An open session says goodbye (1001, with close_grace to finish), and
  /// so does one writing its 101 as soon as that is done (the client may
  /// already count it open); one not that far (or refusing) is closed at
  /// once.
  void shutdown() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (self->accepted_)
        self->on_close_request(close_code::going_away, "server shutting down");
      else if (!self->in_)
        beast::get_lowest_layer(self->ws_).close();
      // else on_accept() closes (its handshake_timeout bounds the wait)
    });
  }

  void abandon() override {
    notify_closed();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

private:
  void on_run(http::request<http::string_body> req, http_request info) {
    if (stopping_)
      return beast::get_lowest_layer(ws_).close();
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
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = st_->cfg.handshake_timeout;
    timeouts.idle_timeout = answer.idle_timeout.count() > 0
                              ? answer.idle_timeout
                              : st_->cfg.idle_timeout;
    timeouts.keep_alive_pings = true;
    if (answer.own_heartbeat) {
      // The dialect pings and times out its peers itself.
      timeouts.idle_timeout = websocket::stream_base::none();
      timeouts.keep_alive_pings = false;
    }
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) {
        res.set(http::field::server, "proctord");
      }));
    ws_.read_message_max(answer.max_message_bytes > 0 ? answer.max_message_bytes
                                                      : st_->cfg.max_frame_bytes);
    ws_.auto_fragment(false);
    if (answer.close_at_once) {
      close_at_once_ = answer.close_at_once;
      close_reason_ = std::move(answer.close_reason);
    }
    ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
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
    http::async_write(ws_.next_layer(), *res,
                      [self, res](beast::error_code ec, std::size_t) {
                        if (!ec)
                          self->ws_.next_layer().socket().shutdown(
                            tcp::socket::shutdown_send, ec);
                      });
  }

  void on_accept(beast::error_code ec) {
    if (ec) {
      fail(ec, "websocket accept");
      notify_closed();
      return;
    }
    accepted_ = true;
    do_read();
    // What the endpoint sent from upgrade() (a greeting) waited for the 101.
    if (!queue_.empty() && !in_flight_ && !closing_)
      do_write();
    if (stopping_)
      on_close_request(close_code::going_away, "server shutting down");
    else if (close_at_once_)
      on_close_request(*close_at_once_, std::move(close_reason_));
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read,
                                                      shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      // Beast has already sent 1009 (too big) or 1007 (bad UTF-8) where the
      // protocol demands it; everything else is a closed or dead peer.
      if (ec != websocket::error::closed)
        fail(ec, "websocket read");
      notify_closed();
      kill_timer_.cancel();
      return;
    }
    if (!ws_.got_text()) {
      bool taken = closing_ || !in_
                   || in_->on_binary(beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
      if (!taken)
        on_close_request(close_code::unsupported_data, "text frames only");
      do_read(); // the next frame, or the peer's close frame
      return;
    }
    if (!closing_ && in_) {
      st_->messages_in.fetch_add(1, std::memory_order_relaxed);
      st_->bytes_in.fetch_add(buffer_.size(), std::memory_order_relaxed);
      in_->on_text(beast::buffers_to_string(buffer_.data()));
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void on_inbox() {
    {
      std::lock_guard<std::mutex> guard{inbox_mutex_};
      drained_.swap(inbox_);
      drain_posted_ = false;
    }
    for (auto& f : drained_)
      on_send(std::move(f));
    drained_.clear();
  }

  void forget(std::int64_t frames) {
    st_->queued.fetch_sub(frames, std::memory_order_relaxed);
  }

  /// Before the 101 is written, frames queue up (an endpoint may greet
  /// from upgrade()); a refused session drops them.
  void on_send(queued_frame frame) {
    if (closing_ || !in_) {
      forget(1);
      return;
    }
    auto& cfg = st_->cfg;
    if (queued_bytes_ + frame.bytes->size() > cfg.send_queue_bytes
        || queue_.size() >= cfg.send_queue_frames) {
      ++st_->slow_closed;
      spdlog::warn("net closes slow consumer {} ({} frames, {} bytes queued)",
                   slot_->ip(), queue_.size(), queued_bytes_);
      forget(static_cast<std::int64_t>(queue_.size()) + 1);
      queue_.clear();
      queued_bytes_ = 0;
      on_close_request(close_code::policy_violation, "send queue overflow");
      return;
    }
    queued_bytes_ += frame.bytes->size();
    queue_.push_back(std::move(frame));
    if (!in_flight_ && accepted_)
      do_write();
  }

  void do_write() {
    in_flight_ = std::move(queue_.front().bytes);
    ws_.binary(queue_.front().binary);
    queue_.pop_front();
    ws_.async_write(asio::buffer(*in_flight_),
                    beast::bind_front_handler(&websocket_session::on_write,
                                              shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    auto bytes = in_flight_->size();
    queued_bytes_ -= std::min(queued_bytes_, bytes);
    in_flight_.reset();
    forget(1);
    if (ec) {
      fail(ec, "websocket write");
      forget(static_cast<std::int64_t>(queue_.size()));
      queue_.clear();
      queued_bytes_ = 0;
      return;
    }
    st_->messages_out.fetch_add(1, std::memory_order_relaxed);
    st_->bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    if (!queue_.empty())
      do_write();
    else if (closing_ && !close_sent_)
      do_close();
  }

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
    close_code_ = code;
    close_reason_ = std::move(reason);
    // A slow consumer's queue was dropped; otherwise the queued frames go
    // first (a KICKED event before the 4003 close).
    if (!in_flight_ && queue_.empty())
      do_close();
    else if (code == close_code::policy_violation)
      do_close(); // Beast suspends the close until the write in flight ends
    arm_kill_timer();
  }

  void do_close() {
    close_sent_ = true;
    websocket::close_reason why{close_code_.value};
    why.reason = close_reason_;
    ws_.async_close(why, beast::bind_front_handler(&websocket_session::on_close,
                                                   shared_from_this()));
  }

  void on_close(beast::error_code ec) {
    if (ec)
      fail(ec, "websocket close");
  }

  /// A peer that never drains its socket never completes the close
  /// handshake: close the socket after a grace period.
  void arm_kill_timer() {
    kill_timer_.expires_after(close_grace);
    kill_timer_.async_wait(
      asio::bind_executor(ws_.get_executor(),
                          [self = shared_from_this()](beast::error_code ec) {
                            if (ec)
                              return;
                            beast::error_code ignored;
                            beast::get_lowest_layer(self->ws_).socket().close(
                              ignored);
                          }));
  }

  void notify_closed() {
    if (in_) {
      auto in = std::move(in_);
      in->on_closed();
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<shared_state> st_;
  std::shared_ptr<ip_slot> slot_;
  std::shared_ptr<websocket_endpoint> ep_; // until on_run asks it
  std::shared_ptr<inbound> in_;
  beast::flat_buffer buffer_;
  std::mutex inbox_mutex_;
  std::vector<queued_frame> inbox_;   // guarded by inbox_mutex_
  bool drain_posted_ = false;         // guarded by inbox_mutex_
  std::vector<queued_frame> drained_; // strand only
  frame_queue queue_;
  shared_frame in_flight_;
  std::size_t queued_bytes_ = 0;
  asio::steady_timer kill_timer_;
  bool accepted_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool stopping_ = false;
  close_code close_code_ = close_code::normal;
  std::string close_reason_;
  std::optional<close_code> close_at_once_; // from the upgrade answer
};

void outbound_handle::send(shared_frame frame) {
  if (auto s = s_.lock())
    s->send(std::move(frame), false);
}

void outbound_handle::send_binary(shared_frame frame) {
  if (auto s = s_.lock())
    s->send(std::move(frame), true);
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
