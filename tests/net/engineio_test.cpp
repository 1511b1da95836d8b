// Engine.IO over real sockets: an engineio_server on a net::server, with
// the application of the protocol suites' reference server (it echoes
// every message), driven by the blocking test client. The cases follow
// engine.io-protocol's test-suite.js and add the limits, CORS, the send
// queue bound and stop().

#include "support.hpp"

#include "net/engineio.hpp"
#include "protocol/socketio/engineio.hpp"

#include <catch2/catch.hpp>

using namespace proctord::net_test;
namespace net = proctord::net;
namespace eio = proctord::protocol::engineio;

namespace {

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

std::shared_ptr<net::inbound> eio_app::open(const net::http_request& req,
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

response http(std::uint16_t port, std::string_view method, const std::string& target,
              std::string_view body = "", std::string_view extra = "") {
  client c{port};
  c.send(request(method, target, body, extra));
  return c.read_response();
}

std::string sid_of(const std::string& open_packet) {
  auto at = open_packet.find("\"sid\":\"");
  if (at == std::string::npos)
    return {};
  at += 7;
  return open_packet.substr(at, open_packet.find('"', at) - at);
}

/// A polling handshake; the session's sid.
std::string handshake(std::uint16_t port) {
  auto res = http(port, "GET", polling);
  REQUIRE(res.status == 200);
  REQUIRE(res.body.substr(0, 1) == "0");
  return sid_of(res.body);
}

response poll(std::uint16_t port, const std::string& sid) {
  return http(port, "GET", polling + "&sid=" + sid);
}

response post(std::uint16_t port, const std::string& sid, std::string_view body) {
  return http(port, "POST", polling + "&sid=" + sid, body);
}

/// Opens a WebSocket on `target` and checks the 101.
void open_ws(client& c, const std::string& target) {
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

} // namespace

// -- handshake ------------------------------------------------------------------------

TEST_CASE("engineio: a polling handshake opens a session", "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) {
    c.ping_interval = 300ms;
    c.ping_timeout = 200ms;
  }};
  auto res = http(f.port, "GET", polling);
  REQUIRE(res.status == 200);
  CHECK(res.headers["content-type"] == "text/plain; charset=UTF-8");
  CHECK(res.body.substr(0, 9) == "0{\"sid\":\"");
  CHECK(res.body.find("\"upgrades\":[\"websocket\"]") != std::string::npos);
  CHECK(res.body.find("\"pingInterval\":300,\"pingTimeout\":200") != std::string::npos);
  CHECK(res.body.find("\"maxPayload\":1000000}") != std::string::npos);
  CHECK(sid_of(res.body).size() == 20);
  CHECK(f.app->opens == 1);
  CHECK(f.eio->sessions() == 1);
}

TEST_CASE("engineio: a WebSocket handshake sends the open packet first",
          "[net][engineio]") {
  eio_fixture f;
  client c{f.port};
  open_ws(c, websocket);
  auto open = read_frame(c);
  CHECK(open.opcode == 0x1);
  CHECK(open.payload.substr(0, 9) == "0{\"sid\":\"");
  CHECK(open.payload.find("\"upgrades\":[]") != std::string::npos);
  c.send(ws_text("4hello"));
  auto echo = read_frame(c);
  CHECK(echo.opcode == 0x1);
  CHECK(echo.payload == "4hello");
  CHECK(f.eio->sessions() == 1);
}

TEST_CASE("engineio: bad EIO or transport or method gets Node's 400s",
          "[net][engineio]") {
  eio_fixture f;
  auto no_eio = http(f.port, "GET", "/engine.io/?transport=polling");
  CHECK(no_eio.status == 400);
  CHECK(no_eio.body == "{\"code\":5,\"message\":\"Unsupported protocol version\"}");
  CHECK(no_eio.headers["content-type"] == "application/json");
  CHECK(http(f.port, "GET", "/engine.io/?EIO=abc&transport=polling").status == 400);
  CHECK(http(f.port, "GET", "/engine.io/?EIO=3&transport=polling").status == 400);
  auto no_transport = http(f.port, "GET", "/engine.io/?EIO=4");
  CHECK(no_transport.status == 400);
  CHECK(no_transport.body == "{\"code\":0,\"message\":\"Transport unknown\"}");
  CHECK(http(f.port, "GET", "/engine.io/?EIO=4&transport=abc").status == 400);
  auto posted = http(f.port, "POST", polling, "4x");
  CHECK(posted.status == 400);
  CHECK(posted.body == "{\"code\":2,\"message\":\"Bad handshake method\"}");
  CHECK(http(f.port, "PUT", polling, "4x").status == 400);
  // A plain GET that claims the WebSocket transport.
  CHECK(http(f.port, "GET", websocket).status == 400);
  for (auto target : {"/engine.io/?transport=websocket",
                      "/engine.io/?EIO=abc&transport=websocket", "/engine.io/?EIO=4",
                      "/engine.io/?EIO=4&transport=abc"}) {
    client c{f.port};
    c.send(upgrade(target));
    auto res = c.read_response();
    INFO(target);
    CHECK(res.status == 400);
    CHECK(res.headers["content-type"] == "application/json");
    CHECK(c.closed_within(2s));
  }
  CHECK(f.app->opens == 0);
  CHECK(f.eio->sessions() == 0);
}

