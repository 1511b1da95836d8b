// WebSocket routes over real sockets: upgrades, refusals, plain requests
// on WebSocket routes, and a route that is both.

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace proctord::net_test;

namespace {

/// Upgrades `c` on `target` and checks the 101.
void open_ws(client& c, std::string_view target) {
  c.send(upgrade(target));
  auto res = c.read_response();
  REQUIRE(res.status == 101);
  CHECK(res.headers["upgrade"] == "websocket");
}

} // namespace

TEST_CASE("net: an upgrade on a WebSocket route opens a session", "[net]") {
  test_server ts;
  client c{ts.port()};
  open_ws(c, "/ws?token=abc");
  c.send(ws_text("hi"));
  auto f = read_frame(c);
  CHECK(f.opcode == 0x1);
  CHECK(f.payload == "echo:hi");
  // A close from the client ends the session and tells the inbound.
  c.send(ws_close(1000));
  auto close = read_frame(c);
  CHECK(close.opcode == 0x8);
  CHECK(c.closed_within(2s)); // the server closes TCP first (RFC 6455 7.1.1)
  c.close();
  CHECK(eventually([&] { return ts.app().closed.load() == 1; }));
}

TEST_CASE("net: an endpoint may refuse an upgrade with a status and body",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  c.send(upgrade("/ws?refuse"));
  auto res = c.read_response();
  CHECK(res.status == 403);
  CHECK(res.body == "refused");
  CHECK(res.headers["content-type"] == "text/plain");
  CHECK(c.closed_within(2s));
}

TEST_CASE("net: an endpoint may accept an upgrade and close at once with "
          "its own code",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  open_ws(c, "/ws?close4001");
  auto f = read_frame(c);
  REQUIRE(f.opcode == 0x8);
  REQUIRE(f.payload.size() >= 2);
  CHECK((static_cast<unsigned char>(f.payload[0]) << 8
         | static_cast<unsigned char>(f.payload[1]))
        == 4001);
  CHECK(f.payload.substr(2) == "missing token");
  c.send(ws_close(4001));
  CHECK(c.closed_within(2s));
  c.close();
  // The inbound is told, as for any session.
  CHECK(eventually([&] { return ts.app().closed.load() == 1; }));
}

TEST_CASE("net: a plain request on a WebSocket-only route gets 426", "[net]") {
  test_server ts;
  client c{ts.port()};
  c.send(get("/ws"));
  auto res = c.read_response();
  CHECK(res.status == 426);
  CHECK(res.headers["upgrade"] == "websocket");
  // The connection stays usable.
  c.send(get("/a/b"));
  CHECK(c.read_response().body == "a/b");
}

TEST_CASE("net: an upgrade on an HTTP-only route goes to its HTTP endpoint",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  c.send(upgrade("/echo"));
  auto res = c.read_response();
  CHECK(res.status == 200);
  CHECK(res.body.find("path=/echo\n") != std::string::npos);
  CHECK(ts.app().accepted.load() == 0);
}

TEST_CASE("net: a route may take both plain requests and upgrades", "[net]") {
  test_server ts;
  client plain{ts.port()};
  plain.send(get("/both/x?EIO=4&transport=polling"));
  auto res = plain.read_response();
  CHECK(res.status == 200);
  CHECK(res.body == "both");
  client ws{ts.port()};
  open_ws(ws, "/both/x?EIO=4&transport=websocket");
  ws.send(ws_text("yo"));
  CHECK(read_frame(ws).payload == "echo:yo");
}

TEST_CASE("net: binary frames go to on_binary and send_binary writes opcode 2",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  open_ws(c, "/ws?binary");
  const std::string bytes{"\x01\x02\x00\xff", 4};
  c.send(ws_binary(bytes));
  auto f = read_frame(c);
  CHECK(f.opcode == 0x2);
  CHECK(f.payload == bytes);
  // Text and binary frames keep their order and their kinds.
  c.send(ws_text("a"));
  c.send(ws_binary("b"));
  c.send(ws_text("c"));
  auto a = read_frame(c);
  auto b = read_frame(c);
  auto cc = read_frame(c);
  CHECK(a.opcode == 0x1);
  CHECK(a.payload == "echo:a");
  CHECK(b.opcode == 0x2);
  CHECK(b.payload == "b");
  CHECK(cc.opcode == 0x1);
  CHECK(cc.payload == "echo:c");
}

TEST_CASE("net: a binary frame to an inbound that takes none closes with 1003",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  open_ws(c, "/ws");
  c.send(ws_binary("nope"));
  auto f = read_frame(c);
  REQUIRE(f.opcode == 0x8);
  CHECK(close_code_of(f.payload) == 1003);
  c.send(ws_close(1003));
  CHECK(c.closed_within(2s));
  c.close();
  CHECK(eventually([&] { return ts.app().closed.load() == 1; }));
}
