#pragma once
// The network front: HTTP and WebSocket over Boost.Beast. This header is
// Beast-free so that the rest of the code base compiles fast; the Beast code
// lives in net/*.cpp only. net/ knows sockets, HTTP and WebSocket, nothing of
// rooms, JSON or tokens: a route table maps paths to endpoints supplied by
// the application; an HTTP endpoint answers an `http_request` through a
// `responder`, a WebSocket endpoint accepts an upgrade with an `inbound` and
// takes encoded frames from anyone through an `outbound`.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace proctord::net {

/// A frame to send: encoded once, shared by every recipient.
using shared_frame = std::shared_ptr<const std::string>;

/// A WebSocket close code. Open: any 16-bit value may be sent; the named
/// constants are RFC 6455's. Application codes (4000-4999) are defined by
/// the application, not here.
struct close_code {
  std::uint16_t value = 1000;

  static const close_code normal;           // 1000
  static const close_code going_away;       // 1001
  static const close_code unsupported_data; // 1003
  static const close_code bad_payload;      // 1007
  static const close_code policy_violation; // 1008
  static const close_code too_big;          // 1009
  static const close_code internal_error;   // 1011

  friend constexpr bool operator==(close_code a, close_code b) {
    return a.value == b.value;
  }
  friend constexpr bool operator!=(close_code a, close_code b) {
    return a.value != b.value;
  }
};
inline constexpr close_code close_code::normal{1000};
inline constexpr close_code close_code::going_away{1001};
inline constexpr close_code close_code::unsupported_data{1003};
inline constexpr close_code close_code::bad_payload{1007};
inline constexpr close_code close_code::policy_violation{1008};
inline constexpr close_code close_code::too_big{1009};
inline constexpr close_code close_code::internal_error{1011};

// -- HTTP ---------------------------------------------------------------------

/// HTTP header fields in arrival order; names compare case-insensitively.
class http_headers {
public:
  using field = std::pair<std::string, std::string>;

  /// Appends a field (a name may repeat).
  void add(std::string name, std::string value);
  /// Replaces every field of that name by one.
  void set(std::string name, std::string value);
  /// The first field of that name, if any.
  std::optional<std::string_view> find(std::string_view name) const;
  /// The first field of that name, or "" when there is none.
  std::string get(std::string_view name) const;
  bool contains(std::string_view name) const {
    return find(name).has_value();
  }
  const std::vector<field>& fields() const noexcept {
    return fields_;
  }

private:
  std::vector<field> fields_;
};

/// One request as the application sees it. `target` and `path` are as the
/// client sent them (not percent-decoded).
struct http_request {
  std::string method; // "GET", "POST", ...
  std::string target; // path and query, e.g. "/ws?token=abc"
  std::string path;   // "/ws"
  std::string query;  // "token=abc" (without '?'); "" when there is none
  unsigned version = 11; // 10 or 11
  http_headers headers;
  std::string body;
  std::string remote_ip;
  std::uint16_t remote_port = 0;
};

/// The segments of `path` after `prefix`, empty ones skipped:
/// ("/api/contests/abc/start", "/api/contests") -> {"abc", "start"}.
std::vector<std::string> path_segments(std::string_view path,
                                       std::string_view prefix);

/// An answer. net/ adds Server, Content-Length and Connection; the rest
/// (Content-Type included) is the application's.
struct http_response {
  unsigned status = 200;
  http_headers headers;
  std::string body;
};

namespace detail {
class exchange;
} // namespace detail

/// Answers one HTTP request. A cheap copyable handle: keep it, pass it to
/// another thread, answer later. Only the first respond() of an exchange
/// counts; later ones, and any after the client went away or the exchange
/// timed out (`server_config::response_timeout`, answered 504), do nothing.
/// When the last copy is dropped without an answer, the client gets 500.
class responder {
public:
  responder() = default;
  explicit responder(std::shared_ptr<detail::exchange> ex) : ex_(std::move(ex)) {
  }

  /// Thread-safe: posts the answer onto the connection's strand.
  void respond(http_response res) const;

