// The session's own framing over real sockets: fragments with a ping among
// them, the close codes for broken frames, a client close answered, and the
// keep-alive sweep (a ping to a quiet client, a drop for a silent one).

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace proctord::net_test;

namespace {

/// A masked client frame with any opcode and FIN bit (payloads < 126 bytes
/// unless `len16`).
std::string frame(std::uint8_t op, bool fin, std::string_view payload,
                  bool mask = true) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0x00) | op));
  std::uint8_t m = mask ? 0x80 : 0x00;
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(m | payload.size()));
  } else {
    f.push_back(static_cast<char>(m | 126));
    f.push_back(static_cast<char>((payload.size() >> 8) & 0xFF));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  }
  const char key[4] = {0x5a, 0x01, 0x7c, 0x33};
  if (mask)
    f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(mask ? payload[i] ^ key[i % 4] : payload[i]));
  return f;
}

void open_ws(client& c, std::string_view target = "/ws") {
  c.send(upgrade(target));
  REQUIRE(c.read_response().status == 101);
}

/// The close frame the server sends, and that it then ends the connection
/// once the client answers.
std::uint16_t expect_close(client& c) {
  auto f = read_frame(c);
  REQUIRE(f.opcode == 0x8);
  auto code = close_code_of(f.payload);
  c.send(ws_close(code == 1005 ? 1000 : code));
  CHECK(c.closed_within(4s));
  return code;
}

} // namespace

TEST_CASE("websocket: a fragmented message arrives whole and a ping between "
          "its fragments is answered first",
          "[net][websocket]") {
  test_server ts;
  client c{ts.port()};
  open_ws(c);
  // Sent in one write, split in odd places by the fragments themselves.
  c.send(frame(0x1, false, "frag") + frame(0x9, true, "are you there")
         + frame(0x0, false, "men") + frame(0x0, true, "ted"));
  auto pong = read_frame(c);
  CHECK(pong.opcode == 0xA);
  CHECK(pong.payload == "are you there");
  auto echo = read_frame(c);
  CHECK(echo.opcode == 0x1);
  CHECK(echo.payload == "echo:fragmented");
  // Bytes dribbled one at a time make the same message.
  for (char ch : frame(0x1, true, "slow"))
    c.send(std::string_view{&ch, 1});
  CHECK(read_frame(c).payload == "echo:slow");
}

TEST_CASE("websocket: text that is not UTF-8 is closed with 1007",
          "[net][websocket]") {
  test_server ts;
  client c{ts.port()};
  open_ws(c);
  c.send(frame(0x1, true, "\xC3\x28"));
  CHECK(expect_close(c) == 1007);
  CHECK(eventually([&] { return ts.app().closed.load() == 1; }));
}

TEST_CASE("websocket: a message over the limit is closed with 1009 also when "
          "its fragments are small",
          "[net][websocket]") {
  test_server ts{[](proctord::net::server_config& cfg) { cfg.max_frame_bytes = 300; }};
  {
    client c{ts.port()};
    open_ws(c);
    c.send(frame(0x1, true, std::string(301, 'x')));
    CHECK(expect_close(c) == 1009);
  }
  {
    client c{ts.port()};
    open_ws(c);
    c.send(frame(0x1, false, std::string(120, 'a')));
    c.send(frame(0x0, false, std::string(120, 'b')));
    c.send(frame(0x0, true, std::string(120, 'c')));
    CHECK(expect_close(c) == 1009);
  }
  // A message at the limit is fine.
  client c{ts.port()};
  open_ws(c);
  c.send(frame(0x1, true, std::string(295, 'y')));
  CHECK(read_frame(c).payload == "echo:" + std::string(295, 'y'));
}

TEST_CASE("websocket: an unmasked or reserved frame is a protocol error (1002)",
          "[net][websocket]") {
  test_server ts;
  {
    client c{ts.port()};
    open_ws(c);
    c.send(frame(0x1, true, "bare", false));
    CHECK(expect_close(c) == 1002);
  }
  {
    client c{ts.port()};
    open_ws(c);
    c.send(frame(0x3, true, "what"));
    CHECK(expect_close(c) == 1002);
  }
  {
    client c{ts.port()};
    open_ws(c);
    c.send(frame(0x0, true, "continuation of nothing"));
    CHECK(expect_close(c) == 1002);
  }
  // Other connections never notice.
  client ok{ts.port()};
  open_ws(ok);
  ok.send(ws_text("still here"));
  CHECK(read_frame(ok).payload == "echo:still here");
}

TEST_CASE("websocket: the client's close is echoed and the server closes TCP",
          "[net][websocket]") {
  test_server ts;
  client c{ts.port()};
  open_ws(c);
  c.send(ws_close(4321));
  auto f = read_frame(c);
  REQUIRE(f.opcode == 0x8);
  CHECK(close_code_of(f.payload) == 4321);
  CHECK(c.closed_within(2s));
  CHECK(eventually([&] { return ts.app().closed.load() == 1; }));
}

TEST_CASE("websocket: a quiet client is pinged and one that never answers is "
          "dropped after the idle timeout",
          "[net][websocket]") {
  test_server ts{[](proctord::net::server_config& cfg) {
    cfg.idle_timeout = std::chrono::seconds{2};
  }};
  client c{ts.port()};
  open_ws(c);
  // Half the idle timeout without a frame: a ping (the sweep runs each second).
  auto ping = read_frame(c, 4s);
  REQUIRE(ping.opcode == 0x9);
  // The pong counts as life: still open a little later.
  c.send(frame(0xA, true, ping.payload));
  c.send(ws_text("alive"));
  CHECK(read_frame(c).payload == "echo:alive");
  // Now silence, pings unanswered: gone within about the idle timeout.
  CHECK(c.closed_within(6s));
  CHECK(eventually([&] { return ts.app().closed.load() == 1; }));
}
