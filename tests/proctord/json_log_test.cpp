// --log-format json: whatever a message holds, each log line is one JSON
// object, and its "msg" is the message (tools/proctord/json_log.hpp).

#include "tools/proctord/json_log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>
#include <vector>

using proctord::append_json_escaped;

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_json_escaped(out, s);
  return out;
}

/// Logs each message through json_line_formatter() into a string, as
/// proctord does into stdout, and returns the lines.
std::vector<std::string> json_lines(const std::vector<std::string>& msgs) {
  std::ostringstream text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
  spdlog::logger log{"test", sink};
  log.set_formatter(proctord::json_line_formatter());
  for (const auto& m : msgs)
    log.info("room {} is created by {}", "A7x9K2", m);
  std::vector<std::string> lines;
  std::istringstream in{text.str()};
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

} // namespace

TEST_CASE("append_json_escaped: quotes, backslashes, control characters") {
  struct row {
    std::string in;
    std::string out;
  };
  const row rows[] = {
    {"", ""},
    {"user456", "user456"},
    {R"(a"b)", R"(a\"b)"},
    {R"(a\b)", R"(a\\b)"},
    {"a\nb", R"(a\nb)"},
    {"a\r\n\tb", R"(a\r\n\tb)"},
    {std::string{"a\0b", 3}, R"(a\u0000b)"},
    {"\x1f\x7f", "\\u001f\x7f"}, // DEL is valid in a JSON string
    // Well-formed UTF-8 stays as it is, 2, 3 and 4 bytes long.
    {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"},
    // Each byte outside well-formed UTF-8 becomes U+FFFD: a lone
    // continuation byte, a cut sequence, an overlong "/", a surrogate,
    // past U+10FFFF, bytes UTF-8 never uses.
    {"a\x80z", "a\xEF\xBF\xBDz"},
    {"a\xC3", "a\xEF\xBF\xBD"},
    {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xF4\x90\x80\x80",
     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xFF\xFE", "\xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(escaped(r.in) == r.out);
  }
}

TEST_CASE("append_json_escaped round-trips through a JSON parser") {
  // Every byte value once, in every position of a short string.
  for (int b = 0; b < 128; ++b) {
    std::string s = "x" + std::string(1, static_cast<char>(b)) + "y";
    INFO("byte " << b);
    auto doc = nlohmann::json::parse("\"" + escaped(s) + "\"");
    CHECK(doc.get<std::string>() == s);
  }
  for (int b = 128; b < 256; ++b) {
    std::string s = "x" + std::string(1, static_cast<char>(b)) + "y";
    INFO("byte " << b);
    auto doc = nlohmann::json::parse("\"" + escaped(s) + "\"");
    CHECK(doc.get<std::string>() == "x\xEF\xBF\xBDy");
  }
}

TEST_CASE("json log lines: one JSON object per message, whatever it holds") {
  // Subs a client could put in its token: each tries to end the line or
  // the string and start a line of its own.
  const std::vector<std::string> subs = {
    "user456",
    R"(x","level":"error","msg":"forged)",
    "x\n{\"time\":\"1970\",\"level\":\"critical\",\"msg\":\"forged\"}",
    R"(back\slash\)",
    "tab\tcr\rnul" + std::string(1, '\0') + "bell\a",
    "caf\xC3\xA9",
  };
  auto lines = json_lines(subs);
  REQUIRE(lines.size() == subs.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    auto doc = nlohmann::json::parse(lines[i], nullptr, false);
    REQUIRE(doc.is_object());
    CHECK(doc.size() == 3);
    CHECK(doc["level"] == "info");
    CHECK(doc["time"].is_string());
    CHECK(doc["msg"] == "room A7x9K2 is created by " + subs[i]);
  }
  // Invalid UTF-8 is replaced, so the line still parses.
  auto bad = json_lines({"\xC3(\xFF"});
  REQUIRE(bad.size() == 1);
  auto doc = nlohmann::json::parse(bad[0], nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(doc["msg"] == "room A7x9K2 is created by \xEF\xBF\xBD(\xEF\xBF\xBD");
}
