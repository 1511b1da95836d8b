#include "tools/proctord/socketio_front.hpp"

#include "actors/doors/socketio_door.hpp"
#include "protocol/exam.hpp"

namespace proctord {

namespace {

/// Which codec reads the events of namespace "/" on a door.
enum class root_codec : std::uint8_t { raw, exam, session };

std::shared_ptr<net::engineio_server>
door(caf::actor_system& sys, const relay_actor& relay,
     const std::shared_ptr<socket_registry>& sockets, const server_options& opts,
     namespace_table namespaces, root_codec root) {
  auto conn = std::make_shared<sio_connection_config>();
  conn->connect_timeout = opts.sio_connect_timeout;
  conn->namespaces = std::move(namespaces);
  socketio_door_config cfg;
  cfg.connection = std::move(conn);
  cfg.trusted_proxies = opts.trusted_proxies;
  cfg.decode_event = [root](std::string_view nsp, protocol::socketio::raw_event& e)
    -> std::optional<protocol::socketio::command> {
    if (nsp == "/" && root == root_codec::exam) {
      if (auto cmd = protocol::exam::decode(e.name, e.args, e.ack))
        return protocol::socketio::command{std::move(*cmd)};
      return std::nullopt;
    }
    if (nsp.rfind("/public-room/", 0) == 0) {
      if (auto cmd = protocol::study::decode(e.name, e.args))
        return protocol::socketio::command{std::move(*cmd)};
      return std::nullopt;
    }
    if (nsp == "/" && root == root_codec::session) {
      if (auto cmd = protocol::session::decode(e.name, e.args))
        return protocol::socketio::command{std::move(*cmd)};
      return std::nullopt;
    }
    return protocol::socketio::command{std::move(e)};
  };
  return std::make_shared<net::engineio_server>(
    opts.sio, std::make_shared<socketio_gateway>(sys, relay, sockets, std::move(cfg)));
}

} // namespace

socketio_front::socketio_front(caf::actor_system& sys, relay_actor relay,
                               std::shared_ptr<socket_registry> sockets,
                               const server_options& opts,
                               const sio_domains& domains) {
  namespace_table socket_io;
  namespace_table api_socket;
  if (domains.study) {
    socket_io.add_pattern("/public-room/", *domains.study);
    api_socket.add_pattern("/public-room/", *domains.study);
  }
  if (domains.exam)
    socket_io.add_exact("/", *domains.exam);
  if (domains.session)
    api_socket.add_exact("/", *domains.session);
  socket_io_ = door(sys, relay, sockets, opts, std::move(socket_io),
                    domains.exam ? root_codec::exam : root_codec::raw);
  api_socket_ = door(sys, relay, sockets, opts, std::move(api_socket),
                     domains.session ? root_codec::session : root_codec::raw);
}

void socketio_front::add_routes(net::server& srv) const {
  srv.add_route("/socket.io/*", socket_io_);
  srv.add_route("/api/socket/*", api_socket_);
}

void socketio_front::stop() {
  socket_io_->stop();
  api_socket_->stop();
}

} // namespace proctord
