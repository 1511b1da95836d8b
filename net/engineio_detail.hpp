#pragma once
// Internal to net/'s Engine.IO transports (net/engineio*.cpp): the server's
// shared state and one session. Asio only (timers), no Beast.
//
// Threads: requests arrive on the HTTP connections' strands, WebSocket
// frames on their sessions' strands, timers and deferred work on the
// server's own timer thread. A session's state is guarded by its mutex;
// the application is called under the session's delivery mutex (one call
// at a time), never under the state mutex, because it may call the
// outbound back from inside on_text().

#include "net/engineio.hpp"
#include "protocol/socketio/engineio.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace proctord::net {

namespace detail {
class eio_session;
} // namespace detail

struct engineio_server::impl {
  engineio_config cfg;
  std::shared_ptr<engineio_handler> app;

  /// The timer thread: heartbeats, upgrade timeouts, deferred flushes and
  /// on_closed() calls.
  boost::asio::io_context timers;
  using work_guard =
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::optional<work_guard> work;
  std::thread thread;

  mutable std::mutex mtx;
  std::unordered_map<std::string, std::shared_ptr<detail::eio_session>> sessions;
  bool stopped = false; // guarded by mtx; no session is added after it

  enum class admission { ok, full, stopped };
  /// Registers a session under its sid. Any thread.
  admission admit(const std::shared_ptr<detail::eio_session>& s);
  /// Any thread; null when the sid is unknown.
  std::shared_ptr<detail::eio_session> find(const std::string& sid) const;
  /// Any thread; removes `sid` if it still names `s`.
  void forget(const std::string& sid, const detail::eio_session* s);
};

namespace detail {

/// Node's error answers: 400 (or `status`) with {"code":N,"message":"..."}.
enum class eio_error { unknown_transport = 0, unknown_sid, bad_method, bad_request,
                       forbidden, bad_version };
http_response eio_error_response(eio_error e, unsigned status = 400);
std::string eio_error_body(eio_error e);

/// A polling request's way back: its responder and the CORS fields that
/// every answer to it carries.
struct eio_reply {
  responder res;
  http_headers cors;

  void send(http_response r) const {
    for (const auto& [name, value] : cors.fields())
      r.headers.add(name, value);
    res.respond(std::move(r));
  }
  void error(eio_error e, unsigned status = 400) const {
    send(eio_error_response(e, status));
  }
  /// A 200 poll answer: a payload (text/plain).
  void payload(std::string body) const;
};

/// The application's side of a session: its inbound, and the lock that
/// keeps calls into it apart. Shared with the on_closed() call posted to
/// the timer thread, which must outlive the session.
struct eio_delivery {
  std::mutex mtx;
  std::shared_ptr<inbound> in; // set once open() returns; null after on_closed
  bool closed = false;         // on_closed() is due or done

  /// Calls on_closed() unless it was called; takes mtx.
  void close();
};

/// A packet waiting for a poll (or for the WebSocket of an upgrade).
struct eio_entry {
  shared_frame bytes;
  bool binary = false;
};

/// One Engine.IO session, on polling or WebSocket. Owned by the server's
/// registry while open (and by the WebSocket inbounds that feed it);
/// timers, deferred work and the application's outbound hold it weakly.
class eio_session : public std::enable_shared_from_this<eio_session> {
public:
  eio_session(std::shared_ptr<engineio_server::impl> srv, std::string sid);
  ~eio_session();
  eio_session(const eio_session&) = delete;
  eio_session& operator=(const eio_session&) = delete;

  const std::string& sid() const noexcept { return sid_; }

  // -- opening (engineio_session.cpp) -----------------------------------------
  /// HTTP strand of the handshake, the session registered: answers `res`
  /// with the open packet (and what open() sent), then polls as usual.
  void open_polling(const http_request& req, eio_reply res);
  /// WebSocket strand, from upgrade(): the open packet goes to `ws` first.
  /// Returns the inbound for the WebSocket session.
  std::shared_ptr<inbound> open_websocket(const http_request& req,
                                          std::shared_ptr<outbound> ws);

