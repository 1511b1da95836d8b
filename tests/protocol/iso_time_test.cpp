// ISO-8601 times (protocol/iso_time.hpp). Every expected string below is
// what node 20 prints for new Date(ms).toISOString().

#include "protocol/iso_time.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

using namespace proctord::protocol;

TEST_CASE("to_iso writes what JavaScript's toISOString() writes") {
  struct row {
    std::int64_t ms;
    const char* iso;
  };
  const row rows[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {1764498342123, "2025-11-30T10:25:42.123Z"},
    {1000000000000, "2001-09-09T01:46:40.000Z"},
    {-1, "1969-12-31T23:59:59.999Z"},
    {-86400000, "1969-12-31T00:00:00.000Z"},
    // leap days: 2000 is a leap year (divisible by 400), 1900 is not
    {951782400000, "2000-02-29T00:00:00.000Z"},
    {951868799999, "2000-02-29T23:59:59.999Z"},
    {1709210096789, "2024-02-29T12:34:56.789Z"},
    {68169600000, "1972-02-29T00:00:00.000Z"},
    {-2203891200000, "1900-03-01T00:00:00.000Z"},
    {-2203891200001, "1900-02-28T23:59:59.999Z"},
    {946684799999, "1999-12-31T23:59:59.999Z"},
    // the ends of the four-digit years
    {-62167219200000, "0000-01-01T00:00:00.000Z"},
    {-62135596800001, "0000-12-31T23:59:59.999Z"},
    {253402300799999, "9999-12-31T23:59:59.999Z"},
  };
  for (const auto& r : rows) {
    INFO(r.ms);
    CHECK(to_iso(r.ms) == r.iso);
    std::string out = "at ";
    append_iso(out, r.ms);
    CHECK(out == std::string{"at "} + r.iso);
    CHECK(from_iso(r.iso) == r.ms);
  }
}

TEST_CASE("to_iso clamps to the years 0000-9999") {
  CHECK(to_iso(-62167219200001) == "0000-01-01T00:00:00.000Z");
  CHECK(to_iso(INT64_MIN) == "0000-01-01T00:00:00.000Z");
  CHECK(to_iso(253402300800000) == "9999-12-31T23:59:59.999Z");
  CHECK(to_iso(INT64_MAX) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("every day of 1899-2101 round-trips") {
  // 1899-01-01 .. 2101-01-01, each day at 12:34:56.789
  const std::int64_t first = -2240524800000, last = 4133980800000;
  const std::int64_t day = 86400000, noonish = 45296789;
  std::int64_t days = 0;
  for (std::int64_t ms = first; ms < last; ms += day, ++days) {
    auto iso = to_iso(ms + noonish);
    REQUIRE(iso.size() == 24);
    REQUIRE(iso.substr(10) == "T12:34:56.789Z");
    REQUIRE(from_iso(iso) == ms + noonish);
    REQUIRE(from_iso(iso.substr(0, 10)) == ms); // a date alone is midnight
  }
  CHECK(days == 73779); // 202 years, 49 of them leap (1900 and 2100 not)
}

TEST_CASE("from_iso reads the forms Date.parse() reads") {
  struct row {
    const char* text;
    std::int64_t ms; // Date.parse(text) in node 20
  };
  const row rows[] = {
    {"2026-02-28T10:00:00+02:00", 1772265600000},
    {"2026-03-01T00:30:00.5-01:30", 1772330400500},
    {"2000-02-29", 951782400000},
    {"1900-02-28T23:59:59.999Z", -2203891200001},
    {"1969-12-31T23:59:59.999Z", -1},
    {"2020-01-01T10:00Z", 1577872800000},
    {"2020-01-01T24:00:00Z", 1577923200000}, // 24:00 ends the day
    {"2020-01-01T24:00Z", 1577923200000},
    {"2026-11-30T10:25:42.123456Z", 1796034342123}, // cut to milliseconds
    {"2026-11-30T10:25:42.1Z", 1796034342100},
    {"2026-11-30T10:25:42.12Z", 1796034342120},
    {"2026-11-30T10:25:42.129999Z", 1796034342129}, // cut, not rounded
    {"2020-01-01T00:00:00-00:00", 1577836800000},
    {"2020-01-01T00:00:00+23:59", 1577750460000},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    CHECK(from_iso(r.text) == r.ms);
  }
}

TEST_CASE("from_iso refuses what is not a valid ISO time") {
  const char* bad[] = {
    "",
    "2026-02-30",               // no such day
    "2026-02-29",               // 2026 is no leap year
    "1900-02-29",               // nor is 1900
    "2026-04-31",
    "2026-13-01",
    "2026-00-10",
    "2026-01-00",
    "2020-1-01",
    "20200101",
    "+002020-01-01T00:00:00Z",  // extended years are not supported
    "2020-01-01T10:00:00",      // no zone: JavaScript would read local time
    "2020-01-01T10:00",
    "2020-01-01T24:00:01Z",
    "2020-01-01T24:00:00.001Z",
    "2020-01-01T25:00:00Z",
    "2020-01-01T10:60:00Z",
    "2020-01-01T10:00:60Z",
    "2020-01-01T10:00:00.Z",
    "2020-01-01t10:00:00Z",
    "2020-01-01 10:00:00Z",
    "2020-01-01T10:00:00z",
    "2020-01-01T10:00:00+0200",
    "2020-01-01T10:00:00+24:00",
    "2020-01-01T10:00:00+02:60",
    "2020-01-01T10:00:00+2:00",
    "2020-01-01T10:00:00Z ",
    " 2020-01-01T10:00:00Z",
    "2020-01-01T10:00:00ZZ",
    "2020-01-01T1:00:00Z",
    "2020-01-01T",
    "2020-01-01T10",
    "2020-01-01T10:00:",
    "yesterday",
    "1764498342123",
  };
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(from_iso(text).has_value());
  }
  CHECK_FALSE(from_iso(std::string_view{"2020-01-01\0", 11}).has_value());
  CHECK_FALSE(from_iso(std::string_view{"2020-01-01T10:00:00Z\0", 21}));
}
