#include "protocol/json_limits.hpp"

#include <catch2/catch.hpp>

#include <string>

using proctord::protocol::json_depth;

TEST_CASE("json_depth measures nesting of arrays and objects") {
  struct row {
    const char* text;
    std::size_t depth;
  };
  const row rows[] = {
    {"", 0},
    {"42", 0},
    {R"("just a string")", 0},
    {"{}", 1},
    {"[]", 1},
    {R"({"a":[1,2,{"b":{}}]})", 4},
    {R"([[],[[]],[]])", 3},
    {R"({"a":{}}{"b":{}})", 2}, // siblings do not add up
    // Brackets inside strings do not count ...
    {R"({"s":"[[[[{{{{"})", 1},
    {R"(["]]]]", ["x"]])", 2},
    // ... including after escaped quotes and escaped backslashes.
    {R"({"s":"a\"[[[["})", 1},
    {R"({"s":"a\\"})", 1},
    {R"({"s":"a\\", "t":[[1]]})", 3},
    {R"({"s":"\\\"[[[", "t":[1]})", 2},
    // Unbalanced closers never underflow.
    {"]]]][", 1},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    CHECK(json_depth(r.text, 100) == r.depth);
  }
}

TEST_CASE("json_depth stops at the limit") {
  CHECK(json_depth("[[[]]]", 3) == 3);
  CHECK(json_depth("[[[[]]]]", 3) == 4); // limit + 1
  CHECK(json_depth("[[[[", 0) == 1);
  // Stops early: whatever follows the excess is never read.
  CHECK(json_depth("[[[[\"unterminated", 2) == 3);
}

TEST_CASE("json_depth is safe on a 200 KB frame nested 100,000 deep") {
  auto deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(json_depth(deep, 32) == 33);
  // Without an early exit it still counts without recursion.
  CHECK(json_depth(deep, 1000000) == 100000);
  auto objects = std::string(100000, '{');
  CHECK(json_depth(objects, 32) == 33);
}
