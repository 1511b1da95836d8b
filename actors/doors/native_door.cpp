#include "actors/doors/native_door.hpp"

#include "actors/doors/door_support.hpp"
#include "protocol/native_codec.hpp"

#include <caf/send.hpp>

#include <chrono>
#include <type_traits>

namespace proctord {

namespace {

using protocol::error_code;

/// The relay's estimated wait past which live-only messages are refused
/// (OVERLOADED): latency under overload stays near this, not seconds.
constexpr std::chrono::milliseconds relay_shed_after{100};

protocol::millis now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

/// The inbound side of one session; runs on the session's strand.
class native_door : public net::inbound {
public:
  native_door(connection_actor conn, std::shared_ptr<net::outbound> out,
                  const gateway_config& cfg,
                  std::shared_ptr<std::atomic<bool>> draining,
                  std::shared_ptr<socket_registry> sockets,
                  std::uint64_t conn_id)
    : draining_(std::move(draining)),
      sockets_(std::move(sockets)),
      conn_id_(conn_id),
      conn_(std::move(conn)),
      out_(std::move(out)),
      limits_(cfg.limits),
      guard_(cfg.rate_per_sec, cfg.rate_burst) {
  }

  void on_text(std::string frame) override {
    switch (guard_.take()) {
      case flood_guard::verdict::pass:
        break;
      case flood_guard::verdict::close:
        out_->close(net::close_code::policy_violation, "rate limit exceeded");
        return;
      case flood_guard::verdict::drop:
        // Every dropped message is answered, with its type when it has
        // one, so that a client knows what to send again. A scan, not a
        // parse: refusing a frame must stay cheaper than accepting it.
        out_->send(protocol::native::error_frame(
          error_code::rate_limited, "too many messages; this one was dropped",
          protocol::native::peek_type(frame)));
        return;
    }
    if (draining_->load()) {
      out_->send(protocol::native::error_frame(
        error_code::store_unavailable,
        "the server is restarting; resume and send this again"));
      return;
    }
    auto result = protocol::native::decode(frame, limits_);
    if (auto err = std::get_if<protocol::native::decode_error>(&result)) {
      out_->send(protocol::native::error_frame(err->code, err->message,
                                               err->request_type));
      return;
    }
    auto& command = std::get<protocol::command>(result);
    if (std::holds_alternative<protocol::cmd::heartbeat>(command)) {
      out_->send(protocol::native::encode_shared(
        protocol::evt::heartbeat_ack{now_ms()}));
      return;
    }
    // Under overload, live-only messages are shed at the door rather than
    // queued behind seconds of backlog; durable ones still go through. The
    // backlog is in the writers' queues when readers are slow, in the
    // relay's mailbox when the node is short of CPU.
    if (protocol::live_only(command)
        && (out_->congested() || sockets_->relay_wait() > relay_shed_after)) {
      out_->send(protocol::native::error_frame(
        error_code::overloaded,
        "the server is at capacity; this live message was dropped, send it "
        "again later",
        std::string{protocol::type_name(command)}));
      return;
    }
    caf::anon_send(conn_, channel_id{0}, std::move(command));
  }

  void on_closed() override {
    end_session(*sockets_, conn_id_, draining_->load(), conn_);
  }

private:
  std::shared_ptr<std::atomic<bool>> draining_;
  std::shared_ptr<socket_registry> sockets_;
  std::uint64_t conn_id_;
  connection_actor conn_;
  std::shared_ptr<net::outbound> out_;
  protocol::native::decode_limits limits_;
  flood_guard guard_;
};

} // namespace

std::shared_ptr<net::inbound>
make_native_door(connection_actor conn, std::shared_ptr<net::outbound> out,
                 const gateway_config& cfg,
                 std::shared_ptr<std::atomic<bool>> draining,
                 std::shared_ptr<socket_registry> sockets,
                 std::uint64_t conn_id) {
  return std::make_shared<native_door>(std::move(conn), std::move(out), cfg,
                                       std::move(draining), std::move(sockets),
                                       conn_id);
}

} // namespace proctord
