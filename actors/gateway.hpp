#pragma once
// The gateway joins net/ to the actors: it decides on WebSocket upgrades
// (checking a handshake token), spawns one connection actor per session,
// and turns each text frame into a typed command on the session's strand:
// rate limit, decode through protocol/, then one message to the actor. Bad
// frames are answered right here; they never reach an actor.

#include "actors/config.hpp"
#include "actors/interfaces.hpp"
#include "net/server.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace proctord {

/// Routed by the server for the WebSocket paths (`/ws`, `/`) and the HTTP
/// ones (`/health`, `/api/stats`), and as the fallback for unknown paths.
class gateway : public net::websocket_endpoint, public net::http_endpoint {
public:
  /// `stats` renders the body of GET /api/stats.
  /// `relay` writes to the sockets of `sockets`, where the gateway adds
  /// each session it accepts.
  gateway(caf::actor_system& sys, directory_actor directory, relay_actor relay,
          std::shared_ptr<socket_registry> sockets, gateway_config cfg,
          std::function<std::string()> stats);

  net::upgrade_answer upgrade(const net::http_request& req,
                              std::shared_ptr<net::outbound> out) override;

  /// Answers at once, on the calling Asio thread.
  void on_request(net::http_request req, net::responder res) override;

  /// The server is going away, the users are not. From now on a new frame
  /// gets a retryable STORE_UNAVAILABLE instead of reaching a room, and a
  /// closing session stops its connection actor without telling the room
  /// (no DISCONNECT violation for a restart).
  void drain();

private:
  std::shared_ptr<std::atomic<bool>> draining_
    = std::make_shared<std::atomic<bool>>(false);
  caf::actor_system& sys_;
  directory_actor directory_;
  relay_actor relay_;
  std::shared_ptr<socket_registry> sockets_;
  gateway_config cfg_;
  /// cfg_.tokens once, for every connection actor to share.
  std::shared_ptr<const protocol::token_config> tokens_;
  std::function<std::string()> stats_;
};

/// The token of a handshake: `?token=` in the target, else a Bearer
/// Authorization header; empty when there is none.
std::string handshake_token(const std::string& target,
                            const std::string& authorization);

/// A random RFC 4122 version-4 UUID, for socketId.
std::string make_uuid();

/// A token bucket: `rate` tokens per second, at most `burst` saved up.
class token_bucket {
public:
  token_bucket(double rate, double burst);
  /// Takes one token at `now_s` (seconds on a steady clock); false if empty.
  bool take(double now_s);

private:
  double rate_;
  double burst_;
  double tokens_;
  double last_ = -1;
};

} // namespace proctord
