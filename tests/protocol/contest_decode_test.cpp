// Decoding client frames of the contest dialect (protocol/README.md,
// "Contest dialect", "Client -> server").

#include "protocol/contest_codec.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace proctord::protocol::contest;

namespace {

template <class T>
T decode_as(const std::string& text, const decode_limits& lim = {}) {
  INFO(text);
  auto res = decode(text, lim);
  if (auto* err = std::get_if<decode_error>(&res))
    FAIL("decode failed: " << to_code(err->code) << ": " << err->message);
  auto* c = std::get_if<command>(&res);
  REQUIRE(c != nullptr);
  auto* x = std::get_if<T>(c);
  REQUIRE(x != nullptr);
  return *x;
}

decode_error error_of(const std::string& text, const decode_limits& lim = {}) {
  INFO(text);
  auto res = decode(text, lim);
  auto* err = std::get_if<decode_error>(&res);
  REQUIRE(err != nullptr);
  return *err;
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

} // namespace

TEST_CASE("contest: every client event decodes") {
  auto join = decode_as<cmd::join_contest>(
    R"({"event":"join_contest","data":{"contestId":"c-1"}})");
  CHECK(join.contest_id == "c-1");
  CHECK(event_name(command{join}) == "join_contest");

  auto sub = decode_as<cmd::submit_answer>(
    R"({"event":"submit_answer","data":{"contestId":"c-1","questionId":"q1","answer":"Paris","idempotencyKey":"k-7"}})");
  CHECK(sub.contest_id == "c-1");
  CHECK(sub.question_id == "q1");
  CHECK(sub.answer == "Paris");
  CHECK(sub.idempotency_key == "k-7");
  CHECK(event_name(command{sub}) == "submit_answer");

  auto re = decode_as<cmd::resync>(
    R"({"event":"resync","data":{"contestId":"c-2"}})");
  CHECK(re.contest_id == "c-2");
  CHECK(event_name(command{re}) == "resync");

  decode_as<cmd::ping>(R"({"event":"ping","data":{}})");
  decode_as<cmd::ping>(R"({"event":"ping"})");             // data may be absent
  decode_as<cmd::ping>(R"({"event":"ping","data":null})"); // null is absent
  decode_as<cmd::ping>(R"({"event":"ping","data":{"t":[1,2,{"x":3}]}})");
  CHECK(event_name(command{cmd::ping{}}) == "ping");
}

TEST_CASE("contest: extra fields are ignored, member order is free") {
  auto sub = decode_as<cmd::submit_answer>(
    R"({"timestamp":"x","data":{"answer":"B","extra":{"a":[1]},"questionId":"q","contestId":"c"},"event":"submit_answer","id":9})");
  CHECK(sub.answer == "B");
  CHECK(sub.idempotency_key.empty());
  auto sub2 = decode_as<cmd::submit_answer>(
    R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":"","idempotencyKey":null}})");
  CHECK(sub2.answer.empty()); // an empty answer is an answer (a wrong one)
  CHECK(sub2.idempotency_key.empty());
}

TEST_CASE("contest: a number as answer is taken as its decimal text") {
  struct row {
    const char* json;
    const char* text; // what JavaScript's String(n) gives
  };
  const row rows[] = {
    {"2", "2"},
    {"-7", "-7"},
    {"0", "0"},
    {"-0", "0"},
    {"2.5", "2.5"},
    {"2.0", "2"},
    {"0.1", "0.1"},
    {"-0.5", "-0.5"},
    {"1e3", "1000"},
    {"1e21", "1e+21"},
    {"1e-7", "1e-7"},
    {"1e-6", "0.000001"},
    {"123e-20", "1.23e-18"},
    {"1.5e300", "1.5e+300"},
    {"18446744073709551615", "18446744073709551615"}, // kept exactly
    {"-9223372036854775808", "-9223372036854775808"},
  };
  for (const auto& r : rows) {
    auto sub = decode_as<cmd::submit_answer>(
      std::string{R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":)"}
      + r.json + "}}");
    CHECK(sub.answer == r.text);
  }
}

TEST_CASE("contest: bad envelopes are INVALID_EVENT") {
  const char* rows[] = {
    "",
    "not json",
    "{",
    R"({"event":"ping"} trailing)",
    "[]",
    R"(["ping"])",
    "\"ping\"",
    "42",
    "null",
    "{}",
    R"({"data":{}})",
    R"({"event":null,"data":{}})",
    R"({"event":1,"data":{}})",
    R"({"event":["ping"]})",
    R"({"event":"PING"})",
    R"({"event":"pong"})",
    R"({"event":"join_room","data":{"contestId":"c"}})",
    R"({"event":"","data":{}})",
    R"({"event":"ping","data":[]})",
    R"({"event":"ping","data":"x"})",
    R"({"event":"join_contest","data":"c-1"})",
    R"({"event":"join_contest","data":["c-1"]})",
    R"({"event":"join_contest","data":5})",
    R"({"event":"join_contest","data":true})",
    // invalid UTF-8 is refused, never passed on
    "{\"event\":\"join_contest\",\"data\":{\"contestId\":\"\xff\xfe\"}}",
    "{\"event\":\"ping\xc3\"}",
    "{\"event\":\"join_contest\",\"data\":{\"contestId\":\"\xed\xa0\x80\"}}",
  };
  for (const char* text : rows) {
    auto err = error_of(text);
    CHECK(err.code == error_code::invalid_event);
    CHECK_FALSE(err.message.empty());
  }
  // A NUL ends nlohmann's input; it must not hide trailing garbage.
  auto err = error_of(std::string{R"({"event":"ping"})"} + '\0' + "garbage");
  CHECK(err.code == error_code::invalid_event);
}

TEST_CASE("contest: JSON deeper than the limit is INVALID_EVENT") {
  // depth 32 (the default) passes; 33 does not, wherever it is
  auto ok = std::string{R"({"event":"ping","data":{"x":)"} + nested(30) + "}}";
  decode_as<cmd::ping>(ok);
  auto deep = std::string{R"({"event":"ping","data":{"x":)"} + nested(31) + "}}";
  CHECK(error_of(deep).code == error_code::invalid_event);
  CHECK(error_of(nested(100000)).code == error_code::invalid_event);
  decode_limits lim;
  lim.max_depth = 2;
  decode_as<cmd::join_contest>(R"({"event":"join_contest","data":{"contestId":"c"}})", lim);
  CHECK(error_of(R"({"event":"ping","data":{"x":[]}})", lim).code
        == error_code::invalid_event);
  // brackets inside strings do not count
  decode_as<cmd::join_contest>(
    std::string{R"({"event":"join_contest","data":{"contestId":")"}
    + std::string(200, '[') + "\"}}");
}

TEST_CASE("contest: bad payloads are INVALID_PAYLOAD naming the field") {
  struct row {
    const char* text;
    const char* message;
  };
  const row rows[] = {
    {R"({"event":"join_contest"})", "data is required"},
    {R"({"event":"join_contest","data":null})", "data is required"},
    {R"({"event":"resync"})", "data is required"},
    {R"({"event":"submit_answer"})", "data is required"},
    {R"({"event":"join_contest","data":{}})",
     "data.contestId must be a non-empty string"},
    {R"({"event":"join_contest","data":{"contestId":""}})",
     "data.contestId must be a non-empty string"},
    {R"({"event":"join_contest","data":{"contestId":7}})",
     "data.contestId must be a non-empty string"},
    {R"({"event":"join_contest","data":{"contestId":null}})",
     "data.contestId must be a non-empty string"},
    {R"({"event":"join_contest","data":{"contestid":"c"}})",
     "data.contestId must be a non-empty string"},
    {R"({"event":"resync","data":{"contestId":{"id":"c"}}})",
     "data.contestId must be a non-empty string"},
    {R"({"event":"submit_answer","data":{"questionId":"q","answer":"a"}})",
     "data.contestId must be a non-empty string"},
    {R"({"event":"submit_answer","data":{"contestId":"c","answer":"a"}})",
     "data.questionId must be a non-empty string"},
    {R"({"event":"submit_answer","data":{"contestId":"c","questionId":3,"answer":"a"}})",
     "data.questionId must be a non-empty string"},
    {R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q"}})",
     "data.answer must be a string or a number"},
    {R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":null}})",
     "data.answer must be a string or a number"},
    {R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":true}})",
     "data.answer must be a string or a number"},
    {R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":{"v":"a"}}})",
     "data.answer must be a string or a number"},
    {R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":["a"]}})",
     "data.answer must be a string or a number"},
    {R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":"a","idempotencyKey":5}})",
     "data.idempotencyKey must be a string"},
  };
  for (const auto& r : rows) {
    auto err = error_of(r.text);
    CHECK(err.code == error_code::invalid_payload);
    CHECK(err.message == r.message);
  }
}

TEST_CASE("contest: over-long strings are INVALID_PAYLOAD naming the field") {
  decode_limits lim;
  lim.max_string = 16;
  const std::string ok(16, 'x'), big(17, 'x');
  auto frame = [](const std::string& c, const std::string& q,
                  const std::string& a, const std::string& k) {
    return R"({"event":"submit_answer","data":{"contestId":")" + c
           + R"(","questionId":")" + q + R"(","answer":")" + a
           + R"(","idempotencyKey":")" + k + R"("}})";
  };
  auto sub = decode_as<cmd::submit_answer>(frame(ok, ok, ok, ok), lim);
  CHECK(sub.answer == ok);
  CHECK(error_of(frame(big, ok, ok, ok), lim).message
        == "data.contestId must be at most 16 bytes");
  CHECK(error_of(frame(ok, big, ok, ok), lim).message
        == "data.questionId must be at most 16 bytes");
  CHECK(error_of(frame(ok, ok, big, ok), lim).message
        == "data.answer must be at most 16 bytes");
  CHECK(error_of(frame(ok, ok, ok, big), lim).message
        == "data.idempotencyKey must be at most 16 bytes");
  // a number as answer is bounded by its text
  lim.max_string = 3;
  CHECK(error_of(R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":12345}})",
                 lim).message == "data.answer must be at most 3 bytes");
  CHECK(error_of(frame(big, "q", "a", ""), lim).code
        == error_code::invalid_payload);

  // idempotencyKey: at most 128 bytes whatever max_string is
  const std::string key128(128, 'k'), key129(129, 'k');
  CHECK(decode_as<cmd::submit_answer>(frame("c", "q", "a", key128))
          .idempotency_key
        == key128);
  auto err = error_of(frame("c", "q", "a", key129));
  CHECK(err.code == error_code::invalid_payload);
  CHECK(err.message == "data.idempotencyKey must be at most 128 bytes");

  // the default bound is 64 KiB
  decode_as<cmd::join_contest>(
    R"({"event":"join_contest","data":{"contestId":")"
    + std::string(64 * 1024, 'c') + "\"}}");
  CHECK(error_of(R"({"event":"join_contest","data":{"contestId":")"
                 + std::string(64 * 1024 + 1, 'c') + "\"}}")
          .code
        == error_code::invalid_payload);
}

