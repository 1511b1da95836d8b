#include "protocol/socketio/packet.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

namespace sio = proctord::protocol::socketio;
using sio::packet_type;

namespace {

/// The packet, or a test failure naming the decode error.
sio::packet decoded(std::string_view text, const sio::limits& lim = {}) {
  auto result = sio::decode(text, lim);
  if (auto* err = std::get_if<sio::decode_error>(&result))
    FAIL("decode error: " << err->message);
  return std::get<sio::packet>(result);
}

bool refused(std::string_view text, const sio::limits& lim = {}) {
  return std::holds_alternative<sio::decode_error>(sio::decode(text, lim));
}

constexpr auto none = std::nullopt;

} // namespace

TEST_CASE("Socket.IO packets of every type decode") {
  struct row {
    const char* text;
    packet_type type;
    const char* nsp;
    std::optional<std::uint64_t> id;
    std::size_t attachments;
    const char* data;
  };
  const row rows[] = {
    {"0", packet_type::connect, "/", none, 0, ""},
    {R"(0{"token":"123"})", packet_type::connect, "/", none, 0, R"({"token":"123"})"},
    {"0/custom,", packet_type::connect, "/custom", none, 0, ""},
    {"0/custom", packet_type::connect, "/custom", none, 0, ""},
    {R"(0/custom,{"token":"abc"})", packet_type::connect, "/custom", none, 0,
     R"({"token":"abc"})"},
    {"1", packet_type::disconnect, "/", none, 0, ""},
    {"1/custom", packet_type::disconnect, "/custom", none, 0, ""},
    {"1/custom,", packet_type::disconnect, "/custom", none, 0, ""},
    {R"(2["message",1,"2",{"3":[true]}])", packet_type::event, "/", none, 0,
     R"(["message",1,"2",{"3":[true]}])"},
    {R"(2456["message-with-ack",1])", packet_type::event, "/", 456, 0,
     R"(["message-with-ack",1])"},
    {R"(2/admin,456["x"])", packet_type::event, "/admin", 456, 0, R"(["x"])"},
    {R"(2[42])", packet_type::event, "/", none, 0, "[42]"},
    {R"(2[ "x" ])", packet_type::event, "/", none, 0, R"([ "x" ])"},
    {R"(3456[1,"2"])", packet_type::ack, "/", 456, 0, R"([1,"2"])"},
    {"3/a,7[]", packet_type::ack, "/a", 7, 0, "[]"},
    {R"(4"nope")", packet_type::connect_error, "/", none, 0, R"("nope")"},
    {R"(4/random,{"message":"Invalid namespace"})", packet_type::connect_error,
     "/random", none, 0, R"({"message":"Invalid namespace"})"},
    {R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
     packet_type::binary_event, "/", none, 2,
     R"(["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"},
    {R"(52-789["m",{"_placeholder":true,"num":0}])", packet_type::binary_event, "/",
     789, 2, R"(["m",{"_placeholder":true,"num":0}])"},
    {R"(51-/admin,["m",{"_placeholder":true,"num":0}])", packet_type::binary_event,
     "/admin", none, 1, R"(["m",{"_placeholder":true,"num":0}])"},
    {R"(62-789[{"_placeholder":true,"num":0}])", packet_type::binary_ack, "/", 789, 2,
     R"([{"_placeholder":true,"num":0}])"},
    {R"(610-/x,5[])", packet_type::binary_ack, "/x", 5, 10, "[]"},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto p = decoded(r.text);
    CHECK(p.type == r.type);
    CHECK(p.nsp == r.nsp);
    CHECK(p.id == r.id);
    CHECK(p.attachments == r.attachments);
    CHECK(p.data == r.data);
    if (p.data.empty())
      CHECK(p.json.is_null());
    else
      CHECK(p.json == nlohmann::json::parse(r.data));
  }
}

TEST_CASE("Malformed Socket.IO packets are refused") {
  const char* texts[] = {
    "", "abc", "7", "9[]", "-1",
    // DISCONNECT carries nothing; CONNECT carries an object.
    R"(1{"x":1})", "0[]", R"(0"x")", "0 1",
    // EVENT: a non-empty array named by a non-reserved string or a number.
    "2", "2{}", "2[]", R"(2["connect"])", R"(2["connect_error"])",
    R"(2["disconnect"])", R"(2["disconnecting"])", R"(2["newListener"])",
    R"(2["removeListener"])", "2[{}]", "2[null]", "2[true]", "2[[1]]",
    R"(2abc["x"])", R"(2456abc["x"])",
    // JSON syntax: trailing garbage, unterminated, comments, bad UTF-8.
    R"(2["x"]])", R"(2["x"] x)", R"(2["x")", R"(2["x"]/**/)", "2[\"\xff\"]",
    // ACK: an array, with an id.
    R"(3[1])", "3", "3456", R"(3456{})",
    // CONNECT_ERROR: a string or an object.
    "4", "4[]", "41",
    // BINARY_*: a count then '-'.
    R"(52["x"])", R"(5-["x"])", R"(5a-["x"])", "52", "6-[]", "62[]",
    R"(52-["x"]x)", R"(52-["connect"])", "62-[]0",
    // namespace without a comma swallows the data
    R"(2/admin["x"])",
  };
  for (const char* text : texts) {
    INFO(text);
    CHECK(refused(text));
  }
}

TEST_CASE("A NUL byte never ends Socket.IO data early") {
  // nlohmann's lexer stops at a NUL: without a check, the garbage after it
  // would pass unseen (found by tests/fuzz/socketio_fuzz.cpp).
  using namespace std::string_literals;
  CHECK(refused("2[\"x\"]\0garbage"s));
  CHECK(refused("2[\"x\"]\0"s));
  CHECK(refused("0{}\0"s));
  CHECK_FALSE(sio::split_event("[\"x\"]\0]"s));
  CHECK_FALSE(sio::array_elements("[1] \0 ]"s));
}

TEST_CASE("Socket.IO attachments are limited") {
  sio::limits lim;
  lim.max_attachments = 10;
  CHECK(decoded(R"(510-["x"])", lim).attachments == 10);
  CHECK(refused(R"(511-["x"])", lim));
  CHECK(refused(R"(599999999999999999999999999-["x"])", lim));
  CHECK(decoded(R"(50-["x"])", lim).attachments == 0);
}

TEST_CASE("Socket.IO namespaces are limited in length") {
  sio::limits lim;
  lim.max_nsp = 8;
  CHECK(decoded(R"(2/1234567,["x"])", lim).nsp == "/1234567");
  CHECK(refused(R"(2/12345678,["x"])", lim));
  CHECK(refused("0/12345678", lim));
}

TEST_CASE("Socket.IO ack ids have at most 15 digits") {
  CHECK(decoded(R"(2999999999999999["x"])").id == 999'999'999'999'999u);
  CHECK(decoded(R"(2000000000000007["x"])").id == 7u);
  CHECK(refused(R"(21000000000000000["x"])"));
  CHECK(refused("31234567890123456[]"));
}

TEST_CASE("Socket.IO data deeper than max_depth is refused before parsing") {
  sio::limits lim;
  lim.max_depth = 3;
  CHECK(decoded(R"(2["x",[[1]]])", lim).json[1][0][0] == 1);
  CHECK(refused(R"(2["x",[[[1]]]])", lim));
  // A frame nested 100,000 deep is refused without recursion.
  std::string deep = "2[\"x\"," + std::string(100'000, '[') + std::string(100'001, ']');
  CHECK(refused(deep));
}

TEST_CASE("Socket.IO packets encode as socket.io-parser writes them") {
  sio::packet p;
  p.type = packet_type::binary_event;
  p.attachments = 2;
  p.data = R"(["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])";
  CHECK(sio::encode(p) ==
        R"(452-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  p.id = 789;
  CHECK(sio::encode(p) ==
        R"(452-789["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  p.nsp = "/admin";
  CHECK(sio::encode(p) == R"(452-/admin,789["m",{"_placeholder":true,"num":0},)"
                          R"({"_placeholder":true,"num":1}])");
  CHECK(sio::encode(sio::packet{packet_type::connect, "/", none, 0, "", {}}) == "40");
  CHECK(sio::encode(sio::packet{packet_type::disconnect, "/x", none, 0, "", {}}) ==
        "41/x,");
  CHECK(sio::encode(sio::packet{packet_type::ack, "/", 3, 0, "[]", {}}) == "433[]");
}

TEST_CASE("Socket.IO event and ack packets are built from raw arguments") {
  CHECK(sio::event_packet("/", "x", R"(1,"a")") == R"(42["x",1,"a"])");
  CHECK(sio::event_packet("/custom", "x", R"(1,"a")", 12) ==
        R"(42/custom,12["x",1,"a"])");
  CHECK(sio::event_packet("/", "auth", "{}") == R"(42["auth",{}])");
  CHECK(sio::event_packet("/", "x", "") == R"(42["x"])");
  CHECK(sio::event_packet("/", "say \"hi\"\n", "") == R"(42["say \"hi\"\n"])");
  CHECK(sio::ack_packet("/", 456, R"(1,"2")") == R"(43456[1,"2"])");
  CHECK(sio::ack_packet("/a", 0, "") == "43/a,0[]");
}

TEST_CASE("Socket.IO connect disconnect and connect_error packets") {
  CHECK(sio::connect_packet("/", "abc") == R"(40{"sid":"abc"})");
  CHECK(sio::connect_packet("/custom", "abc") == R"(40/custom,{"sid":"abc"})");
  CHECK(sio::connect_error_packet("/random", "Invalid namespace") ==
        R"(44/random,{"message":"Invalid namespace"})");
  CHECK(sio::connect_error_packet("/", "no", R"({"code":1})") ==
        R"(44{"message":"no","data":{"code":1}})");
  CHECK(sio::disconnect_packet("/") == "41");
  CHECK(sio::disconnect_packet("/x") == "41/x,");
}

TEST_CASE("Built Socket.IO packets decode back to what was built") {
  struct row {
    std::string text;
    packet_type type;
    const char* nsp;
    std::optional<std::uint64_t> id;
  };
  const row rows[] = {
    {sio::event_packet("/", "x", R"(1,"a")"), packet_type::event, "/", none},
    {sio::event_packet("/c", "\xc3\xa9", "null", 12), packet_type::event, "/c", 12},
    {sio::ack_packet("/c", 456, R"(1,"2")"), packet_type::ack, "/c", 456},
    {sio::connect_packet("/custom", "abc"), packet_type::connect, "/custom", none},
    {sio::connect_error_packet("/r", "bad", "[1]"), packet_type::connect_error, "/r",
     none},
    {sio::disconnect_packet("/x"), packet_type::disconnect, "/x", none},
    {sio::disconnect_packet("/"), packet_type::disconnect, "/", none},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    REQUIRE(r.text.front() == '4');
    auto p = decoded(std::string_view{r.text}.substr(1));
    CHECK(p.type == r.type);
    CHECK(p.nsp == r.nsp);
    CHECK(p.id == r.id);
    CHECK("4" + std::string{std::string_view{r.text}.substr(1)} == sio::encode(p));
  }
}

TEST_CASE("Decoded Socket.IO packets re-encode byte for byte") {
  for (const char* text :
       {"0", R"(0/custom,{"token":"abc"})", "1/custom,", R"(2/admin,456["x"])",
        R"(52-789["m",{"_placeholder":true,"num":0}])", R"(3456[1,"2"])",
        R"(62-/a,1[{"_placeholder":true,"num":0}])", R"(4{"message":"m"})"}) {
    INFO(text);
    CHECK(sio::encode(decoded(text)) == "4" + std::string{text});
  }
}

TEST_CASE("split_event returns the name and the raw arguments") {
  struct row {
    const char* data;
    const char* name;
    const char* args;
  };
  const row rows[] = {
    {R"(["message",1,"2",{"3":[true]}])", "message", R"(1,"2",{"3":[true]})"},
    {R"(["x"])", "x", ""},
    {R"( [ "x" , 1.50 ,  "a,b]" ] )", "x", R"(1.50 ,  "a,b]")"},
    {R"(["a\"b\\",{}])", "a\"b\\", "{}"},
    {R"(["\u00e9\ud83d\ude00",[]])", "\xc3\xa9\xf0\x9f\x98\x80", "[]"},
    {"[\"x\",\n\t1\r\n]", "x", "1"},
  };
  for (const auto& r : rows) {
    INFO(r.data);
    auto parts = sio::split_event(r.data);
    REQUIRE(parts);
    CHECK(parts->name == r.name);
    CHECK(parts->args == r.args);
  }
}

TEST_CASE("split_event refuses what is not an array starting with a string") {
  for (const char* data : {"", "[]", "[1]", R"({"x":1})", R"("x")", R"(["x")",
                           R"(["x",])", R"(["x"]])", R"(["x" 1])", R"([["x"]])",
                           R"(["x"],["y"])", "[\"\xff\"]"}) {
    INFO(data);
    CHECK_FALSE(sio::split_event(data));
  }
}

TEST_CASE("array_elements returns the raw text inside the brackets") {
  CHECK(sio::array_elements(R"([1,"2"])") == std::optional<std::string_view>{R"(1,"2")"});
  CHECK(sio::array_elements("[]") == std::optional<std::string_view>{""});
  CHECK(sio::array_elements(" [ 1 , [2] ] ") ==
        std::optional<std::string_view>{"1 , [2]"});
  for (const char* data : {"", "1", "{}", "[1", "[1]]", "[1][2]", R"("[1]")"}) {
    INFO(data);
    CHECK_FALSE(sio::array_elements(data));
  }
}
