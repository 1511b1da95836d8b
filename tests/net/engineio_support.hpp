#pragma once
// What the Engine.IO tests share: the application of the protocol suites'
// reference server (every inbound echoes what it gets) on a real
// net::server, and shorthands for the requests of the transports.

#include "support.hpp"

#include "net/engineio.hpp"
#include "protocol/socketio/engineio.hpp"

#include <catch2/catch.hpp>

namespace proctord::net_test {

namespace net = proctord::net;
namespace eio = proctord::protocol::engineio;


/// Records every session; each inbound echoes what it gets.
struct eio_app : net::engineio_handler {
  std::mutex mtx;
  std::vector<std::shared_ptr<net::outbound>> outs; // one per session, in order
  std::vector<std::string> queries;
  std::atomic<int> opens{0};
  std::atomic<int> closes{0};
  std::atomic<int> twice{0};      // a second on_closed, or a call after it
  std::atomic<int> overlapping{0}; // two calls into one inbound at once

  std::shared_ptr<net::inbound> open(const net::http_request& req,
                                     std::shared_ptr<net::outbound> out) override;

  std::shared_ptr<net::outbound> out(std::size_t i) {
    std::lock_guard<std::mutex> guard{mtx};
    return i < outs.size() ? outs[i] : nullptr;
  }
};

class echo_inbound : public net::inbound {
public:
  echo_inbound(eio_app& app, std::shared_ptr<net::outbound> out)
    : app_(app), out_(std::move(out)) {
  }
  void on_text(std::string data) override {
    enter();
    out_->send(std::make_shared<const std::string>(eio::message_packet(data)));
    leave();
  }
  bool on_binary(std::string bytes) override {
    enter();
    out_->send_binary(std::make_shared<const std::string>(std::move(bytes)));
    leave();
    return true;
  }
  void on_closed() override {
    enter();
    if (closed_.exchange(true))
      ++app_.twice;
    ++app_.closes;
    leave();
  }

private:
  void enter() {
    if (busy_.exchange(true))
      ++app_.overlapping;
    if (closed_)
      ++app_.twice;
  }
  void leave() { busy_ = false; }

  eio_app& app_; // outlives every session: the fixture stops first
  std::shared_ptr<net::outbound> out_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> closed_{false};
};

inline std::shared_ptr<net::inbound> eio_app::open(const net::http_request& req,
                                            std::shared_ptr<net::outbound> out) {
  ++opens;
  std::lock_guard<std::mutex> guard{mtx};
  outs.push_back(out);
  queries.push_back(req.query);
  return std::make_shared<echo_inbound>(*this, std::move(out));
}

/// A net::server with an engineio_server on /engine.io/*. Long heartbeats
/// unless a test tunes them, so that no ping gets in the way.
struct eio_fixture {
  std::shared_ptr<eio_app> app = std::make_shared<eio_app>();
  std::shared_ptr<net::engineio_server> eio;
  std::unique_ptr<net::server> srv;
  std::uint16_t port = 0;

  explicit eio_fixture(std::function<void(net::engineio_config&)> tune = {}) {
    net::engineio_config cfg;
    if (tune)
      tune(cfg);
    eio = std::make_shared<net::engineio_server>(cfg, app);
    net::server_config scfg;
    scfg.bind = "127.0.0.1";
    scfg.port = 0;
    scfg.io_threads = 2;
    srv = std::make_unique<net::server>(scfg);
    srv->add_route("/engine.io/*", eio);
    port = srv->start();
  }
  ~eio_fixture() {
    eio->stop();
    srv->stop(0ms);
  }
};

const std::string polling = "/engine.io/?EIO=4&transport=polling";
const std::string websocket = "/engine.io/?EIO=4&transport=websocket";

inline response http(std::uint16_t port, std::string_view method, const std::string& target,
              std::string_view body = "", std::string_view extra = "") {
  client c{port};
  c.send(request(method, target, body, extra));
  return c.read_response();
}

inline std::string sid_of(const std::string& open_packet) {
  auto at = open_packet.find("\"sid\":\"");
  if (at == std::string::npos)
    return {};
  at += 7;
  return open_packet.substr(at, open_packet.find('"', at) - at);
}

/// A polling handshake; the session's sid.
inline std::string handshake(std::uint16_t port) {
  auto res = http(port, "GET", polling);
  REQUIRE(res.status == 200);
  REQUIRE(res.body.substr(0, 1) == "0");
  return sid_of(res.body);
}

inline response poll(std::uint16_t port, const std::string& sid) {
  return http(port, "GET", polling + "&sid=" + sid);
}

inline response post(std::uint16_t port, const std::string& sid, std::string_view body) {
  return http(port, "POST", polling + "&sid=" + sid, body);
}

/// Opens a WebSocket on `target` and checks the 101.
inline void open_ws(client& c, const std::string& target) {
  c.send(upgrade(target));
  auto res = c.read_response();
  REQUIRE(res.status == 101);
}

/// A poll sent on its own connection, answered later.
struct held_poll {
  client c;
  held_poll(std::uint16_t port, const std::string& sid) : c(port) {
    c.send(get(polling + "&sid=" + sid));
    std::this_thread::sleep_for(50ms); // it reaches the session first
  }
  response answer(ms timeout = 5s) {
    return c.read_response(timeout);
  }
};

} // namespace proctord::net_test
