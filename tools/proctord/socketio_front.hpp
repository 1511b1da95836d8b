#pragma once
// proctord's Socket.IO door: the Engine.IO transports at /socket.io/ and
// /api/socket/, each with its namespaces, over one Socket.IO door per path.
//   /socket.io/   /public-room/:roomId (study rooms), / (exams)
//   /api/socket/  / (collaborative sessions), /public-room/:roomId
// A namespace no domain serves is answered "Invalid namespace".

#include "actors/core/relay.hpp"
#include "actors/socketio/interfaces.hpp"
#include "net/engineio.hpp"
#include "net/server.hpp"
#include "tools/proctord/options.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <optional>

namespace proctord {

/// The domains behind the door (null: not served).
struct sio_domains {
  std::optional<sio_domain_actor> study;
  /// The exams (seed 004): "/" on /socket.io/.
  std::optional<sio_domain_actor> exam;
  /// The collaborative sessions: "/" at /api/socket/.
  std::optional<sio_domain_actor> session;
};

class socketio_front {
public:
  socketio_front(caf::actor_system& sys, relay_actor relay,
                 std::shared_ptr<socket_registry> sockets,
                 const server_options& opts, const sio_domains& domains);

  /// Adds the two routes.
  void add_routes(net::server& srv) const;

  /// Closes every Engine.IO session without a Socket.IO DISCONNECT (the
  /// clients reconnect to the next server).
  void stop();

private:
  std::shared_ptr<net::engineio_server> socket_io_;
  std::shared_ptr<net::engineio_server> api_socket_;
};

} // namespace proctord