TEST_CASE("engineio: an unknown sid gets 400 on every transport", "[net][engineio]") {
  eio_fixture f;
  auto res = poll(f.port, "nope");
  CHECK(res.status == 400);
  CHECK(res.body == "{\"code\":1,\"message\":\"Session ID unknown\"}");
  CHECK(post(f.port, "nope", "4x").status == 400);
  client c{f.port};
  c.send(upgrade(websocket + "&sid=nope"));
  CHECK(c.read_response().status == 400);
}

// -- messages -------------------------------------------------------------------------

TEST_CASE("engineio: polling echoes text and binary payloads", "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  auto ok = post(f.port, sid, "4hello");
  CHECK(ok.status == 200);
  CHECK(ok.body == "ok");
  CHECK(ok.headers["content-type"] == "text/html");
  CHECK(poll(f.port, sid).body == "4hello");
  CHECK(post(f.port, sid, "4test1\x1e" "4test2\x1e" "4test3").body == "ok");
  CHECK(poll(f.port, sid).body == "4test1\x1e" "4test2\x1e" "4test3");
  CHECK(post(f.port, sid, "4hello\x1e" "bAQIDBA==").body == "ok");
  CHECK(poll(f.port, sid).body == "4hello\x1e" "bAQIDBA==");
  CHECK(f.app->overlapping == 0);
}

TEST_CASE("engineio: a held poll gets a burst in one answer", "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  held_poll held{f.port, sid};
  CHECK(post(f.port, sid, "4a\x1e" "4b\x1e" "4c").body == "ok");
  auto res = held.answer();
  CHECK(res.status == 200);
  CHECK(res.body == "4a\x1e" "4b\x1e" "4c");
  // Sends from the application's own thread answer the held poll too (in
  // one answer or more, as the timer thread gets to them), in order.
  held_poll again{f.port, sid};
  auto out = f.app->out(0);
  for (auto m : {"4x", "4y"})
    out->send(std::make_shared<const std::string>(m));
  auto got = again.answer().body;
  if (got == "4x")
    got += "\x1e" + poll(f.port, sid).body;
  CHECK(got == "4x\x1e" "4y");
}

TEST_CASE("engineio: a duplicate poll closes the session", "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  held_poll first{f.port, sid};
  auto second = http(f.port, "GET", polling + "&sid=" + sid + "&t=burst");
  CHECK(second.status == 400);
  auto res = first.answer();
  CHECK(res.status == 200);
  CHECK(res.body == "1");
  CHECK(poll(f.port, sid).status == 400);
  CHECK(eventually([&] { return f.app->closes == 1; }));
}

TEST_CASE("engineio: an invalid payload closes the session", "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  auto res = post(f.port, sid, "abc");
  CHECK(res.status == 400);
  CHECK(res.body == "{\"code\":3,\"message\":\"Bad request\"}");
  CHECK(poll(f.port, sid).status == 400);
  CHECK(eventually([&] { return f.app->closes == 1; }));
  CHECK(f.eio->sessions() == 0);
}

TEST_CASE("engineio: WebSocket echoes binary and closes on an invalid packet",
          "[net][engineio]") {
  eio_fixture f;
  client c{f.port};
  open_ws(c, websocket);
  read_frame(c); // open
  c.send(ws_binary(std::string{"\x01\x02\x03\x04", 4}));
  auto echo = read_frame(c);
  CHECK(echo.opcode == 0x2);
  CHECK(echo.payload == std::string{"\x01\x02\x03\x04", 4});
  c.send(ws_text("abc"));
  auto close = read_frame(c);
  CHECK(close.opcode == 0x8);
  CHECK(close_code_of(close.payload) == 1002);
  CHECK(eventually([&] { return f.app->closes == 1; }));
  CHECK(f.eio->sessions() == 0);
}

