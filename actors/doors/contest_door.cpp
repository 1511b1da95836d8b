#include "actors/doors/contest_door.hpp"

#include "actors/contest/contest_connection.hpp"
#include "actors/contest/wall_clock.hpp"
#include "actors/doors/door_support.hpp"
#include "actors/gateway.hpp" // handshake_token
#include "protocol/close_codes.hpp"
#include "protocol/contest_codec.hpp"

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <type_traits>

namespace proctord {

namespace {

namespace pc = protocol::contest;

/// A refused socket's inbound: nothing to do but wait for the close.
class refused_door : public net::inbound {
public:
  void on_text(std::string) override {
  }
  void on_closed() override {
  }
};

/// The inbound side of one contest session; runs on the session's strand.
class contest_door : public net::inbound {
public:
  contest_door(contest_connection_actor conn,
               std::shared_ptr<net::outbound> out,
               const contest_door_config& cfg,
               std::shared_ptr<std::atomic<bool>> draining,
               std::shared_ptr<socket_registry> sockets, std::uint64_t conn_id)
    : draining_(std::move(draining)),
      sockets_(std::move(sockets)),
      conn_id_(conn_id),
      conn_(std::move(conn)),
      out_(std::move(out)),
      limits_(cfg.limits),
      guard_(cfg.rate_per_sec, cfg.rate_burst) {
  }

  void on_text(std::string frame) override {
    auto now = contest::wall_clock::system_now_ms();
    switch (guard_.take()) {
      case flood_guard::verdict::pass:
        break;
      case flood_guard::verdict::close:
        out_->close(net::close_code::policy_violation, "rate limit exceeded");
        return;
      case flood_guard::verdict::drop:
        out_->send(pc::error_frame(pc::error_code::rate_limited,
                                   "too many messages; this one was dropped",
                                   now));
        return;
    }
    auto result = pc::decode(frame, limits_);
    if (auto err = std::get_if<pc::decode_error>(&result)) {
      out_->send(pc::error_frame(err->code, err->message, now));
      return;
    }
    auto& command = std::get<pc::command>(result);
    if (std::holds_alternative<pc::cmd::ping>(command)) {
      out_->send(pc::encode_shared(pc::evt::pong{now}));
      return;
    }
    if (draining_->load()) {
      out_->send(pc::error_frame(
        pc::error_code::store_unavailable,
        "the server is restarting; reconnect, resync and send this again",
        now));
      return;
    }
    std::visit(
      [this](auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (!std::is_same_v<T, pc::cmd::ping>)
          caf::anon_send(conn_, std::move(c));
      },
      command);
  }

  void on_closed() override {
    end_session(*sockets_, conn_id_, draining_->load(), conn_);
  }

private:
  std::shared_ptr<std::atomic<bool>> draining_;
  std::shared_ptr<socket_registry> sockets_;
  std::uint64_t conn_id_;
  contest_connection_actor conn_;
  std::shared_ptr<net::outbound> out_;
  pc::decode_limits limits_;
  flood_guard guard_;
};

net::upgrade_answer refuse(std::uint16_t code, std::string reason) {
  net::upgrade_answer a;
  a.handler = std::make_shared<refused_door>();
  a.close_at_once = net::close_code{code};
  a.close_reason = std::move(reason);
  return a;
}

} // namespace

contest_gateway::contest_gateway(caf::actor_system& sys,
                                 contests_actor contests, relay_actor relay,
                                 std::shared_ptr<socket_registry> sockets,
                                 contest_door_config cfg)
  : sys_(sys),
    contests_(std::move(contests)),
    relay_(std::move(relay)),
    sockets_(std::move(sockets)),
    cfg_(std::move(cfg)) {
}

net::upgrade_answer contest_gateway::upgrade(const net::http_request& req,
                                             std::shared_ptr<net::outbound> out) {
  auto token = handshake_token(req.target, req.headers.get("Authorization"));
  if (token.empty())
    return refuse(protocol::close_unauthorized, "missing token");
  auto result = protocol::verify_token(token, cfg_.tokens);
  if (auto no = std::get_if<protocol::token_rejection>(&result)) {
    spdlog::debug("contest door refuses {}: {}", req.remote_ip, no->reason);
    return no->expired ? refuse(protocol::close_token_expired, "token expired")
                       : refuse(protocol::close_unauthorized, "invalid token");
  }
  auto& who = std::get<protocol::identity>(result);
  if (!cfg_.allows(who.role))
    return refuse(protocol::close_forbidden,
                  "role '" + who.role + "' may not take part");
  auto id = sockets_->next_id();
  sockets_->add(id, out, dialect::contest);
  auto conn = sys_.spawn(contest_connection, contests_, relay_, id,
                         who.user_id, who.name, who.role == "admin");
  net::upgrade_answer yes;
  yes.handler = std::make_shared<contest_door>(std::move(conn), std::move(out),
                                               cfg_, draining_, sockets_, id);
  // Pings every interval; a peer silent for two is dropped.
  yes.idle_timeout = cfg_.ping_interval * 2;
  return yes;
}

} // namespace proctord