TEST_CASE("contest: escapes and non-ASCII text come through decoded") {
  auto sub = decode_as<cmd::submit_answer>(
    R"({"event":"submit_answer","data":{"contestId":"c\u00e9","questionId":"q\n1","answer":"\ud83d\ude00 Ünïcode \"quoted\""}})");
  CHECK(sub.contest_id == "c\xc3\xa9");
  CHECK(sub.question_id == "q\n1");
  CHECK(sub.answer == "\xf0\x9f\x98\x80 \xc3\x9cn\xc3\xaf" "code \"quoted\"");
  // a lone surrogate escape is not valid JSON text
  CHECK(error_of(R"({"event":"join_contest","data":{"contestId":"\ud83d"}})")
          .code
        == error_code::invalid_event);
}

TEST_CASE("contest: decode never throws on arbitrary bytes") {
  // every prefix of a valid frame, and every single-byte corruption of it
  const std::string good
    = R"({"event":"submit_answer","data":{"contestId":"c","questionId":"q","answer":2.5,"idempotencyKey":"k"}})";
  std::size_t commands = 0;
  for (std::size_t n = 0; n <= good.size(); ++n) {
    auto res = decode(good.substr(0, n));
    commands += std::holds_alternative<command>(res) ? 1 : 0;
  }
  CHECK(commands == 1); // only the whole frame
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int b : {0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x80, 0xff}) {
      auto text = good;
      text[i] = static_cast<char>(b);
      CHECK_NOTHROW(decode(text));
    }
  }
}
