// sio-conformance: the reference configuration of the public Engine.IO and
// Socket.IO protocol test suites, built from proctord's own libraries (the
// transports of net/, the codecs of protocol/socketio, the Socket.IO door
// and connection actor) with only the echo domain of tools/sio-conformance.
//
//   sio-conformance [--port P] [--bind ADDR]      (default 127.0.0.1:3000)
//
// Engine.IO at /engine.io/, Socket.IO at /socket.io/ (namespaces "/" and
// "/custom"); pingInterval 300 ms, pingTimeout 200 ms, maxPayload
// 1,000,000, connectTimeout 1,000 ms, CORS "*". Runs until SIGINT/SIGTERM.

#include "actors/core/message_types.hpp"
#include "actors/core/relay.hpp"
#include "actors/doors/socketio_door.hpp"
#include "net/engineio.hpp"
#include "net/server.hpp"
#include "tools/sio-conformance/echo.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

using namespace proctord;

struct options {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 3000;
};

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--port" || arg == "--bind") && i + 1 < argc) {
      std::string value = argv[++i];
      if (arg == "--bind") {
        o.bind = value;
        continue;
      }
      char* end = nullptr;
      auto port = std::strtoul(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || port > 65535)
        return false;
      o.port = static_cast<std::uint16_t>(port);
    } else {
      return false;
    }
  }
  return true;
}

net::engineio_config reference_transport() {
  net::engineio_config cfg;
  cfg.ping_interval = std::chrono::milliseconds{300};
  cfg.ping_timeout = std::chrono::milliseconds{200};
  cfg.max_payload = 1'000'000;
  cfg.cors_origins = {"*"};
  return cfg;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (!parse(argc, argv, opts)) {
    std::cerr << "usage: sio-conformance [--port P] [--bind ADDR]\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::warn);

  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};

  auto sockets = std::make_shared<socket_registry>();
  auto rel = sys.spawn(relay, sockets);
  auto echo = sys.spawn(conformance::echo_domain, rel);

  auto conn_cfg = std::make_shared<sio_connection_config>();
  conn_cfg->connect_timeout = std::chrono::milliseconds{1000};
  conn_cfg->namespaces.add_exact("/", echo);
  conn_cfg->namespaces.add_exact("/custom", echo);
  socketio_door_config door;
  door.connection = conn_cfg;

  auto sio = std::make_shared<net::engineio_server>(
    reference_transport(),
    std::make_shared<socketio_gateway>(sys, rel, sockets, std::move(door)));
  auto eio = std::make_shared<net::engineio_server>(
    reference_transport(), std::make_shared<conformance::engineio_echo>());

  net::server_config scfg;
  scfg.bind = opts.bind;
  scfg.port = opts.port;
  auto srv = std::make_unique<net::server>(scfg);
  srv->add_route("/socket.io/*", sio);
  srv->add_route("/engine.io/*", eio);
  try {
    auto port = srv->start();
    std::cout << "sio-conformance listening on " << opts.bind << ":" << port
              << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "sio-conformance: " << e.what() << "\n";
    return 1;
  }

  int sig = 0;
  sigwait(&signals, &sig);
  // The transports close without a Socket.IO DISCONNECT: clients reconnect.
  srv->stop_accepting();
  sio->stop();
  eio->stop();
  srv->stop(std::chrono::seconds{2});
  anon_send_exit(echo, caf::exit_reason::user_shutdown);
  anon_send_exit(rel, caf::exit_reason::user_shutdown);
  return 0;
}