// -- heartbeat ------------------------------------------------------------------------

TEST_CASE("engineio: ping and pong over polling", "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) {
    c.ping_interval = 100ms;
    c.ping_timeout = 100ms;
  }};
  auto sid = handshake(f.port);
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto res = poll(f.port, sid);
    CHECK(res.status == 200);
    CHECK(res.body == "2");
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    CHECK(post(f.port, sid, "3").status == 200);
  }
  CHECK(f.eio->sessions() == 1);
  CHECK(f.app->closes == 0);
}

TEST_CASE("engineio: a polling session without pong closes on time",
          "[net][engineio]") {
  // The suite's values and its exact sleep.
  eio_fixture f{[](net::engineio_config& c) {
    c.ping_interval = 300ms;
    c.ping_timeout = 200ms;
  }};
  auto sid = handshake(f.port);
  std::this_thread::sleep_for(500ms);
  CHECK(poll(f.port, sid).status == 400);
  CHECK(eventually([&] { return f.app->closes == 1; }));
}

TEST_CASE("engineio: ping and pong over WebSocket and the timeout", "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) {
    c.ping_interval = 100ms;
    c.ping_timeout = 100ms;
  }};
  client c{f.port};
  open_ws(c, websocket);
  read_frame(c); // open
  for (int i = 0; i < 3; ++i) {
    auto ping = read_frame(c, 1s);
    CHECK(ping.payload == "2");
    c.send(ws_text("3"));
  }
  // No pong: the socket closes.
  CHECK(read_frame(c, 1s).payload == "2");
  auto close = read_frame(c, 1s);
  CHECK(close.opcode == 0x8);
  CHECK(eventually([&] { return f.app->closes == 1; }, 1s));
}

// -- close ----------------------------------------------------------------------------

TEST_CASE("engineio: a client close over polling ends the held poll with a noop",
          "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  held_poll held{f.port, sid};
  CHECK(post(f.port, sid, "1").status == 200);
  auto res = held.answer();
  CHECK(res.status == 200);
  CHECK(res.body == "6");
  CHECK(poll(f.port, sid).status == 400);
  CHECK(eventually([&] { return f.app->closes == 1; }));
}

TEST_CASE("engineio: a client close over WebSocket closes the socket",
          "[net][engineio]") {
  eio_fixture f;
  client c{f.port};
  open_ws(c, websocket);
  read_frame(c);
  c.send(ws_text("1"));
  CHECK(read_frame(c).opcode == 0x8);
  CHECK(eventually([&] { return f.app->closes == 1; }));
}

TEST_CASE("engineio: the application's close sends a close packet or frame",
          "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  f.app->out(0)->send(std::make_shared<const std::string>("4bye"));
  f.app->out(0)->close(net::close_code::normal, "");
  f.app->out(0)->send(std::make_shared<const std::string>("4late")); // dropped
  CHECK(poll(f.port, sid).body == "4bye\x1e" "1");
  CHECK(poll(f.port, sid).status == 400);
  CHECK(eventually([&] { return f.app->closes == 1; }));

  client c{f.port};
  open_ws(c, websocket);
  read_frame(c);
  REQUIRE(eventually([&] { return f.app->out(1) != nullptr; }));
  f.app->out(1)->send(std::make_shared<const std::string>("4bye"));
  f.app->out(1)->close(net::close_code{4000}, "done");
  CHECK(read_frame(c).payload == "4bye");
  auto close = read_frame(c);
  CHECK(close.opcode == 0x8);
  CHECK(close_code_of(close.payload) == 4000);
  CHECK(eventually([&] { return f.app->closes == 2; }));
}

// -- upgrade --------------------------------------------------------------------------

