// The CONNECT payload of a Socket.IO client and the packets of connection
// state recovery: what a stock client sends and what it reads back.

#include "protocol/socketio/auth.hpp"
#include "protocol/socketio/messages.hpp"

#include <catch2/catch.hpp>

using namespace proctord::protocol;

TEST_CASE("CONNECT auth: the token and the recovery pid and offset", "[sio][recovery]") {
  auto a = socketio::parse_connect_auth(
    R"({"token":"t.k.n","pid":"p1","offset":"42","extra":{"x":1}})");
  CHECK(a.token == "t.k.n");
  CHECK(a.pid == "p1");
  REQUIRE(a.offset);
  CHECK(*a.offset == "42");

  // A first connection: the token only.
  auto b = socketio::parse_connect_auth(R"({"token":"abc"})");
  CHECK(b.token == "abc");
  CHECK(b.pid.empty());
  CHECK_FALSE(b.offset);
}

TEST_CASE("CONNECT auth: what is not a string field reads as absent", "[sio][recovery]") {
  for (const char* raw : {"", "null", "[]", "\"token\"", "{", "{\"token\":1}",
                          "{\"token\":null,\"pid\":[\"p\"],\"offset\":3}",
                          "{\"token\":{\"a\":\"b\"}}"}) {
    INFO(raw);
    auto a = socketio::parse_connect_auth(raw);
    CHECK(a.token.empty());
    CHECK(a.pid.empty());
    CHECK_FALSE(a.offset);
  }
  // Too deep, or a field longer than allowed.
  std::string deep = "{\"token\":\"t\",\"x\":" + std::string(100, '[')
                     + std::string(100, ']') + "}";
  CHECK(socketio::parse_connect_auth(deep).token.empty());
  auto longer = socketio::parse_connect_auth(
    "{\"token\":\"" + std::string(65, 'x') + "\",\"pid\":\"p\"}", 64);
  CHECK(longer.token.empty());
  CHECK(longer.pid == "p");
}

TEST_CASE("recovery packets: CONNECT with a pid and events with an offset", "[sio][recovery]") {
  using socketio::out::connected;
  using socketio::out::emit;
  CHECK(*socketio::encode("/", connected{"s1", "p1"}).text
        == R"(40{"sid":"s1","pid":"p1"})");
  CHECK(*socketio::encode("/", connected{"s1", ""}).text == R"(40{"sid":"s1"})");

  emit e;
  e.name = "user-left";
  e.args = R"({"userId":"u1"})";
  e.offset = "17";
  CHECK(*socketio::encode("/", e).text == R"(42["user-left",{"userId":"u1"},"17"])");
  // An event with no arguments still gets its offset last.
  e.args.clear();
  CHECK(*socketio::encode("/", e).text == R"(42["user-left","17"])");
  // No offset: the event as it was.
  e.args = "1";
  e.offset.clear();
  CHECK(*socketio::encode("/", e).text == R"(42["user-left",1])");
  // With binary attachments the offset is still the last argument.
  e.offset = "5";
  e.args = R"({"_placeholder":true,"num":0})";
  e.attachments = {"\x01\x02"};
  auto f = socketio::encode("/", e);
  CHECK(*f.text == R"(451-["user-left",{"_placeholder":true,"num":0},"5"])");
  REQUIRE(f.binary.size() == 1);
}
