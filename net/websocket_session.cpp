// One WebSocket session (net/websocket_session.hpp): the handshake, which
// is the only part Beast's WebSocket stream does, and the hooks that the
// server (shutdown, abandon, the sweep's tick) and the application (send,
// close) call. Reading, writing and closing: websocket_session_io.cpp.

#include "net/websocket_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

namespace proctord::net::detail {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using ws::frame_writer;
using ws::opcode;

websocket_session::websocket_session(beast::tcp_stream&& stream,
                                     std::shared_ptr<shared_state> st,
                                     std::shared_ptr<ip_slot> slot,
                                     std::shared_ptr<websocket_endpoint> ep)
  : strand_(stream.get_executor()),
    hs_(std::make_unique<ws_stream>(std::move(stream))),
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

websocket_session::~websocket_session() {
  notify_closed(); // the io_context went away under a live session
  --st_->open;
  forget_session(*st_, this);
}

void websocket_session::run(http::request<http::string_body> req, http_request info) {
  if (!register_session(*st_, shared_from_this()))
    return; // the server is stopping: the socket closes with us
  asio::dispatch(strand_, beast::bind_front_handler(&websocket_session::on_run,
                                                    shared_from_this(),
                                                    std::move(req),
                                                    std::move(info)));
}

void websocket_session::send(const shared_frame& frame, bool binary) {
  after_write(writer_.send(binary ? opcode::binary : opcode::text, frame));
}

void websocket_session::send_batch(const std::vector<batch_frame>& frames) {
  after_write(writer_.send_batch(frames));
}

bool websocket_session::congested() const {
  return st_->queued.load(std::memory_order_relaxed)
         > static_cast<std::int64_t>(st_->cfg.max_queued_frames);
}

void websocket_session::close(close_code code, std::string reason) {
  asio::post(strand_, beast::bind_front_handler(
                        &websocket_session::on_close_request,
                        shared_from_this(), code, std::move(reason)));
}

/// An open session says goodbye (1001, with close_grace to finish), and
/// so does one writing its 101 as soon as that is done (the client may
/// already count it open); one not that far (or refusing) is closed at
/// once.
void websocket_session::shutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->accepted_)
      self->on_close_request(close_code::going_away, "server shutting down");
    else if (!self->in_ && self->hs_)
      beast::get_lowest_layer(*self->hs_).close();
    // else on_accept() closes (its handshake_timeout bounds the wait)
  });
}

void websocket_session::abandon() {
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
void websocket_session::tick(std::chrono::steady_clock::time_point) {
  if (!live_.load(std::memory_order_acquire) || idle_ms_ == 0)
    return;
  auto silent = session_now_ms() - last_rx_ms_.load(std::memory_order_relaxed);
  if (silent < idle_ms_ / 2)
    return;
  if (!ping_out_.exchange(true))
    after_write(writer_.send_control(opcode::ping, {}));
  else if (silent >= idle_ms_)
    asio::post(strand_, [self = shared_from_this()] { self->on_idle_timeout(); });
}

void websocket_session::on_run(http::request<http::string_body> req, http_request info) {
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

void websocket_session::reject(const http::request<http::string_body>& req,
                               upgrade_answer& no) {
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
void websocket_session::on_accept(beast::error_code ec) {
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
  last_rx_ms_.store(session_now_ms(), std::memory_order_relaxed);
  live_.store(true, std::memory_order_release);
  // What the endpoint sent from upgrade() (a greeting) waited for the 101.
  after_write(writer_.attach(sock_.native_handle()));
  wait_readable();
  if (stopping_)
    on_close_request(close_code::going_away, "server shutting down");
  else if (close_at_once_)
    on_close_request(*close_at_once_, std::move(close_reason_));
}

void outbound_handle::send(shared_frame frame) {
  if (auto s = s_.lock())
    s->send(frame, false);
}

void outbound_handle::send_binary(shared_frame frame) {
  if (auto s = s_.lock())
    s->send(frame, true);
}

void outbound_handle::send_batch(const std::vector<batch_frame>& frames) {
  if (auto s = s_.lock())
    s->send_batch(frames);
}

void outbound_handle::close(close_code code, std::string reason) {
  if (auto s = s_.lock())
    s->close(code, std::move(reason));
}

bool outbound_handle::congested() const {
  auto s = s_.lock();
  return s && s->congested();
}

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
