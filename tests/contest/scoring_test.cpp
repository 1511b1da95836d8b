// Scoring one answer (actors/contest/scoreboard.hpp): speed points and
// answer matching, as tables.

#include "actors/contest/scoreboard.hpp"

#include <catch2/catch.hpp>

#include <string_view>

using namespace proctord::contest;

TEST_CASE("speed_points: half to all of the points rounded half away "
          "from zero",
          "[scoring]") {
  struct row {
    std::int64_t points, elapsed_ms, limit_ms, expected;
  };
  const row rows[] = {
    {100, 0, 10000, 100},    // answered at once: everything
    {100, 5000, 10000, 75},  // half the time: three quarters
    {100, 10000, 10000, 50}, // at the bell: half
    {100, 2500, 10000, 88},  // 87.5 rounds up
    {100, 20000, 10000, 50}, // late answers count as at the bell
    {100, -300, 10000, 100}, // a negative elapsed counts as 0
    {100, 1234, 0, 100},     // no limit: no speed factor
    {100, 1234, -5, 100},    // a nonsense limit neither
    {1, 10000, 10000, 1},    // 0.5 -> 1
    {3, 10000, 10000, 2},    // 1.5 -> 2
    {3, 2000, 6000, 3},      // 2.5 -> 3
    {-3, 10000, 10000, -2},  // -1.5 -> -2: away from zero
    {-100, 5000, 10000, -75},
    {10, 1, 3, 8},           // 8.33 -> 8
    {10, 2, 3, 7},           // 6.67 -> 7
    {1, 9999, 10000, 1},     // 0.50005 -> 1
    {0, 5000, 10000, 0},
    // 4e12 * 2e9 overflows 64 bits in the intermediate product.
    {4'000'000'000'000, 500'000'000, 1'000'000'000, 3'000'000'000'000},
  };
  for (const auto& r : rows) {
    INFO(r.points << " points, " << r.elapsed_ms << " of " << r.limit_ms
                  << " ms");
    CHECK(speed_points(r.points, r.elapsed_ms, r.limit_ms) == r.expected);
  }
}

TEST_CASE("answers_match: trimmed and ASCII case-insensitive", "[scoring]") {
  struct row {
    std::string_view given, expected;
    bool match;
  };
  const row rows[] = {
    {"Paris", "Paris", true},
    {"paris", "PARIS", true},
    {"  Paris\n", "paris", true},
    {"\t\r\v\fabc \n", "ABC", true},
    {"Paris", "  Paris  ", true}, // the expected answer is trimmed too
    {"", "", true},
    {"   ", "", true},
    {"Par is", "Paris", false}, // inner whitespace counts
    {"Pariss", "Paris", false},
    {"Pari", "Paris", false},
    {"042", "42", false},
    {"", "x", false},
    // Bytes next to the letters are not letters: '[' is 'Z' + 1 and '{' is
    // 'z' + 1; '@' and '`' come just before.
    {"[", "{", false},
    {"@", "`", false},
    // Outside ASCII, bytes compare exactly: é (C3 A9) is not É (C3 89).
    {"\xc3\xa9t\xc3\xa9", "\xc3\xa9T\xc3\xa9", true},
    {"\xc3\xa9", "\xc3\x89", false},
    // A no-break space (C2 A0) is not ASCII whitespace.
    {"\xc2\xa0" "abc", "abc", false},
    {std::string_view{"a\0", 2}, "a", false}, // NUL is not whitespace
  };
  for (const auto& r : rows) {
    INFO('"' << r.given << "\" vs \"" << r.expected << '"');
    CHECK(answers_match(r.given, r.expected) == r.match);
    CHECK(answers_match(r.expected, r.given) == r.match);
  }
}
