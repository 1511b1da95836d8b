// Engine.IO over real sockets: an engineio_server on a net::server, with
// the application of the protocol suites' reference server (it echoes
// every message), driven by the blocking test client. The cases follow
// engine.io-protocol's test-suite.js: the handshake, both transports, the
// heartbeat and closing. engineio_upgrade_test.cpp has the rest.

#include "engineio_support.hpp"

using namespace proctord::net_test;

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