TEST_CASE("engineio: upgrade from polling to WebSocket", "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  held_poll held{f.port, sid};
  client ws{f.port};
  open_ws(ws, websocket + "&sid=" + sid);
  ws.send(ws_text("2probe"));
  CHECK(read_frame(ws).payload == "3probe");
  // The held poll ends with a noop, and so does the next.
  CHECK(held.answer().body == "6");
  CHECK(poll(f.port, sid).body == "6");
  // A message posted meanwhile waits, and goes out on the WebSocket.
  CHECK(post(f.port, sid, "4waited").body == "ok");
  ws.send(ws_text("5"));
  CHECK(read_frame(ws).payload == "4waited");
  ws.send(ws_text("4hello"));
  CHECK(read_frame(ws).payload == "4hello");
  // Polling is over for this session, which stays open; a second
  // WebSocket is accepted and closed at once (as Node does).
  CHECK(poll(f.port, sid).status == 400);
  client second{f.port};
  open_ws(second, websocket + "&sid=" + sid);
  auto refused = read_frame(second);
  CHECK(refused.opcode == 0x8);
  CHECK(close_code_of(refused.payload) == 1000);
  ws.send(ws_text("4still"));
  CHECK(read_frame(ws).payload == "4still");
  CHECK(f.app->opens == 1);
  CHECK(f.app->closes == 0);
  CHECK(f.eio->sessions() == 1);
}

TEST_CASE("engineio: polling right after the upgrade packet gets 400",
          "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  client ws{f.port};
  open_ws(ws, websocket + "&sid=" + sid);
  ws.send(ws_text("2probe"));
  ws.send(ws_text("5"));
  ws.send(ws_text("4hello"));
  CHECK(read_frame(ws).payload == "3probe");
  // The echo shows that "5" was read (one WebSocket's frames in order).
  CHECK(read_frame(ws).payload == "4hello");
  CHECK(poll(f.port, sid).status == 400);
  ws.send(ws_text("4again"));
  CHECK(read_frame(ws).payload == "4again");
}

TEST_CASE("engineio: a probe without upgrade times out and polling goes on",
          "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) { c.upgrade_timeout = 200ms; }};
  auto sid = handshake(f.port);
  client ws{f.port};
  open_ws(ws, websocket + "&sid=" + sid);
  ws.send(ws_text("2probe"));
  CHECK(read_frame(ws).payload == "3probe");
  auto close = read_frame(ws, 2s);
  CHECK(close.opcode == 0x8);
  CHECK(post(f.port, sid, "4after").body == "ok");
  CHECK(poll(f.port, sid).body == "4after");
  CHECK(f.app->closes == 0);
  // A new probe may try again.
  client again{f.port};
  open_ws(again, websocket + "&sid=" + sid);
  again.send(ws_text("2probe"));
  CHECK(read_frame(again).payload == "3probe");
}

// -- limits ---------------------------------------------------------------------------

TEST_CASE("engineio: a payload over max_payload gets 413 and closes",
          "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) { c.max_payload = 100; }};
  auto sid = handshake(f.port);
  CHECK(post(f.port, sid, "4" + std::string(150, 'x')).status == 413);
  CHECK(poll(f.port, sid).status == 400);
  CHECK(eventually([&] { return f.app->closes == 1; }));

  client c{f.port};
  open_ws(c, websocket);
  CHECK(read_frame(c).payload.find("\"maxPayload\":100}") != std::string::npos);
  c.send(ws_text("4" + std::string(150, 'x')));
  auto close = read_frame(c);
  CHECK(close.opcode == 0x8);
  CHECK(close_code_of(close.payload) == 1009);
  c.send(ws_close(1009)); // Beast waits for the client's close frame
  CHECK(eventually([&] { return f.app->closes == 2; }));
}

TEST_CASE("engineio: what waits for a poll is bounded", "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) { c.send_queue_frames = 5; }};
  auto sid = handshake(f.port);
  auto out = f.app->out(0);
  for (int i = 0; i < 10; ++i)
    out->send(std::make_shared<const std::string>("4m" + std::to_string(i)));
  CHECK(eventually([&] { return f.app->closes == 1; }));
  CHECK(poll(f.port, sid).status == 400);
  CHECK(f.eio->sessions() == 0);
}

