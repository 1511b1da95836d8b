#pragma once
// Internal to net/: state shared by the listener and its sessions.

#include "net/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace proctord::net::detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

/// Ignores the errors that mean "we are closing anyway"; logs the rest.
void fail(const boost::system::error_code& ec, const char* what);

class session_base {
public:
  virtual ~session_base() = default;
  /// Thread-safe: asks the session to close with 1001 (server shutdown).
  virtual void shutdown() = 0;
};

struct shared_state {
  server_config cfg;
  std::shared_ptr<application> app;

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
};

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

/// Hands an upgrade request over to a new WebSocket session (in its own
/// translation unit, so that only one file pays for websocket.hpp).
void start_websocket_session(beast::tcp_stream stream,
                             http::request<http::string_body> req,
                             std::shared_ptr<shared_state> st,
                             std::shared_ptr<ip_slot> slot);

} // namespace proctord::net::detail
