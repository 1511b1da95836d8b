#pragma once
// What the net/ tests share: a blocking POSIX client that speaks just
// enough HTTP/1.1 and WebSocket framing to see what a real client sees, and
// a small application (routes, endpoints) on a real net::server on port 0.

#include "net/server.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace proctord::net_test {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

struct response {
  unsigned status = 0; // 0: the connection closed (or timed out) first
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;
};

/// One TCP connection to 127.0.0.1. Every read has a deadline.
class client {
public:
  explicit client(std::uint16_t port);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void send(std::string_view bytes);
  /// Closes this side (as a client does once it saw the server's FIN).
  void close();
  std::uint16_t local_port() const;

  /// Reads one response (Content-Length bodies only).
  response read_response(ms timeout = 5s);
  /// Reads exactly n bytes; fewer when the connection ends or time is up.
  std::string read_bytes(std::size_t n, ms timeout = 5s);
  /// Whether the server ends the connection (EOF or reset) within
  /// `timeout`; whatever arrives before is dropped.
  bool closed_within(ms timeout);

private:
  /// Waits for more bytes into buf_; false on EOF, error or deadline.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buf_;
};

/// "GET <target> HTTP/1.1" with Host and the extra header lines given.
std::string get(std::string_view target, std::string_view extra = "");
/// "<method> <target> HTTP/1.1" with Host, the extra header lines given and
/// `body` (with its Content-Length).
std::string request(std::string_view method, std::string_view target,
                    std::string_view body, std::string_view extra = "");
/// A WebSocket upgrade request for `target`.
std::string upgrade(std::string_view target);

/// A masked (client) text, binary or close frame (payloads up to 64 KiB).
std::string ws_text(std::string_view payload);
std::string ws_binary(std::string_view payload);
std::string ws_close(std::uint16_t code);
/// The code of a close frame's payload (0 when it has none).
std::uint16_t close_code_of(const std::string& payload);

struct ws_frame {
  int opcode = -1; // -1: none arrived
  std::string payload;
};
/// Reads one unmasked (server) frame.
ws_frame read_frame(client& c, ms timeout = 5s);

/// What the test application saw, for the assertions.
struct app_state {
  std::mutex mtx;
  std::vector<std::string> texts;
  std::vector<net::responder> held; // never answered
  std::vector<std::thread> threads; // answer later
  std::vector<std::weak_ptr<net::inbound>> inbounds;
  std::atomic<int> accepted{0};
  std::atomic<int> closed{0};
};

/// A net::server on 127.0.0.1:0 with the test routes:
///   /echo        exact   HTTP: the request, one "key=value" line each
///   /a/*, /a/b/* subtree HTTP: "a/*", "a/b/*"
///   /a/b         exact   HTTP: "a/b"
///   /            exact   HTTP: "root"
///   /later       exact   HTTP: "later", from another thread after 100 ms
///   /never       exact   HTTP: never answered
///   /drop        exact   HTTP: the responder is dropped unanswered
///   /ws          exact   WebSocket: echoes "echo:<text>"; ?refuse -> 403;
///                        ?binary: echoes binary frames too (else 1003)
///   /both/*      subtree HTTP ("both") and WebSocket (as /ws)
/// and, with `with_fallback`, a fallback answering 404 "fallback".
class test_server {
public:
  explicit test_server(std::function<void(net::server_config&)> tune = {},
                       bool with_fallback = true);
  ~test_server();

  std::uint16_t port() const {
    return port_;
  }
  net::server& srv() {
    return *srv_;
  }
  app_state& app() {
    return *app_;
  }

  /// server::stop() and how long it took.
  ms stop(ms grace);

private:
  std::shared_ptr<app_state> app_ = std::make_shared<app_state>();
  std::unique_ptr<net::server> srv_;
  std::uint16_t port_ = 0;
};

/// Polls `pred` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred, ms timeout = 5s);

} // namespace proctord::net_test
