#pragma once
// The Socket.IO door: the application behind an Engine.IO route. For each
// Engine.IO connection it spawns a Socket.IO connection actor and hands the
// transport an inbound that decodes Socket.IO packets (protocol/socketio),
// gathers a binary packet's attachments, and sends the connection actor one
// typed message per packet, on a channel per namespace. A malformed packet
// closes the connection (as Socket.IO servers do); so does an attachment
// nobody announced, or more namespaces than `max_namespaces`.

#include "actors/core/relay.hpp"
#include "actors/socketio/connection.hpp"
#include "net/address.hpp"
#include "net/engineio.hpp"
#include "protocol/socketio/packet.hpp"

#include <caf/actor_system.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace proctord {

struct socketio_door_config {
  std::shared_ptr<const sio_connection_config> connection;
  protocol::socketio::limits limits;
  /// Distinct namespaces one connection may name.
  std::size_t max_namespaces = 16;
  /// Proxies whose X-Forwarded-For names the client.
  net::address_set trusted_proxies;
  /// Turns a client event into its namespace's typed command (nullopt: an
  /// event the domain does not know, dropped). Unset: every event goes to
  /// the domain raw (a pass-through domain).
  std::function<std::optional<protocol::socketio::command>(
    std::string_view nsp, protocol::socketio::raw_event& e)>
    decode_event;
};

class socketio_gateway : public net::engineio_handler {
public:
  socketio_gateway(caf::actor_system& sys, relay_actor relay,
                   std::shared_ptr<socket_registry> sockets,
                   socketio_door_config cfg);

  std::shared_ptr<net::inbound> open(const net::http_request& handshake,
                                     std::shared_ptr<net::outbound> out) override;

private:
  caf::actor_system& sys_;
  relay_actor relay_;
  std::shared_ptr<socket_registry> sockets_;
  std::shared_ptr<const socketio_door_config> cfg_;
};

} // namespace proctord