TEST_CASE("engineio: CORS headers and preflight for allowed origins",
          "[net][engineio]") {
  eio_fixture f{
    [](net::engineio_config& c) { c.cors_origins = {"https://app.example"}; }};
  auto ok = http(f.port, "GET", polling, "", "Origin: https://app.example\r\n");
  CHECK(ok.status == 200);
  CHECK(ok.headers["access-control-allow-origin"] == "https://app.example");
  CHECK(ok.headers["access-control-allow-credentials"] == "true");
  CHECK(ok.headers["vary"] == "Origin");
  auto sid = sid_of(ok.body);
  auto posted = http(f.port, "POST", polling + "&sid=" + sid, "4x",
                     "Origin: https://app.example\r\n");
  CHECK(posted.body == "ok");
  CHECK(posted.headers["access-control-allow-origin"] == "https://app.example");
  auto pre = http(f.port, "OPTIONS", polling, "",
                  "Origin: https://app.example\r\n"
                  "Access-Control-Request-Method: POST\r\n"
                  "Access-Control-Request-Headers: content-type, x-token\r\n");
  CHECK(pre.status == 204);
  CHECK(pre.headers["access-control-allow-methods"] == "GET, POST, OPTIONS");
  CHECK(pre.headers["access-control-allow-headers"] == "content-type, x-token");
  CHECK(pre.headers["access-control-allow-origin"] == "https://app.example");
  CHECK(!pre.headers["access-control-max-age"].empty());
  auto refused = http(f.port, "GET", polling, "", "Origin: https://evil.example\r\n");
  CHECK(refused.status == 403);
  CHECK(refused.body == "{\"code\":4,\"message\":\"Forbidden\"}");
  CHECK(refused.headers.count("access-control-allow-origin") == 0);
  CHECK(http(f.port, "OPTIONS", polling, "", "Origin: https://evil.example\r\n").status
        == 403);
  // No Origin, or the server's own: served, no CORS fields.
  auto plain = http(f.port, "GET", polling);
  CHECK(plain.status == 200);
  CHECK(plain.headers.count("access-control-allow-origin") == 0);
  CHECK(http(f.port, "GET", polling, "", "Origin: http://localhost\r\n").status == 200);
}

TEST_CASE("engineio: cors_origins * allows any origin", "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) { c.cors_origins = {"*"}; }};
  auto ok = http(f.port, "GET", polling, "", "Origin: https://any.example\r\n");
  CHECK(ok.status == 200);
  CHECK(ok.headers["access-control-allow-origin"] == "*");
  CHECK(ok.headers.count("access-control-allow-credentials") == 0);
}

TEST_CASE("engineio: max_sessions refuses the next handshake with 503",
          "[net][engineio]") {
  eio_fixture f{[](net::engineio_config& c) { c.max_sessions = 1; }};
  handshake(f.port);
  CHECK(http(f.port, "GET", polling).status == 503);
  client c{f.port};
  c.send(upgrade(websocket));
  CHECK(c.read_response().status == 503);
}

// -- stop -----------------------------------------------------------------------------

TEST_CASE("engineio: stop closes every session and calls on_closed once each",
          "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  auto idle = handshake(f.port);
  held_poll held{f.port, sid};
  client ws{f.port};
  open_ws(ws, websocket);
  read_frame(ws);
  auto upgraded = handshake(f.port);
  client up{f.port};
  open_ws(up, websocket + "&sid=" + upgraded);
  up.send(ws_text("2probe"));
  CHECK(read_frame(up).payload == "3probe");
  up.send(ws_text("5"));
  up.send(ws_text("4x"));
  CHECK(read_frame(up).payload == "4x");
  REQUIRE(f.eio->sessions() == 4);

  f.eio->stop();
  CHECK(f.app->closes == 4); // when stop() returns
  CHECK(f.eio->sessions() == 0);
  CHECK(held.answer().body == "6");
  CHECK(read_frame(ws).opcode == 0x8);
  CHECK(read_frame(up).opcode == 0x8);
  CHECK(poll(f.port, idle).status == 400);
  CHECK(http(f.port, "GET", polling).status == 503);
  f.eio->stop(); // idempotent
  f.srv->stop(0ms);
  CHECK(f.app->closes == 4);
  CHECK(f.app->twice == 0);
  CHECK(f.app->overlapping == 0);
}

TEST_CASE("engineio: the net server may stop first", "[net][engineio]") {
  eio_fixture f;
  auto sid = handshake(f.port);
  held_poll held{f.port, sid};
  client ws{f.port};
  open_ws(ws, websocket);
  read_frame(ws);
  f.srv->stop(200ms);
  // The WebSocket session is gone with the server; the polling one waits
  // for engineio_server::stop().
  CHECK(eventually([&] { return f.app->closes == 1; }));
  f.eio->stop();
  CHECK(f.app->closes == 2);
  CHECK(f.app->twice == 0);
}
