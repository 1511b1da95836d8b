#include "protocol/socketio/engineio.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace eio = proctord::protocol::engineio;
using eio::packet;
using eio::packet_type;
using namespace std::string_literals;

TEST_CASE("Engine.IO text frames decode to a type and its data") {
  struct row {
    const char* frame;
    packet_type type;
    const char* data;
  };
  const row rows[] = {
    {"0", packet_type::open, ""},        {"1", packet_type::close, ""},
    {"2", packet_type::ping, ""},        {"2probe", packet_type::ping, "probe"},
    {"3probe", packet_type::pong, "probe"}, {"4hello", packet_type::message, "hello"},
    {"4", packet_type::message, ""},     {"5", packet_type::upgrade, ""},
    {"6", packet_type::noop, ""},        {"4\x1e\xff", packet_type::message, "\x1e\xff"},
  };
  for (const auto& r : rows) {
    INFO(r.frame);
    auto p = eio::decode_text(r.frame);
    REQUIRE(p);
    CHECK(p->type == r.type);
    CHECK_FALSE(p->binary);
    CHECK(p->data == r.data);
  }
}

TEST_CASE("Engine.IO text frames with no known type are refused") {
  for (const char* frame : {"", "7", "9", "abc", "/", "b4", " 4", "\x01"}) {
    INFO(frame);
    CHECK_FALSE(eio::decode_text(frame));
  }
}

TEST_CASE("Engine.IO payloads split on the record separator") {
  struct row {
    std::string body;
    std::vector<packet> packets;
  };
  const row rows[] = {
    {"4hello", {{packet_type::message, false, "hello"}}},
    {"4test1\x1e" "4test2\x1e" "4test3",
     {{packet_type::message, false, "test1"},
      {packet_type::message, false, "test2"},
      {packet_type::message, false, "test3"}}},
    {"4hello\x1e" "bAQIDBA==",
     {{packet_type::message, false, "hello"},
      {packet_type::message, true, "\x01\x02\x03\x04"}}},
    {"3", {{packet_type::pong, false, ""}}},
    {"1", {{packet_type::close, false, ""}}},
    {"b", {{packet_type::message, true, ""}}},
    {"2\x1e" "3\x1e" "6",
     {{packet_type::ping, false, ""},
      {packet_type::pong, false, ""},
      {packet_type::noop, false, ""}}},
  };
  for (const auto& r : rows) {
    INFO(r.body);
    auto packets = eio::decode_payload(r.body);
    REQUIRE(packets);
    CHECK(*packets == r.packets);
  }
}

TEST_CASE("Malformed Engine.IO payloads are refused whole") {
  const std::string bodies[] = {
    "",
    "abc",
    "\x1e",
    "4a\x1e",       // a trailing empty packet
    "\x1e" "4a",    // a leading empty packet
    "4a\x1e\x1e" "4b",
    "4a\x1e" "7",
    "bAQIDBA=",     // base64 of the wrong length
    "b!!!!",
    "4a\x1e" "bAQIDBA",
  };
  for (const auto& body : bodies) {
    INFO(body);
    CHECK_FALSE(eio::decode_payload(body));
  }
}

TEST_CASE("Engine.IO payloads hold at most max_packets packets") {
  std::string body;
  for (int i = 0; i < 5; ++i)
    eio::append_text(body, "2");
  CHECK(eio::decode_payload(body, 5));
  CHECK_FALSE(eio::decode_payload(body, 4));
  CHECK_FALSE(eio::decode_payload(body, 0));
  std::string huge(100'000, '\x1e');
  CHECK_FALSE(eio::decode_payload(huge));
}

TEST_CASE("Engine.IO payloads are built with separators between packets") {
  std::string body;
  eio::append_text(body, "4hello");
  CHECK(body == "4hello");
  eio::append_binary(body, "\x01\x02\x03\x04");
  CHECK(body == "4hello\x1e" "bAQIDBA==");
  eio::append_text(body, eio::message_packet("x"));
  CHECK(body == "4hello\x1e" "bAQIDBA==\x1e" "4x");
  std::string binary_first;
  eio::append_binary(binary_first, "");
  CHECK(binary_first == "b");
}

TEST_CASE("Engine.IO payloads round trip through append and decode") {
  const std::vector<packet> packets = {
    {packet_type::message, false, "hello"},
    {packet_type::message, true, "\x00\xff\x1e"s},
    {packet_type::ping, false, "probe"},
    {packet_type::message, true, ""},
    {packet_type::message, false, "{\"a\":[1,2]}"},
  };
  std::string body;
  for (const auto& p : packets) {
    if (p.binary)
      eio::append_binary(body, p.data);
    else
      eio::append_text(body, std::string(1, static_cast<char>(p.type)) + p.data);
  }
  auto decoded = eio::decode_payload(body);
  REQUIRE(decoded);
  CHECK(*decoded == packets);
}

TEST_CASE("The open packet is the handshake the test suite expects") {
  eio::handshake h;
  h.sid = "lv_VI97HAXpY6yYWAAAC";
  CHECK(eio::open_packet(h) ==
        R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],)"
        R"("pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  h.can_upgrade = false;
  h.ping_interval = std::chrono::milliseconds{300};
  h.ping_timeout = std::chrono::milliseconds{200};
  h.max_payload = 1000;
  CHECK(eio::open_packet(h) ==
        R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],)"
        R"("pingInterval":300,"pingTimeout":200,"maxPayload":1000})");
}

TEST_CASE("message_packet prefixes the data with 4") {
  CHECK(eio::message_packet("") == "4");
  CHECK(eio::message_packet("2[\"x\"]") == "42[\"x\"]");
}

TEST_CASE("base64 encodes the RFC 4648 test vectors") {
  const std::pair<const char*, const char*> vectors[] = {
    {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},
    {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [bytes, text] : vectors) {
    INFO(bytes);
    CHECK(eio::base64_encode(bytes) == text);
    CHECK(eio::base64_decode(text) == std::optional<std::string>{bytes});
  }
  CHECK(eio::base64_encode("\xfb\xff\xbf") == "+/+/");
  CHECK(eio::base64_decode("+/+/") == std::optional<std::string>{"\xfb\xff\xbf"});
}

TEST_CASE("base64 decoding accepts only canonical padded text") {
  for (const char* text : {"Zg", "Zg=", "Zm8", "Zg==Zg==", "=Zg=", "Z===", "====",
                           "Zh==", "Zm9=", "Zm-v", "Zm_v", "Zm9v\n", " Zm9v",
                           "Zm9vY", "Zm9vYg=a", "Zg=a"}) {
    INFO(text);
    CHECK_FALSE(eio::base64_decode(text));
  }
}

TEST_CASE("base64 round trips every byte value") {
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= bytes.size(); len += 37) {
    auto slice = bytes.substr(bytes.size() - len);
    CHECK(eio::base64_decode(eio::base64_encode(slice)) == slice);
  }
}

TEST_CASE("new_sid gives 20 base64url characters and never repeats") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto sid = eio::new_sid();
    REQUIRE(sid.size() == 20);
    for (char c : sid)
      REQUIRE((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'));
    seen.insert(sid);
  }
  CHECK(seen.size() == 1000);
}
