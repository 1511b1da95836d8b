// One WebSocket session (net/websocket_session.hpp) after its 101: reading
// on the strand, writing from any thread through the frame_writer, and
// the close handshake. No Beast WebSocket code is here: the socket left
// Beast in on_accept().

#include "net/websocket_session.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace proctord::net::detail {

namespace asio = boost::asio;
using ws::frame_writer;
using ws::opcode;

namespace {

/// How long a close handshake may take before the socket is simply closed.
constexpr auto close_grace = std::chrono::seconds{3};

/// Bytes read from a socket per readiness, at most: a client that sends
/// without pause does not hold the io thread from the others.
constexpr std::size_t read_budget = 256 * 1024;

/// The io thread's read buffer, shared by every session it serves (a read
/// is handed on before the next session reads).
char* read_buffer(std::size_t& size) {
  thread_local std::array<char, 64 * 1024> buffer;
  size = buffer.size();
  return buffer.data();
}

} // namespace

void websocket_session::wait_readable() {
  sock_.async_wait(tcp::socket::wait_read,
                   asio::bind_executor(strand_, beast::bind_front_handler(
                                                  &websocket_session::on_readable,
                                                  shared_from_this())));
}

void websocket_session::on_readable(beast::error_code ec) {
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
    last_rx_ms_.store(session_now_ms(), std::memory_order_relaxed);
    ping_out_.store(false, std::memory_order_relaxed);
    consume(std::string_view{buf, static_cast<std::size_t>(n)});
    if (static_cast<std::size_t>(n) < size)
      break; // drained (most likely): wait again rather than read EAGAIN
  }
  if (!read_done_ && sock_.is_open())
    wait_readable();
}

/// Hands every complete message in `in` on; answers control frames.
void websocket_session::consume(std::string_view in) {
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
void websocket_session::on_peer_close(std::uint16_t code) {
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

/// Any thread: what a write's status asks for.
void websocket_session::after_write(frame_writer::status s) {
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
bool websocket_session::closing_written_check() {
  return close_frame_queued_.load(std::memory_order_acquire)
         && writer_.close_written()
         && !close_seen_written_.exchange(true);
}

void websocket_session::wait_writable() {
  if (!sock_.is_open())
    return;
  sock_.async_wait(tcp::socket::wait_write,
                   asio::bind_executor(strand_, beast::bind_front_handler(
                                                  &websocket_session::on_writable,
                                                  shared_from_this())));
}

void websocket_session::on_writable(beast::error_code ec) {
  if (ec) {
    if (ec != asio::error::operation_aborted)
      fail(ec, "websocket wait");
    return;
  }
  after_write(writer_.flush());
}

void websocket_session::on_overflow() {
  ++st_->slow_closed;
  spdlog::warn("net closes slow consumer {} (send queue over its limit)",
               slot_->ip());
  on_close_request(close_code::policy_violation, "send queue overflow");
}

void websocket_session::on_close_request(close_code code, std::string reason) {
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
void websocket_session::on_close_written() {
  if (peer_closed_)
    end();
  // else the peer's close frame, or the kill timer, ends the session
}

void websocket_session::on_idle_timeout() {
  if (!accepted_ || closing_)
    return;
  spdlog::debug("net websocket {} idle for {} ms: closing", slot_->ip(), idle_ms_);
  end();
}

/// A peer that never drains its socket never completes the close
/// handshake: close the socket after a grace period.
void websocket_session::arm_kill_timer() {
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
void websocket_session::end() {
  read_done_ = true;
  live_.store(false, std::memory_order_release);
  close_socket();
  if (kill_timer_)
    kill_timer_->cancel();
  notify_closed();
}

void websocket_session::close_socket() {
  writer_.detach(); // no thread writes to the descriptor from now on
  beast::error_code ignored;
  if (sock_.is_open())
    sock_.close(ignored);
}

void websocket_session::notify_closed() {
  if (in_) {
    auto in = std::move(in_);
    in->on_closed();
  }
}

} // namespace proctord::net::detail
