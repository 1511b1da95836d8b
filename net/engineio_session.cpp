// One Engine.IO session, whatever its transport: opening, the application's
// outbound, the heartbeat, and the end. Polling requests are in
// engineio_polling.cpp, WebSocket frames and the upgrade in
// engineio_websocket.cpp.

#include "net/engineio_detail.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace proctord::net::detail {

namespace asio = boost::asio;
namespace eio = protocol::engineio;

shared_frame eio_frame(std::string_view packet) {
  return std::make_shared<const std::string>(packet);
}

void eio_delivery::close() {
  std::lock_guard<std::mutex> guard{mtx};
  closed = true;
  if (!in)
    return;
  auto gone = std::move(in);
  try {
    gone->on_closed();
  } catch (const std::exception& e) {
    spdlog::warn("engineio on_closed throws: {}", e.what());
  }
}

namespace {

/// What the application holds: the session, weakly (no cycle session ->
/// inbound -> outbound -> session; a closed session's outbound is a no-op).
///
/// A session opened on WebSocket keeps that transport for life (there is
/// no upgrade to order against), so its packets go straight to the
/// WebSocket's own outbound (`direct`): one layer per recipient of a
/// broadcast, not two. The WebSocket refuses frames once the session's
/// end() has closed it.
class eio_outbound final : public outbound {
public:
  eio_outbound(std::weak_ptr<eio_session> s, std::shared_ptr<outbound> direct)
    : s_(std::move(s)), direct_(std::move(direct)) {
  }
  void send(shared_frame frame) override {
    if (direct_)
      return direct_->send(std::move(frame));
    if (auto s = s_.lock())
      s->send(std::move(frame), false);
  }
  void send_binary(shared_frame frame) override {
    if (direct_)
      return direct_->send_binary(std::move(frame));
    if (auto s = s_.lock())
      s->send(std::move(frame), true);
  }
  void send_batch(const std::vector<batch_frame>& frames) override {
    if (direct_)
      return direct_->send_batch(frames);
    outbound::send_batch(frames); // the session orders them with its own
  }
  void close(close_code code, std::string reason) override {
    if (auto s = s_.lock())
      s->close_by_app(code, std::move(reason));
  }
  bool congested() const override {
    if (direct_)
      return direct_->congested();
    auto s = s_.lock();
    return s && s->congested();
  }

private:
  std::weak_ptr<eio_session> s_;
  const std::shared_ptr<outbound> direct_; // the WebSocket, if opened on one
};

} // namespace

eio_session::eio_session(std::shared_ptr<engineio_server::impl> srv, std::string sid)
  : srv_(std::move(srv)),
    sid_(std::move(sid)),
    heartbeat_timer_(srv_->timers),
    upgrade_timer_(srv_->timers) {
}

eio_session::~eio_session() = default;

// -- opening --------------------------------------------------------------------

void eio_session::open_polling(const http_request& req, eio_reply res) {
  const auto& cfg = srv_->cfg;
  eio::handshake h{sid_, true, cfg.ping_interval, cfg.ping_timeout, cfg.max_payload};
  // The delivery mutex is held across open(), so that a POST racing the
  // handshake's answer waits for the inbound.
  std::unique_lock<std::mutex> delivery{delivery_->mtx};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return res.error(eio_error::unknown_sid); // stop() came first
    // The handshake is the first poll: the open packet, then what open()
    // sends, in one answer.
    pending_.push_back(eio_entry{eio_frame(eio::open_packet(h)), false});
    held_ = std::move(res);
    ++batching_;
    arm_heartbeat_locked(heartbeat::ping_due, cfg.ping_interval);
  }
  std::shared_ptr<inbound> in;
  try {
    in = srv_->app->open(req,
                         std::make_shared<eio_outbound>(weak_from_this(), nullptr));
  } catch (const std::exception& e) {
    spdlog::warn("engineio open() throws: {}", e.what());
  }
  if (in && delivery_->closed)
    in->on_closed(); // the session ended inside open()
  else
    delivery_->in = std::move(in);
  delivery.unlock();
  if (!delivery_->in)
    end("1", close_code::internal_error, "no inbound");
  {
    std::lock_guard<std::mutex> guard{mtx_};
    --batching_;
  }
  flush();
}

std::shared_ptr<inbound> eio_session::open_websocket(const http_request& req,
                                                     std::shared_ptr<outbound> ws) {
  const auto& cfg = srv_->cfg;
  eio::handshake h{sid_, false, cfg.ping_interval, cfg.ping_timeout, cfg.max_payload};
  std::unique_lock<std::mutex> delivery{delivery_->mtx};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    websocket_ = true;
    ws_ = ws;
    if (closed_)
      return nullptr; // stop() came first
    // net/ queues it until the 101 is written.
    ws_->send(eio_frame(eio::open_packet(h)));
    arm_heartbeat_locked(heartbeat::ping_due, cfg.ping_interval);
  }
  std::shared_ptr<inbound> in;
  try {
    in = srv_->app->open(req, std::make_shared<eio_outbound>(weak_from_this(), ws));
  } catch (const std::exception& e) {
    spdlog::warn("engineio open() throws: {}", e.what());
  }
  if (in && delivery_->closed)
    in->on_closed();
  else
    delivery_->in = std::move(in);
  delivery.unlock();
  if (!delivery_->in)
    end("", close_code::internal_error, "no inbound");
  return eio_ws_inbound(shared_from_this(), std::move(ws));
}

// -- delivery -----------------------------------------------------------------------

void eio_session::deliver_text(std::string data) {
  std::lock_guard<std::mutex> guard{delivery_->mtx};
  if (closed_ || !delivery_->in)
    return;
  delivery_->in->on_text(std::move(data));
}