  // -- polling (engineio_polling.cpp); HTTP strands -----------------------------
  void on_poll(eio_reply res);
  void on_post(std::string body, eio_reply res);

  // -- WebSocket (engineio_websocket.cpp); WebSocket strands ----------------------
  /// A probe WebSocket for the upgrade of a polling session; null (refuse)
  /// when the session takes none: closed, upgraded or already probing.
  std::shared_ptr<inbound> start_probe(std::shared_ptr<outbound> ws);
  void on_ws_text(const outbound* ws, std::string frame);
  bool on_ws_binary(const outbound* ws, std::string frame);
  void on_ws_closed(const outbound* ws);

  // -- the application's outbound; any thread -----------------------------------
  void send(shared_frame frame, bool binary);
  void close_by_app(close_code code, std::string reason);
  bool congested() const;

  /// Ends the session, whoever asks; idempotent, any thread, never calls the
  /// application (on_closed() is posted to the timer thread). A held poll
  /// gets `poll_answer` ("1" close, "6" noop; "" is "6"); the WebSocket
  /// (and a probe) gets a close frame with `code`.
  void end(std::string_view poll_answer, close_code code, const char* why);

private:
  enum class heartbeat { ping_due, pong_due, close_due };

  // engineio_session.cpp
  /// Hand a message to the inbound under the delivery mutex, unless the
  /// session ended. deliver_binary() is false when the application takes
  /// no binary messages.
  void deliver_text(std::string data);
  bool deliver_binary(std::string bytes);
  void on_pong();
  void arm_heartbeat_locked(heartbeat next, std::chrono::milliseconds after);
  void on_heartbeat(std::uint64_t gen);
  /// Appends to what waits for a poll; false when that goes over the bound.
  bool enqueue_locked(eio_entry e);
  void schedule_flush_locked();
  void slow_consumer();

  // engineio_polling.cpp
  /// Answers the held poll with what waits, if both are there.
  void flush();
  std::string take_payload_locked();

  // engineio_websocket.cpp
  void on_probe_packet_locked(const std::optional<protocol::engineio::packet>& p);
  void on_upgrade_timeout(std::uint64_t gen);

  std::shared_ptr<engineio_server::impl> srv_;
  const std::string sid_;
  std::shared_ptr<eio_delivery> delivery_ = std::make_shared<eio_delivery>();
  std::atomic<bool> closed_{false}; // written under mtx_

  mutable std::mutex mtx_;
  // Everything below: guarded by mtx_.
  bool websocket_ = false;            // the transport is (now) WebSocket
  std::shared_ptr<outbound> ws_;      // the WebSocket transport's outbound
  std::shared_ptr<outbound> probe_;   // a WebSocket probing for the upgrade
  bool probed_ = false;               // the probe said "2probe"
  bool closing_ = false;              // the application closed a polling session
  std::vector<eio_entry> pending_;    // waits for a poll
  std::size_t pending_bytes_ = 0;
  std::optional<eio_reply> held_;     // a poll waiting for packets
  bool posting_ = false;              // a POST is being delivered
  int batching_ = 0;                  // open()/a POST runs: flush at its end
  bool flush_posted_ = false;
  boost::asio::steady_timer heartbeat_timer_;
  heartbeat heartbeat_ = heartbeat::ping_due;
  std::uint64_t heartbeat_gen_ = 0;
  boost::asio::steady_timer upgrade_timer_;
  std::uint64_t upgrade_gen_ = 0;
};

/// The inbound of a session's WebSocket (its transport or its probe): it
/// feeds the session and holds it, and `ws` (for the identity of the
/// WebSocket: the session compares it with its transport and probe).
std::shared_ptr<inbound> eio_ws_inbound(std::shared_ptr<eio_session> s,
                                        std::shared_ptr<outbound> ws);

/// The packet frames the server writes itself.
shared_frame eio_frame(std::string_view packet);

} // namespace detail
} // namespace proctord::net