  /// Whether nobody answered yet (a hint: the client may still be gone).
  bool pending() const;

private:
  std::shared_ptr<detail::exchange> ex_;
};

/// An HTTP endpoint, supplied by the application.
class http_endpoint {
public:
  virtual ~http_endpoint() = default;

  /// Called on the connection's strand (an Asio thread; endpoints are called
  /// concurrently for different connections). Must not block: answer now or
  /// later through `res`. The connection reads no further request until
  /// then.
  virtual void on_request(http_request req, responder res) = 0;
};

/// An http_endpoint made of a function (handy for small routes and tests).
std::shared_ptr<http_endpoint>
http_handler(std::function<void(http_request, responder)> fn);

// -- WebSocket ----------------------------------------------------------------

/// One frame of a batch (outbound::send_batch): text, or binary when
/// `binary`.
struct batch_frame {
  shared_frame frame;
  bool binary = false;
};

/// The sending side of one WebSocket session.
/// Thread-safe: any thread (typically a CAF worker) may call it. A frame for
/// a socket with nothing queued is written at once on the caller's thread;
/// otherwise it queues and the session's strand writes it (net/ws_writer.hpp). It holds the session weakly: once the
/// session is gone, every call is a harmless no-op, and keeping an outbound
/// never keeps a session (or its inbound) alive.
class outbound {
public:
  virtual ~outbound() = default;

  /// Queues a frame. When the queue is over its byte or frame limit, the
  /// session drops the queue and closes with 1008 (the client does not read).
  virtual void send(shared_frame frame) = 0;

  /// Queues a binary message (a binary WebSocket frame), in order with the
  /// text frames. A session whose inbound takes no binary (on_binary
  /// returns false) never gets one from a client, but may still send one.
  virtual void send_binary(shared_frame frame) = 0;

  /// Several frames, in order, as send() and send_binary() one by one
  /// would; a WebSocket session queues them together and writes them with
  /// as few system calls as the socket allows (the relay's batches).
  virtual void send_batch(const std::vector<batch_frame>& frames) {
    for (auto& f : frames)
      f.binary ? send_binary(f.frame) : send(f.frame);
  }

  /// Sends a close frame after the frames already queued.
  virtual void close(close_code code, std::string reason) = 0;

  /// The server as a whole has more frames queued for its clients than
  /// `server_config::max_queued_frames`: it is writing slower than it is
  /// asked to. Work that can be dropped (live-only messages) should be.
  virtual bool congested() const { return false; }
};

/// The receiving side of one WebSocket session, supplied by the application.
/// Called on the session's strand, one call at a time, never after
/// on_closed(). on_closed() is called exactly once for every accepted
/// inbound, whatever ends the session (including server::stop()); the
/// session drops its reference to the inbound right after it.
class inbound {
public:
  virtual ~inbound() = default;

  /// A complete text message (valid UTF-8: the frame parser checks it and
  /// closes with 1007 otherwise).
  virtual void on_text(std::string frame) = 0;

  /// A complete binary frame. Returns false when the dialect takes no
  /// binary frames: the session then closes with 1003 (the default).
  virtual bool on_binary(std::string /*frame*/) { return false; }

  /// The session is gone (closed by either side, failed or timed out).
  virtual void on_closed() = 0;
};

/// The application's answer to an upgrade request: an inbound to accept, or
/// an HTTP status (e.g. 401) and body to refuse.
struct upgrade_answer {
  std::shared_ptr<inbound> handler; // null: refuse
  unsigned status = 404;
  std::string body;
  std::string content_type; // "": no Content-Type header
  /// Accept, then close at once with this code (a dialect that refuses
  /// with a WebSocket close code, e.g. 4001, rather than an HTTP status).
  /// The handler still gets on_closed().
  std::optional<close_code> close_at_once;
  std::string close_reason;
  /// This session's idle timeout (keep-alive pings go out at half of it; a
  /// peer silent for all of it is dropped); 0: server_config::idle_timeout.
  std::chrono::seconds idle_timeout{0};
  /// No keep-alive pings and no idle timeout (a dialect with its own
  /// heartbeat, such as Engine.IO).
  bool own_heartbeat = false;
  /// This session's largest message; 0: server_config::max_frame_bytes.
  std::size_t max_message_bytes = 0;
};

