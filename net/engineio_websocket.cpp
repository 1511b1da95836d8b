// A session's WebSockets: the transport of a WebSocket session, or the
// probe that upgrades a polling session ("2probe" -> "3probe", then "5").
// Each WebSocket's inbound feeds the session from that WebSocket's strand.

#include "net/engineio_detail.hpp"

#include <spdlog/spdlog.h>

namespace proctord::net::detail {

namespace eio = protocol::engineio;

namespace {

/// RFC 6455's protocol error: what an invalid packet gets.
constexpr close_code protocol_error{1002};

class ws_inbound final : public inbound {
public:
  ws_inbound(std::shared_ptr<eio_session> s, std::shared_ptr<outbound> ws)
    : s_(std::move(s)), ws_(std::move(ws)) {
  }
  void on_text(std::string frame) override {
    s_->on_ws_text(ws_.get(), std::move(frame));
  }
  bool on_binary(std::string frame) override {
    return s_->on_ws_binary(ws_.get(), std::move(frame));
  }
  void on_closed() override {
    s_->on_ws_closed(ws_.get());
  }

private:
  std::shared_ptr<eio_session> s_;
  // Held for its identity (an address no other WebSocket reuses while this
  // lives); it holds its WebSocket session weakly.
  std::shared_ptr<outbound> ws_;
};

} // namespace

std::shared_ptr<inbound> eio_ws_inbound(std::shared_ptr<eio_session> s,
                                        std::shared_ptr<outbound> ws) {
  return std::make_shared<ws_inbound>(std::move(s), std::move(ws));
}

/// A WebSocket strand, from engineio_server::upgrade().
std::shared_ptr<inbound> eio_session::start_probe(std::shared_ptr<outbound> ws) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_ || websocket_ || closing_ || probe_)
    return nullptr;
  probe_ = ws;
  probed_ = false;
  auto gen = ++upgrade_gen_;
  upgrade_timer_.expires_after(srv_->cfg.upgrade_timeout);
  upgrade_timer_.async_wait(
    [weak = weak_from_this(), gen](boost::system::error_code ec) {
      if (ec)
        return;
      if (auto s = weak.lock())
        s->on_upgrade_timeout(gen);
    });
  return eio_ws_inbound(shared_from_this(), std::move(ws));
}

/// Timer thread: the probe did not say "5" in time; polling goes on.
void eio_session::on_upgrade_timeout(std::uint64_t gen) {
  std::shared_ptr<outbound> probe;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_ || gen != upgrade_gen_)
      return;
    probe = std::move(probe_);
    probed_ = false;
  }
  if (probe)
    probe->close(close_code::normal, "upgrade timeout");
}

void eio_session::on_ws_text(const outbound* ws, std::string frame) {
  auto p = eio::decode_text(frame);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return;
    if (ws == probe_.get())
      return on_probe_packet_locked(p);
    if (ws != ws_.get())
      return; // a WebSocket the session let go of
  }
  if (!p)
    return end("", protocol_error, "invalid packet");
  switch (p->type) {
  case eio::packet_type::message:
    return deliver_text(std::move(p->data));
  case eio::packet_type::pong:
    return on_pong();
  case eio::packet_type::close:
    return end("", close_code::normal, "closed by the client");
  case eio::packet_type::ping:
    return end("", protocol_error, "ping from the client");
  default: // open, upgrade, noop: nothing to do
    return;
  }
}

/// Under mtx_: the probe's packets. Answers and closes only queue and post.
void eio_session::on_probe_packet_locked(const std::optional<eio::packet>& p) {
  static const shared_frame probe_pong = eio_frame("3probe");
  if (p && p->type == eio::packet_type::ping && p->data == "probe") {
    probe_->send(probe_pong);
    probed_ = true;
    // The client paused polling; a poll it still has out ends now.
    if (held_ && pending_.empty()) {
      held_->payload("6");
      held_.reset();
    }
    return;
  }
  if (p && p->type == eio::packet_type::upgrade && probed_) {
    websocket_ = true;
    ws_ = std::move(probe_);
    probed_ = false;
    ++upgrade_gen_;
    upgrade_timer_.cancel();
    if (held_) {
      held_->payload("6");
      held_.reset();
    }
    // What waited for a poll goes first, in order (send() takes mtx_ too).
    for (auto& e : pending_) {
      if (e.binary)
        ws_->send_binary(std::move(e.bytes));
      else
        ws_->send(std::move(e.bytes));
    }
    pending_.clear();
    pending_bytes_ = 0;
    return;
  }
  // Anything else: no upgrade; the session stays on polling.
  auto probe = std::move(probe_);
  probed_ = false;
  ++upgrade_gen_;
  upgrade_timer_.cancel();
  probe->close(protocol_error, "unexpected packet during upgrade");
}

bool eio_session::on_ws_binary(const outbound* ws, std::string frame) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return true;
    if (ws != ws_.get())
      return false; // a probe sends no messages: its WebSocket closes (1003)
  }
  return deliver_binary(std::move(frame));
}

void eio_session::on_ws_closed(const outbound* ws) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return;
    if (ws == probe_.get()) {
      probe_.reset();
      probed_ = false;
      ++upgrade_gen_;
      upgrade_timer_.cancel();
      return;
    }
    if (ws != ws_.get())
      return;
    ws_.reset(); // closed already: end() has nothing to close
  }
  end("", close_code::going_away, "websocket closed");
}

} // namespace proctord::net::detail
