#pragma once
// Engine.IO v4 server transports: HTTP long-polling and WebSocket, with the
// upgrade from the first to the second. Beast-free header; the work is in
// net/engineio*.cpp. It knows sessions, transports, heartbeats and limits,
// nothing of Socket.IO or JSON (packets are framed by
// protocol/socketio/engineio.hpp).
//
// An engineio_server is both endpoints of one route ("/socket.io/*"):
//   GET  ?EIO=4&transport=polling            handshake: 0{sid,...}
//   GET  ?EIO=4&transport=polling&sid=S      a poll: held until packets wait
//   POST ?EIO=4&transport=polling&sid=S      a payload from the client: "ok"
//   GET  ?EIO=4&transport=websocket[&sid=S]  upgrade: a new session over
//                                            WebSocket, or the probe of S
//   OPTIONS                                  CORS preflight
// Answers 400 with Node's JSON bodies ({"code":N,"message":"..."}): 0
// "Transport unknown", 1 "Session ID unknown", 2 "Bad handshake method",
// 3 "Bad request" (a request that does not fit the session's transport, a
// duplicate poll or post, a malformed payload: the last two also close the
// session), 5 "Unsupported protocol version" (EIO missing or not 4); 413
// for a payload over max_payload; 403 (4 "Forbidden") for a cross-origin
// request from an origin not allowed; 503 over max_sessions.
//
// The application sees each session like a WebSocket session: an inbound
// (on_text gets a message's data without the '4'; on_binary a binary
// message; on_closed once, whatever ends it) and an outbound, thread-safe:
// send() takes an encoded message packet ("4..."; see
// protocol::socketio encoders) so that a broadcast is encoded once and
// written unchanged to every WebSocket; send_binary() a binary message;
// close() ends the session (WebSocket: a close frame after what is queued;
// polling: a close packet in the next poll).

#include "net/server.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace proctord::net {

struct engineio_config {
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds ping_timeout{20'000};
  /// Largest payload (polling body) or message (WebSocket), in bytes.
  std::size_t max_payload = 1'000'000;
  /// Time a WebSocket probe has to send "5" (upgrade) after "2probe".
  std::chrono::milliseconds upgrade_timeout{10'000};
  /// Origins allowed for cross-origin polling ("*": any); empty: none, so
  /// a browser on another origin is refused (403) and no CORS header is
  /// sent. Requests without Origin are always served.
  std::vector<std::string> cors_origins;
  /// Bound on what waits for a poll (like a WebSocket send queue): over
  /// it, the session is closed as a slow consumer.
  std::size_t send_queue_bytes = 4 << 20;
  std::size_t send_queue_frames = 4096;
  /// Most sessions open at once; a handshake over it gets 503.
  std::size_t max_sessions = 100'000;
};

/// The application behind an Engine.IO route.
class engineio_handler {
public:
  virtual ~engineio_handler() = default;

  /// A new session, its handshake sent. `handshake` is the request that
  /// opened it (query, headers, remote address). Called on an Asio thread.
  /// Returns the session's inbound (never null).
  virtual std::shared_ptr<inbound> open(const http_request& handshake,
                                        std::shared_ptr<outbound> out)
    = 0;
};

class engineio_server : public http_endpoint,
                        public websocket_endpoint,
                        public std::enable_shared_from_this<engineio_server> {
public:
  engineio_server(engineio_config cfg, std::shared_ptr<engineio_handler> app);
  ~engineio_server() override;
  engineio_server(const engineio_server&) = delete;
  engineio_server& operator=(const engineio_server&) = delete;

  void on_request(http_request req, responder res) override;
  upgrade_answer upgrade(const http_request& req,
                         std::shared_ptr<outbound> out) override;

  /// Closes every session without a close packet (the clients see their
  /// transport drop and reconnect); each inbound gets on_closed(). Then
  /// stops the timer thread. Idempotent; the server refuses new sessions
  /// afterwards.
  void stop();

  /// Sessions open now.
  std::size_t sessions() const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace proctord::net