bool eio_session::deliver_binary(std::string bytes) {
  std::lock_guard<std::mutex> guard{delivery_->mtx};
  if (closed_ || !delivery_->in)
    return true; // nobody to refuse it
  return delivery_->in->on_binary(std::move(bytes));
}

// -- the application's outbound -----------------------------------------------------

void eio_session::send(shared_frame frame, bool binary) {
  if (!frame)
    return;
  std::unique_lock<std::mutex> guard{mtx_};
  if (closed_ || closing_)
    return;
  if (websocket_) {
    // Under the lock, so that an upgrade's backlog goes first. Both calls
    // only queue and post.
    if (!ws_)
      return; // closed under us; end() follows
    if (binary)
      ws_->send_binary(std::move(frame));
    else
      ws_->send(std::move(frame));
    return;
  }
  if (!enqueue_locked(eio_entry{std::move(frame), binary})) {
    guard.unlock();
    return slow_consumer();
  }
  schedule_flush_locked();
}

void eio_session::close_by_app(close_code code, std::string reason) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (closed_ || closing_)
    return;
  if (websocket_) {
    guard.unlock();
    // net/ writes the close frame after the frames queued.
    return end("", code, reason.empty() ? "closed by the application" : reason.c_str());
  }
  // Polling: the close packet goes out with the next poll, then the session
  // is gone; a client that never polls again is given ping_timeout.
  closing_ = true;
  pending_.push_back(eio_entry{eio_frame("1"), false});
  arm_heartbeat_locked(heartbeat::close_due, srv_->cfg.ping_timeout);
  auto probe = std::move(probe_);
  schedule_flush_locked();
  guard.unlock();
  if (probe)
    probe->close(close_code::normal, "session closed");
}

bool eio_session::congested() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return websocket_ && ws_ && ws_->congested();
}

bool eio_session::enqueue_locked(eio_entry e) {
  const auto& cfg = srv_->cfg;
  if (pending_bytes_ + e.bytes->size() > cfg.send_queue_bytes
      || pending_.size() >= cfg.send_queue_frames)
    return false;
  pending_bytes_ += e.bytes->size();
  pending_.push_back(std::move(e));
  return true;
}

void eio_session::slow_consumer() {
  std::size_t frames = 0, bytes = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return;
    frames = pending_.size();
    bytes = pending_bytes_;
  }
  spdlog::warn("engineio closes slow consumer {} ({} packets, {} bytes wait for a "
               "poll)",
               sid_, frames, bytes);
  end("1", close_code::policy_violation, "send queue overflow");
}

/// A burst of sends makes one answer: the flush runs once the sender is
/// done (on the timer thread), not on the first packet.
void eio_session::schedule_flush_locked() {
  if (!held_ || batching_ > 0 || flush_posted_)
    return;
  flush_posted_ = true;
  asio::post(srv_->timers, [weak = weak_from_this()] {
    if (auto s = weak.lock())
      s->flush();
  });
}

// -- heartbeat ----------------------------------------------------------------------

void eio_session::arm_heartbeat_locked(heartbeat next,
                                       std::chrono::milliseconds after) {
  heartbeat_ = next;
  auto gen = ++heartbeat_gen_;
  heartbeat_timer_.expires_after(after);
  heartbeat_timer_.async_wait(
    [weak = weak_from_this(), gen](boost::system::error_code ec) {
      if (ec)
        return;
      if (auto s = weak.lock())
        s->on_heartbeat(gen);
    });
}

/// Timer thread.
void eio_session::on_heartbeat(std::uint64_t gen) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (closed_ || gen != heartbeat_gen_)
    return;
  switch (heartbeat_) {
  case heartbeat::ping_due: {
    static const shared_frame ping = eio_frame("2");
    arm_heartbeat_locked(heartbeat::pong_due, srv_->cfg.ping_timeout);
    if (websocket_) {
      if (ws_)
        ws_->send(ping);
      return;
    }
    if (!enqueue_locked(eio_entry{ping, false})) {
      guard.unlock();
      return slow_consumer();
    }
    guard.unlock();
    return flush();
  }
  case heartbeat::pong_due:
    guard.unlock();
    return end("1", close_code::normal, "ping timeout");
  case heartbeat::close_due:
    guard.unlock();
    return end("1", close_code::normal, "closed by the application");
  }
}

void eio_session::on_pong() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!closed_ && heartbeat_ == heartbeat::pong_due)
    arm_heartbeat_locked(heartbeat::ping_due, srv_->cfg.ping_interval);
}

// -- the end ------------------------------------------------------------------------

void eio_session::end(std::string_view poll_answer, close_code code, const char* why) {
  std::optional<eio_reply> held;
  std::shared_ptr<outbound> ws, probe;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return;
    closed_ = true;
    ++heartbeat_gen_;
    ++upgrade_gen_;
    heartbeat_timer_.cancel();
    upgrade_timer_.cancel();
    pending_.clear();
    pending_bytes_ = 0;
    held = std::move(held_);
    held_.reset();
    ws = std::move(ws_);
    probe = std::move(probe_);
  }
  srv_->forget(sid_, this);
  spdlog::debug("engineio session {} ends: {}", sid_, why);
  if (held) // never dropped: a dropped responder answers 500
    held->payload(std::string{poll_answer.empty() ? "6" : poll_answer});
  if (ws)
    ws->close(code, why);
  if (probe)
    probe->close(code, why);
  // Never from here: the caller may be the application (send, close) or
  // hold its locks.
  asio::post(srv_->timers, [d = delivery_] { d->close(); });
}

} // namespace proctord::net::detail
