// Engine.IO over real sockets (see engineio_test.cpp): the upgrade from
// polling to WebSocket, the limits, CORS, the send queue bound and stop().

#include "engineio_support.hpp"

using namespace proctord::net_test;

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
