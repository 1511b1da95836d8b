#pragma once
// The contest dialect's door (seed 001: /ws/contest). The token comes at
// the handshake only; a refusal is a WebSocket close right after the
// upgrade, as the seed's clients expect: 4001 no token or a bad one, 4002 an
// expired token, 4003 a role that may not take part. An accepted socket gets
// a contest connection actor; each text frame is rate limited, decoded with
// protocol/contest_codec and sent to that actor as its own typed command.
// What needs no actor (bad frames, ping, rate limiting) is answered here.

#include "actors/config.hpp"
#include "actors/contest/interfaces.hpp"
#include "net/server.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <memory>

namespace proctord {

class contest_gateway : public net::websocket_endpoint {
public:
  contest_gateway(caf::actor_system& sys, contests_actor contests,
                  relay_actor relay, std::shared_ptr<socket_registry> sockets,
                  contest_door_config cfg);

  net::upgrade_answer upgrade(const net::http_request& req,
                              std::shared_ptr<net::outbound> out) override;

  /// The server is going away: new frames get a retryable
  /// STORE_UNAVAILABLE and closing sessions stop their actors quietly.
  void drain() { draining_->store(true); }

private:
  caf::actor_system& sys_;
  contests_actor contests_;
  relay_actor relay_;
  std::shared_ptr<socket_registry> sockets_;
  contest_door_config cfg_;
  std::shared_ptr<std::atomic<bool>> draining_
    = std::make_shared<std::atomic<bool>>(false);
};

} // namespace proctord
