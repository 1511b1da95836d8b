// peek_type(): the cheap scan the rate limiter uses to name a dropped frame.
// Whatever it answers for a well-formed frame must agree with decode().

#include "protocol/native_codec.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace proctord::protocol;
namespace native = proctord::protocol::native;

namespace {

/// What decode() reads as the frame's type, or nullopt when it never got
/// that far (not JSON, too deep): then peek_type may say anything.
std::optional<std::string> decoded_type(const std::string& text) {
  auto res = native::decode(text);
  if (auto* c = std::get_if<command>(&res))
    return std::string{type_name(*c)};
  const auto& err = std::get<native::decode_error>(res);
  if (err.code == error_code::invalid_json || err.code == error_code::too_deep)
    return std::nullopt;
  return err.request_type;
}

} // namespace

TEST_CASE("peek_type finds the top-level type and nothing else") {
  struct row {
    std::string text;
    std::string type; // expected result
  };
  const row rows[] = {
    {R"({"type":"HEARTBEAT"})", "HEARTBEAT"},
    {" \r\n\t{ \"type\" :\t\"TAB_BLUR\" , \"roomId\":\"R\" }\n", "TAB_BLUR"},
    {R"({"roomId":"R","code":"x","type":"SUBMIT_CODE"})", "SUBMIT_CODE"},
    {R"({"type":"NO_SUCH_TYPE"})", "NO_SUCH_TYPE"},
    // Nested "type" members are not the envelope's, before or after it.
    {R"({"data":{"type":"X"},"type":"Y"})", "Y"},
    {R"({"type":"Y","data":{"type":"X"}})", "Y"},
    {R"({"data":{"type":"X"}})", ""},
    {R"({"a":[{"type":"X"},["type","X"]],"b":{"c":{"type":"X"}},"type":"Y"})",
     "Y"},
    {R"([{"type":"X"}])", ""},
    // "type" inside strings, with escaped quotes and brackets around it.
    {R"({"code":"\"type\":\"X\"","type":"Y"})", "Y"},
    {R"({"code":"\"type\":\"X\""})", ""},
    {R"({"code":"}]\\\"{\"type\":\"X\"}","type":"Y"})", "Y"},
    {R"({"code":"\\","type":"Y"})", "Y"},
    // Other kinds of value before the type.
    {R"({"n":-1.5e3,"t":true,"f":false,"z":null,"type":"Y"})", "Y"},
    // Not a string: decode() finds no type either.
    {R"({"type":7})", ""},
    {R"({"type":null})", ""},
    {R"({"type":["HEARTBEAT"]})", ""},
    {R"({"type":{"type":"HEARTBEAT"}})", ""},
    {R"({"Type":"HEARTBEAT"})", ""},
    {"{}", ""},
    {"[]", ""},
    {R"("HEARTBEAT")", ""},
    // Duplicates: decode() keeps the last one, and so does the scan.
    {R"({"type":"START_ROOM","type":"END_ROOM"})", "END_ROOM"},
    {R"({"type":"START_ROOM","type":7})", ""},
    {R"({"type":7,"type":"END_ROOM"})", "END_ROOM"},
    // Escapes are given up on, not decoded.
    {R"({"type":"HEART\u0042EAT"})", ""},
    {R"({"type":"A\"B"})", ""},
    {R"({"t\u0079pe":"HEARTBEAT"})", ""},
    {R"({"x\"":1,"type":"HEARTBEAT"})", ""},
    // Only short printable ASCII: what decode() would echo uncut.
    {R"({"type":")" + std::string(64, 'X') + "\"}", std::string(64, 'X')},
    {R"({"type":")" + std::string(65, 'X') + "\"}", ""},
    {"{\"type\":\"CAF\xC3\xA9\"}", ""},
    {"{\"type\":\"A\x01\"}", ""},
    {R"({"type":""})", ""},
    // Cut short anywhere: nothing, never a read past the end.
    {"", ""},
    {"{", ""},
    {R"({"type")", ""},
    {R"({"type":)", ""},
    {R"({"type":"HEART)", ""},
    {R"({"type":"HEARTBEAT")", ""},
    {R"({"type":"HEARTBEAT",)", ""},
    {R"({"type":"HEARTBEAT","x":)", ""},
    {R"({"type":"HEARTBEAT","x":[1,{"y":"\)", ""},
    {R"({"x":"\)", ""},
    // Not JSON at all.
    {"not json", ""},
    {R"({'type':'HEARTBEAT'})", ""},
    {R"({"type" "HEARTBEAT"})", ""},
    {R"({"type":"HEARTBEAT" "x":1})", ""},
    {R"({type:"HEARTBEAT"})", ""},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto peeked = native::peek_type(r.text);
    CHECK(peeked == r.type);
    if (auto full = decoded_type(r.text); full && !peeked.empty())
      CHECK(peeked == *full);
  }
}

TEST_CASE("peek_type looks at no more than max_scan bytes") {
  auto code = std::string(100 * 1024, 'x');
  auto big = R"({"type":"SUBMIT_CODE","language":"c","code":")" + code + "\"}";
  CHECK(native::peek_type(big).empty()); // past the 64 KiB default
  CHECK(native::peek_type(big, big.size()) == "SUBMIT_CODE");
  CHECK(native::peek_type(big, big.size() - 1).empty());
  // A frame of any depth is a loop, not a recursion.
  auto deep = R"({"x":)" + std::string(50000, '[') + std::string(50000, ']')
              + R"(,"type":"HEARTBEAT"})";
  CHECK(native::peek_type(deep, deep.size()) == "HEARTBEAT");
  CHECK(native::peek_type(std::string(60000, '{')).empty());
}

TEST_CASE("peek_type on mutated frames agrees with decode or says nothing") {
  const std::string seeds[] = {
    R"({"type":"CREATE_ROOM","token":"t","roomname":"r","maxGuests":5,"question":"q","duration":60,"isPublic":false})",
    R"({"type":"SUBMIT_CODE","roomId":"A7x9K2","code":"x\"y[{\\","language":"c"})",
    R"({"data":{"type":"TAB_BLUR"},"list":["type",{"type":"X"}],"type":"TAB_FOCUS"})",
    R"({"type":"START_ROOM","n":[1,2.5,true,null],"type":"END_ROOM"})",
  };
  // Bytes that matter to the scan, drawn more often than the rest.
  constexpr std::string_view special = "\"\\{}[]:, \n";
  std::uint32_t state = 777;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u; // LCG constants (Numerical Recipes)
    return state >> 8;
  };
  std::size_t typed = 0, compared = 0;
  for (const auto& seed : seeds) {
    for (int i = 0; i < 3000; ++i) {
      auto text = seed;
      for (int k = 0, n = 1 + next() % 4; k < n && !text.empty(); ++k) {
        auto at = next() % text.size();
        char byte = next() % 2 ? special[next() % special.size()]
                               : static_cast<char>(next() & 0xFF);
        switch (next() % 4) {
          case 0: text[at] = byte; break;
          case 1: text.insert(at, 1, byte); break;
          case 2: text.erase(at, 1); break;
          default: text.resize(at); break; // cut short
        }
      }
      auto peeked = native::peek_type(text);
      if (peeked.empty())
        continue;
      ++typed;
      if (auto full = decoded_type(text)) {
        ++compared;
        INFO(text);
        REQUIRE(peeked == *full);
      }
    }
  }
  // The mutations leave most frames well-formed enough to be compared; if
  // these fall to zero the test has stopped testing anything.
  CHECK(typed > 1000);
  CHECK(compared > 1000);
}