/// A WebSocket endpoint, supplied by the application.
class websocket_endpoint {
public:
  virtual ~websocket_endpoint() = default;

  /// Decides on an upgrade request (its body is empty). Called on the
  /// session's strand, an Asio thread. `out` is the session's sending side;
  /// the returned inbound may keep it.
  virtual upgrade_answer upgrade(const http_request& req,
                                 std::shared_ptr<outbound> out)
    = 0;
};

// -- server -------------------------------------------------------------------

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

  /// HTTP request bodies above this are answered 413 and the connection
  /// closes.
  std::size_t max_body_bytes = 1 << 20;
  /// The request line and header fields above this are answered 431.
  std::size_t max_header_bytes = 16 * 1024;
  /// Time to read a request's header, counted from the end of the previous
  /// answer on a kept-alive connection (so it is the keep-alive idle time
  /// too); then the connection is closed.
  std::chrono::milliseconds header_timeout{10'000};
  /// Time to read a request's body once its header is in.
  std::chrono::milliseconds body_timeout{10'000};
  /// Time an endpoint has to answer (long-polling holds requests ~25 s);
  /// then the client gets 504 and the connection closes.
  std::chrono::milliseconds response_timeout{60'000};
};

/// Counters, readable from any thread. The connections are WebSocket
/// sessions; plain HTTP exchanges are not counted.
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

/// How a route's path matches a request's path.
///
/// A route path ending in `*` matches the subtree: every request path that
/// starts with the part before the `*` ("/socket.io/*" matches
/// "/socket.io/" and "/socket.io/x", not "/socket.io"). Any other route path
/// matches exactly that path ("/" matches "/" only, never "/api/stats").
/// An exact match wins; otherwise the longest matching subtree wins. The
/// query string plays no part.
///
/// What a route answers:
/// - an upgrade request on a route with a WebSocket endpoint goes to it;
/// - any other request goes to the route's HTTP endpoint (an upgrade on an
///   HTTP-only route too, which may refuse it);
/// - a plain request on a WebSocket-only route gets 426 Upgrade Required;
/// - a path with no route goes to the fallback HTTP endpoint, or gets 404
///   with an empty body when there is none.
struct route {
  std::string path;
  std::shared_ptr<http_endpoint> http;    // null: WebSocket only
  std::shared_ptr<websocket_endpoint> ws; // null: HTTP only
};

class server {
public:
  explicit server(server_config cfg);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Adds a route; before start() only, from the thread that owns the
  /// server. Throws std::logic_error for a second route on the same path,
  /// a route with no endpoint, a path not starting with '/', or after
  /// start().
  void add_route(route r);

  /// Adds a route to an object that is an http_endpoint, a
  /// websocket_endpoint, or both (Socket.IO: polling and WebSocket on one
  /// path).
  template <class Endpoint>
  void add_route(std::string path, const std::shared_ptr<Endpoint>& ep) {
    route r{std::move(path), nullptr, nullptr};
    if constexpr (std::is_base_of_v<http_endpoint, Endpoint>)
      r.http = ep;
    if constexpr (std::is_base_of_v<websocket_endpoint, Endpoint>)
      r.ws = ep;
    add_route(std::move(r));
  }

  /// Answers the requests no route matches; before start() only.
  void set_fallback(std::shared_ptr<http_endpoint> ep);

  /// Binds, listens and starts the io threads. Returns the bound port.
  /// Throws std::runtime_error when it cannot bind.
  std::uint16_t start();

  /// Closes the listening socket; open sessions go on. Thread-safe.
  void stop_accepting();

  /// Stops accepting and closes every connection, whatever its state:
  /// open WebSocket sessions get a close frame (1001) and `grace` to finish
  /// it; connections still reading a request, in a handshake, or waiting
  /// for an endpoint's answer are closed at once. Then stops and joins the
  /// io threads and calls on_closed() on every inbound that has not had it.
  /// Returns within about `grace`. Call from the owning thread.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds{5});

  server_stats stats() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace proctord::net
