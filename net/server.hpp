#pragma once
// The network front: HTTP and WebSocket over Boost.Beast. This header is
// Beast-free so that the rest of the code base compiles fast; the Beast code
// lives in net/*.cpp only. net/ knows sockets, HTTP and WebSocket, nothing of
// rooms, JSON or tokens: it hands text frames to an `inbound` and takes
// encoded frames from anyone through an `outbound`.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace proctord::net {

/// A frame to send: encoded once, shared by every recipient.
using shared_frame = std::shared_ptr<const std::string>;

/// WebSocket close codes used by the server.
enum class close_code : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  unsupported_data = 1003,
  bad_payload = 1007,
  policy_violation = 1008,
  too_big = 1009,
  kicked = 4003,
};

/// The sending side of one WebSocket session.
/// Thread-safe: any thread (typically a CAF worker) may call it; the work is
/// posted onto the session's strand.
class outbound {
public:
  virtual ~outbound() = default;

  /// Queues a frame. When the queue is over its byte or frame limit, the
  /// session drops the queue and closes with 1008 (the client does not read).
  virtual void send(shared_frame frame) = 0;

  /// Sends a close frame after the frames already queued.
  virtual void close(close_code code, std::string reason) = 0;

  /// The server as a whole has more frames queued for its clients than
  /// `server_config::max_queued_frames`: it is writing slower than it is
  /// asked to. Work that can be dropped (live-only messages) should be.
  virtual bool congested() const { return false; }
};

/// The receiving side of one WebSocket session, supplied by the application.
/// Called on the session's strand, one call at a time, never after
/// on_closed().
class inbound {
public:
  virtual ~inbound() = default;

  /// A complete text frame (valid UTF-8: Beast checks it and closes with
  /// 1007 otherwise).
  virtual void on_text(std::string frame) = 0;

  /// The session is gone (closed by either side, failed or timed out).
  virtual void on_closed() = 0;
};

/// What the application sees of a WebSocket upgrade request.
struct upgrade_request {
  std::string target;        // path and query, e.g. "/ws?token=..."
  std::string authorization; // the Authorization header, may be empty
  std::string remote_ip;
};

/// The application's answer to an upgrade request: an inbound to accept, or
/// an HTTP status (e.g. 401, 404) to refuse.
struct upgrade_answer {
  std::shared_ptr<inbound> handler; // null: refuse
  unsigned status = 404;
  std::string body;
};

/// A plain HTTP answer (for /health and friends).
struct http_answer {
  unsigned status = 404;
  std::string content_type = "application/json";
  std::string body = R"({"error":"not found"})";
};

/// Implemented by the application. Called on Asio threads, concurrently.
class application {
public:
  virtual ~application() = default;

  /// Decides on a WebSocket upgrade. `out` is the session's sending side; the
  /// returned inbound may keep it.
  virtual upgrade_answer upgrade(const upgrade_request& req,
                                 std::shared_ptr<outbound> out)
    = 0;

  /// Answers a plain HTTP request.
  virtual http_answer http(const std::string& method, const std::string& target)
    = 0;
};

struct server_config {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 5050; // 0: let the OS choose
  std::size_t io_threads = 1;
  std::size_t max_frame_bytes = 1 << 20;
  std::size_t send_queue_bytes = 4 << 20;
  std::size_t send_queue_frames = 4096;
  std::size_t max_connections_per_ip = 4096;
  /// SO_SNDBUF of each client socket; 0 leaves it to the kernel, which on
  /// Linux lets it grow to net.ipv4.tcp_wmem's maximum (4 MiB) for a client
  /// that stops reading: a bound per connection on kernel memory, and on
  /// how much a slow client can fall behind before send_queue_bytes counts.
  std::size_t socket_send_buffer = 0;
  /// Frames queued across all sessions above which congested() is true.
  std::size_t max_queued_frames = 8192;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds handshake_timeout{10};
};

/// Counters, readable from any thread.
struct server_stats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t slow_consumers_closed = 0;
  std::int64_t queued_frames = 0; // accepted for writing, not yet written
  /// Text frames read from clients and handed to an inbound.
  std::uint64_t messages_in = 0;
  /// Text frames whose write to a socket completed.
  std::uint64_t messages_out = 0;
  /// Payload bytes of those frames.
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

class server {
public:
  server(server_config cfg, std::shared_ptr<application> app);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the io threads. Returns the bound port.
  /// Throws std::runtime_error when it cannot bind.
  std::uint16_t start();

  /// Closes the listening socket; open sessions go on. Thread-safe.
  void stop_accepting();

  /// Stops accepting, sends close frames (1001) to every session, waits up
  /// to `grace` for them to finish, then stops and joins the io threads.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds{5});

  server_stats stats() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace proctord::net
