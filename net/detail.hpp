#pragma once
// Internal to net/: state shared by the listener and its sessions.

#include "net/routes.hpp"
#include "net/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace proctord::net::detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

/// Ignores the errors that mean "we are closing anyway"; logs the rest.
void fail(const boost::system::error_code& ec, const char* what);

/// Every connection, from accept to its last handler, in whatever state.
class session_base {
public:
  virtual ~session_base() = default;
  /// Thread-safe: asks the session to close now (a WebSocket session that
  /// is open sends 1001 first). server::stop() calls it.
  virtual void shutdown() = 0;
  /// Only once the io threads are joined: closes the socket and releases
  /// whatever the session still holds of the application (tells an inbound
  /// on_closed()), so that no client waits for the server's destruction and
  /// no reference cycle through the application outlives the server.
  virtual void abandon() {
  }
  /// The server's sweep, about once a second, from an io thread that is
  /// not the session's: keep-alive pings and idle timeouts.
  virtual void tick(std::chrono::steady_clock::time_point /*now*/) {
  }
};

/// One HTTP request in flight, shared by the copies of its responder.
/// Defined in http_session.cpp.
class exchange {
public:
  virtual ~exchange() = default;
  /// Any thread; the first call wins.
  virtual void respond(http_response res) = 0;
  virtual bool pending() const = 0;
};

struct shared_state {
  server_config cfg;
  route_table routes; // frozen once the server starts

  std::atomic<std::uint64_t> open{0};
  std::atomic<std::uint64_t> total{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> slow_closed{0};
  // WebSocket data frames (text messages) and their payload bytes: read and
  // handed to the inbound, written to the socket. Control frames (ping, pong,
  // close) are not counted. Statistics only: relaxed.
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  // Frames accepted by some session's send() and not yet written or
  // dropped: the server's backlog, which congested() compares to the limit.
  std::atomic<std::int64_t> queued{0};

  // Touched once per connect and disconnect, never per message.
  std::mutex mtx;
  std::unordered_map<std::string, std::size_t> per_ip;
  std::unordered_map<session_base*, std::weak_ptr<session_base>> sessions;
  bool stopping = false; // guarded by mtx; no session registers after it
};

/// Adds a session to the registry server::stop() walks; false once the
/// server is stopping (the caller then closes at once). Sessions call
/// forget_session() from their destructor.
bool register_session(shared_state& st, const std::shared_ptr<session_base>& s);
void forget_session(shared_state& st, session_base* s);

/// Holds one slot of the per-IP connection budget for as long as it lives.
class ip_slot {
public:
  ip_slot(std::shared_ptr<shared_state> st, std::string ip);
  ~ip_slot();
  ip_slot(const ip_slot&) = delete;
  ip_slot& operator=(const ip_slot&) = delete;
  const std::string& ip() const noexcept {
    return ip_;
  }

private:
  std::shared_ptr<shared_state> st_;
  std::string ip_;
};

/// Takes a slot for `ip`, or returns null when the IP is at its limit.
std::shared_ptr<ip_slot> acquire_ip_slot(const std::shared_ptr<shared_state>& st,
                                         const std::string& ip);

/// The application's view of a Beast request.
http_request to_http_request(const http::request<http::string_body>& req,
                             const tcp::endpoint& remote);

/// Starts the HTTP session of a freshly accepted socket (http_session.cpp).
void start_http_session(tcp::socket socket, std::shared_ptr<shared_state> st,
                        std::shared_ptr<ip_slot> slot);

/// Hands an upgrade request over to a new WebSocket session (in its own
/// translation unit, so that only one file pays for websocket.hpp).
void start_websocket_session(beast::tcp_stream stream,
                             http::request<http::string_body> req,
                             http_request info,
                             std::shared_ptr<websocket_endpoint> ep,
                             std::shared_ptr<shared_state> st,
                             std::shared_ptr<ip_slot> slot);

} // namespace proctord::net::detail
