#pragma once
// Internal to net/: one WebSocket session. Beast reads the upgrade request
// and writes the 101 (or the refusal); from then on the session owns a
// plain non-blocking socket and frames it itself (net/ws_frame.hpp,
// issue 12):
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
//
// Two files implement it, by role: websocket_session.cpp holds the
// handshake (the only Beast WebSocket code) and the hooks the server and
// the application call; websocket_session_io.cpp holds reading, writing
// and the close handshake on the released socket.

#include "net/detail.hpp"
#include "net/ws_frame.hpp"
#include "net/ws_writer.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream_fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace proctord::net::detail {

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
  void send_batch(const std::vector<batch_frame>& frames) override;
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
                    std::shared_ptr<websocket_endpoint> ep);
  ~websocket_session() override;

  void run(http::request<http::string_body> req, http_request info);

  // -- outbound (through outbound_handle); any thread --------------------------
  void send(const shared_frame& frame, bool binary);
  void send_batch(const std::vector<batch_frame>& frames);
  bool congested() const;
  void close(close_code code, std::string reason);

  // -- session_base -----------------------------------------------------------
  void shutdown() override;
  void abandon() override;
  void tick(std::chrono::steady_clock::time_point) override;

private:
  using ws_stream = boost::beast::websocket::stream<beast::tcp_stream>;

  // -- the handshake (Beast; websocket_session.cpp) ---------------------------
  void on_run(http::request<http::string_body> req, http_request info);
  void reject(const http::request<http::string_body>& req, upgrade_answer& no);
  void on_accept(beast::error_code ec);

  // -- reading (strand; websocket_session_io.cpp) -----------------------------
  void wait_readable();
  void on_readable(beast::error_code ec);
  void consume(std::string_view in);
  void on_peer_close(std::uint16_t code);

  // -- writing (any thread, then the strand) ----------------------------------
  void after_write(ws::frame_writer::status s);
  bool closing_written_check();
  void wait_writable();
  void on_writable(beast::error_code ec);
  void on_overflow();

  // -- closing (strand) -------------------------------------------------------
  void on_close_request(close_code code, std::string reason);
  void on_close_written();
  void on_idle_timeout();
  void arm_kill_timer();
  void end();
  void close_socket();
  void notify_closed();

  boost::asio::any_io_executor strand_;
  std::unique_ptr<ws_stream> hs_; // until the 101
  tcp::socket sock_;
  std::shared_ptr<shared_state> st_;
  std::shared_ptr<ip_slot> slot_;
  std::shared_ptr<websocket_endpoint> ep_; // until on_run asks it
  std::shared_ptr<inbound> in_;
  ws::frame_writer writer_;
  ws::frame_parser parser_;
  // Only while closing: 8 bytes, not a 112-byte timer, on every idle session.
  std::unique_ptr<boost::asio::steady_timer> kill_timer_;
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

/// Milliseconds on the steady clock: when a session last heard its peer.
inline std::int64_t session_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace proctord::net::detail
