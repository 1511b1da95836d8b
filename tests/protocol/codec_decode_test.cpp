// Decoding client frames of the native dialect (protocol/README.md,
// "Client -> server" and "Errors").

#include "protocol/json_limits.hpp"
#include "protocol/native_codec.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>

using namespace proctord::protocol;
namespace native = proctord::protocol::native;

namespace {

template <class T>
T decode_as(const std::string& text, const native::decode_limits& lim = {}) {
  INFO(text);
  auto res = native::decode(text, lim);
  if (auto* err = std::get_if<native::decode_error>(&res))
    FAIL("decode failed: " << to_code(err->code) << ": " << err->message);
  auto* c = std::get_if<command>(&res);
  REQUIRE(c != nullptr);
  auto* x = std::get_if<T>(c);
  REQUIRE(x != nullptr);
  return *x;
}

/// Every type of the native dialect (protocol/README.md, "Client -> server").
bool is_known_type(std::string_view t) {
  static const std::set<std::string_view> known = {
    "CREATE_ROOM",     "JOIN_ROOM",        "APPROVE_JOIN", "START_ROOM",
    "LEAVE_ROOM",      "END_ROOM",         "GET_ROOM_STATUS",
    "FULLSCREEN_EXIT", "FULLSCREEN_ENTER", "TAB_BLUR",     "TAB_FOCUS",
    "CODE_CHANGE",     "SUBMIT_CODE",      "KICK_USER",    "ANNOUNCE",
    "HEARTBEAT",       "RESUME",
  };
  return known.count(t) > 0;
}

/// What the envelope of `text` calls for, found without decode(): the
/// error code up to the type check (invalid_field standing for "a known
/// type: a command, or a field error"), and the type when there is one.
struct envelope {
  error_code code;
  std::string type;
};

envelope envelope_of(const std::string& text) {
  if (json_depth(text, 32) > 32) // decode_limits' default depth
    return {error_code::too_deep, {}};
  auto doc = nlohmann::json::parse(text, nullptr, false);
  // nlohmann stops at a NUL byte as if the input ended there; decode()
  // refuses it (see native_codec.cpp).
  if (doc.is_discarded() || text.find('\0') != std::string::npos)
    return {error_code::invalid_json, {}};
  if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string())
    return {error_code::invalid_message, {}};
  auto type = doc["type"].get<std::string>();
  return {is_known_type(type) ? error_code::invalid_field
                              : error_code::unknown_type,
          type};
}

native::decode_error decode_error_of(const std::string& text,
                                     const native::decode_limits& lim = {}) {
  INFO(text);
  auto res = native::decode(text, lim);
  auto* err = std::get_if<native::decode_error>(&res);
  REQUIRE(err != nullptr);
  return *err;
}

} // namespace

TEST_CASE("every command type decodes") {
  struct row {
    const char* text;
    const char* type;
  };
  const row rows[] = {
    {R"({"type":"CREATE_ROOM","roomname":"r"})", "CREATE_ROOM"},
    {R"({"type":"JOIN_ROOM","roomId":"A7x9K2"})", "JOIN_ROOM"},
    {R"({"type":"APPROVE_JOIN","userId":"u","approve":false})", "APPROVE_JOIN"},
    {R"({"type":"START_ROOM"})", "START_ROOM"},
    {R"({"type":"LEAVE_ROOM"})", "LEAVE_ROOM"},
    {R"({"type":"END_ROOM"})", "END_ROOM"},
    {R"({"type":"GET_ROOM_STATUS"})", "GET_ROOM_STATUS"},
    {R"({"type":"FULLSCREEN_EXIT"})", "FULLSCREEN_EXIT"},
    {R"({"type":"FULLSCREEN_ENTER"})", "FULLSCREEN_ENTER"},
    {R"({"type":"TAB_BLUR"})", "TAB_BLUR"},
    {R"({"type":"TAB_FOCUS"})", "TAB_FOCUS"},
    {R"({"type":"CODE_CHANGE","code":""})", "CODE_CHANGE"},
    {R"({"type":"SUBMIT_CODE","code":"x","language":"c"})", "SUBMIT_CODE"},
    {R"({"type":"KICK_USER","userId":"u"})", "KICK_USER"},
    {R"({"type":"ANNOUNCE","message":"m"})", "ANNOUNCE"},
    {R"({"type":"HEARTBEAT"})", "HEARTBEAT"},
    // Whitespace, member order and unknown extra members do not matter.
    {" \n{ \"extra\" : [1, {\"x\": null}], \"type\" : \"HEARTBEAT\" }\n",
     "HEARTBEAT"},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto res = native::decode(r.text);
    auto* c = std::get_if<command>(&res);
    REQUIRE(c != nullptr);
    CHECK(type_name(*c) == r.type);
  }
}

TEST_CASE("CREATE_ROOM: the seed's example and the defaults") {
  auto c = decode_as<cmd::create_room>(R"({
    "type": "CREATE_ROOM",
    "token": "jwt-token-here",
    "roomname": "Technical Interview - React",
    "maxGuests": 5,
    "question": "Implement a React custom hook",
    "duration": 60,
    "isPublic": true
  })");
  CHECK(c.token == "jwt-token-here");
  CHECK(c.roomname == "Technical Interview - React");
  CHECK(c.max_guests == 5);
  CHECK(c.question == "Implement a React custom hook");
  CHECK(c.duration == 60);
  CHECK(c.is_public);

  auto d = decode_as<cmd::create_room>(R"({"type":"CREATE_ROOM","roomname":"r"})");
  CHECK(d.token.empty()); // the connection may have authenticated already
  CHECK(d.max_guests == 10);
  CHECK(d.question.empty());
  CHECK(d.duration == 60);
  CHECK_FALSE(d.is_public);

  // null means "not given"; integral floats are integers.
  auto e = decode_as<cmd::create_room>(
    R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":null,"duration":90.0,)"
    R"("question":null,"isPublic":null,"token":null})");
  CHECK(e.max_guests == 10);
  CHECK(e.duration == 90);
  CHECK_FALSE(e.is_public);
}

TEST_CASE("CREATE_ROOM: the bounds are inclusive") {
  auto lo = decode_as<cmd::create_room>(
    R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":1,"duration":1})");
  CHECK(lo.max_guests == 1);
  CHECK(lo.duration == 1);
  auto name = std::string(255, 'n');
  auto question = std::string(64 * 1024, 'q');
  auto hi = decode_as<cmd::create_room>(
    R"({"type":"CREATE_ROOM","roomname":")" + name + R"(","question":")"
    + question + R"(","maxGuests":1000,"duration":1440})");
  CHECK(hi.roomname == name);
  CHECK(hi.question.size() == 64 * 1024);
  CHECK(hi.max_guests == 1000);
  CHECK(hi.duration == 1440);
  // 255 characters, not bytes: "é" is 2 bytes of UTF-8.
  std::string accented;
  for (int i = 0; i < 255; ++i)
    accented += "\xC3\xA9";
  auto u = decode_as<cmd::create_room>(
    R"({"type":"CREATE_ROOM","roomname":")" + accented + R"("})");
  CHECK(u.roomname == accented);
}

TEST_CASE("JOIN_ROOM, APPROVE_JOIN, KICK_USER carry their fields") {
  auto j = decode_as<cmd::join_room>(
    R"({"type":"JOIN_ROOM","token":"t","roomId":"A7x9K2"})");
  CHECK(j.token == "t");
  CHECK(j.room_id == "A7x9K2");

  auto a = decode_as<cmd::approve_join>(
    R"({"type":"APPROVE_JOIN","roomId":"A7x9K2","userId":"user456","approve":true})");
  CHECK(a.room_id == "A7x9K2");
  CHECK(a.user_id == "user456");
  CHECK(a.approve);
  auto a2 = decode_as<cmd::approve_join>(
    R"({"type":"APPROVE_JOIN","userId":"user456","approve":false})");
  CHECK(a2.room_id.empty());
  CHECK_FALSE(a2.approve);

  auto k = decode_as<cmd::kick_user>(
    R"({"type":"KICK_USER","roomId":"A7x9K2","userId":"user456","reason":"Multiple violations"})");
  CHECK(k.room_id == "A7x9K2");
  CHECK(k.user_id == "user456");
  CHECK(k.reason == "Multiple violations");
  auto k2 = decode_as<cmd::kick_user>(R"({"type":"KICK_USER","userId":"u"})");
  CHECK(k2.reason.empty());
}

TEST_CASE("room-only commands take an optional roomId") {
  CHECK(decode_as<cmd::start_room>(R"({"type":"START_ROOM","roomId":"R1"})")
          .room_id
        == "R1");
  CHECK(decode_as<cmd::end_room>(R"({"type":"END_ROOM","roomId":"R1"})").room_id
        == "R1");
  CHECK(decode_as<cmd::leave_room>(R"({"type":"LEAVE_ROOM","roomId":""})")
          .room_id.empty());
  CHECK(decode_as<cmd::get_room_status>(
          R"({"type":"GET_ROOM_STATUS","roomId":"R1"})")
          .room_id
        == "R1");
}

TEST_CASE("proctoring signals ignore userId whatever its type") {
  struct row {
    const char* text;
    cmd::signal what;
  };
  const row rows[] = {
    {R"({"type":"FULLSCREEN_EXIT","roomId":"A7x9K2","userId":"user456"})",
     cmd::signal::fullscreen_exit},
    {R"({"type":"FULLSCREEN_ENTER","roomId":"A7x9K2","userId":42})",
     cmd::signal::fullscreen_enter},
    {R"({"type":"TAB_BLUR","roomId":"A7x9K2","userId":{"evil":true}})",
     cmd::signal::tab_blur},
    {R"({"type":"TAB_FOCUS","roomId":"A7x9K2","userId":null})",
     cmd::signal::tab_focus},
  };
  for (const auto& r : rows) {
    auto s = decode_as<cmd::proctor_signal>(r.text);
    CHECK(s.what == r.what);
    CHECK(s.room_id == "A7x9K2");
  }
}

TEST_CASE("CODE_CHANGE and SUBMIT_CODE") {
  auto c = decode_as<cmd::code_change>(
    R"({"type":"CODE_CHANGE","roomId":"R","code":"let x = \"[{\";\n","language":"javascript"})");
  CHECK(c.room_id == "R");
  CHECK(c.code == "let x = \"[{\";\n");
  CHECK(c.language == "javascript");
  auto c2 = decode_as<cmd::code_change>(R"({"type":"CODE_CHANGE","code":""})");
  CHECK(c2.code.empty()); // an emptied editor is news too
  CHECK(c2.language.empty());

  // The seed's example; its userId is ignored.
  auto s = decode_as<cmd::submit_code>(R"({
    "type": "SUBMIT_CODE", "roomId": "A7x9K2", "userId": "someone-else",
    "code": "function customHook() { ... }", "language": "javascript"})");
  CHECK(s.room_id == "A7x9K2");
  CHECK(s.code == "function customHook() { ... }");
  CHECK(s.language == "javascript");

  // code is bounded only by max_string (the frame limit by default).
  auto big = std::string(900 * 1024, 'x');
  auto s2 = decode_as<cmd::submit_code>(
    R"({"type":"SUBMIT_CODE","code":")" + big + R"(","language":"c"})");
  CHECK(s2.code.size() == big.size());
}

TEST_CASE("ANNOUNCE: a message of 1 to 4096 characters") {
  auto a = decode_as<cmd::announce>(
    R"({"type":"ANNOUNCE","roomId":"A7x9K2","message":"10 minutes left"})");
  CHECK(a.room_id == "A7x9K2");
  CHECK(a.message == "10 minutes left");
  auto b = decode_as<cmd::announce>(R"({"type":"ANNOUNCE","message":"x"})");
  CHECK(b.room_id.empty()); // the connection's room
  CHECK(b.message == "x");
  // 4096 characters, not bytes: "é" is 2 bytes of UTF-8.
  std::string accented;
  for (int i = 0; i < 4096; ++i)
    accented += "\xC3\xA9";
  auto c = decode_as<cmd::announce>(
    R"({"type":"ANNOUNCE","message":")" + accented + "\"}");
  CHECK(c.message == accented);
  auto err = decode_error_of(
    R"({"type":"ANNOUNCE","message":")" + accented + "e\"}");
  CHECK(err.code == error_code::invalid_field);
  CHECK(err.request_type == "ANNOUNCE");
  CHECK_THAT(err.message, Catch::Contains("message"));
  CHECK_THAT(err.message, Catch::Contains("4096"));
}

TEST_CASE("frames that are not commands") {
  struct row {
    std::string text;
    error_code code;
    const char* request_type; // expected requestType
    const char* mentions;     // the message names this field
  };
  const row rows[] = {
    // Not JSON.
    {"", error_code::invalid_json, "", ""},
    {"not json", error_code::invalid_json, "", ""},
    {R"({"type":"HEARTBEAT")", error_code::invalid_json, "", ""},
    {R"({"type":"HEARTBEAT"} trailing)", error_code::invalid_json, "", ""},
    {R"({'type':'HEARTBEAT'})", error_code::invalid_json, "", ""},
    {R"({"type":"HEARTBEAT", /* c */ })", error_code::invalid_json, "", ""},
    {R"({"type":"HEARTBEAT","n":1e999})", error_code::invalid_json, "", ""},
    {"{\"type\":\"HEARTBEAT\",\"s\":\"a\x01\"}", error_code::invalid_json, "",
     ""}, // raw control character in a string
    // Invalid UTF-8 inside a string: lone continuation, truncated sequence,
    // overlong encoding, UTF-16 surrogate, past U+10FFFF.
    {"{\"type\":\"HEARTBEAT\",\"s\":\"\x80\"}", error_code::invalid_json, "", ""},
    {"{\"type\":\"HEARTBEAT\",\"s\":\"\xC3\"}", error_code::invalid_json, "", ""},
    {"{\"type\":\"HEARTBEAT\",\"s\":\"\xC0\xAF\"}", error_code::invalid_json, "",
     ""},
    {"{\"type\":\"HEARTBEAT\",\"s\":\"\xED\xA0\x80\"}", error_code::invalid_json,
     "", ""},
    {"{\"type\":\"HEARTBEAT\",\"s\":\"\xF4\x90\x80\x80\"}",
     error_code::invalid_json, "", ""},
    {"{\"type\":\"CREATE_ROOM\",\"roomname\":\"\xFF\xFE\"}",
     error_code::invalid_json, "", ""},
    // Too deep (default limit 32).
    {std::string(33, '[') + std::string(33, ']'), error_code::too_deep, "", ""},
    {R"({"type":"HEARTBEAT","x":)" + std::string(40, '[')
       + std::string(40, ']') + "}",
     error_code::too_deep, "", ""},
    // JSON, but no envelope.
    {"[]", error_code::invalid_message, "", ""},
    {"42", error_code::invalid_message, "", ""},
    {R"("HEARTBEAT")", error_code::invalid_message, "", ""},
    {"null", error_code::invalid_message, "", ""},
    {"{}", error_code::invalid_message, "", ""},
    {R"({"type":7})", error_code::invalid_message, "", ""},
    {R"({"type":null})", error_code::invalid_message, "", ""},
    {R"({"type":["HEARTBEAT"]})", error_code::invalid_message, "", ""},
    {R"({"Type":"HEARTBEAT"})", error_code::invalid_message, "", ""},
    // Unknown types (names are case-sensitive).
    {R"({"type":"DROP_TABLE"})", error_code::unknown_type, "DROP_TABLE", ""},
    {R"({"type":"heartbeat"})", error_code::unknown_type, "heartbeat", ""},
    {R"({"type":""})", error_code::unknown_type, "", ""},
    // CREATE_ROOM fields.
    {R"({"type":"CREATE_ROOM"})", error_code::invalid_field, "CREATE_ROOM",
     "roomname"},
    {R"({"type":"CREATE_ROOM","roomname":""})", error_code::invalid_field,
     "CREATE_ROOM", "roomname"},
    {R"({"type":"CREATE_ROOM","roomname":42})", error_code::invalid_field,
     "CREATE_ROOM", "roomname"},
    {R"({"type":"CREATE_ROOM","roomname":")" + std::string(256, 'n') + "\"}",
     error_code::invalid_field, "CREATE_ROOM", "roomname"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":"5"})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":2.5})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":0})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":1001})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":-1})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":18446744073709551615})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":1e300})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":true})",
     error_code::invalid_field, "CREATE_ROOM", "maxGuests"},
    {R"({"type":"CREATE_ROOM","roomname":"r","duration":0})",
     error_code::invalid_field, "CREATE_ROOM", "duration"},
    {R"({"type":"CREATE_ROOM","roomname":"r","duration":1441})",
     error_code::invalid_field, "CREATE_ROOM", "duration"},
    {R"({"type":"CREATE_ROOM","roomname":"r","duration":[60]})",
     error_code::invalid_field, "CREATE_ROOM", "duration"},
    {R"({"type":"CREATE_ROOM","roomname":"r","question":7})",
     error_code::invalid_field, "CREATE_ROOM", "question"},
    {R"({"type":"CREATE_ROOM","roomname":"r","question":")"
       + std::string(64 * 1024 + 1, 'q') + "\"}",
     error_code::invalid_field, "CREATE_ROOM", "question"},
    {R"({"type":"CREATE_ROOM","roomname":"r","isPublic":"false"})",
     error_code::invalid_field, "CREATE_ROOM", "isPublic"},
    {R"({"type":"CREATE_ROOM","roomname":"r","isPublic":0})",
     error_code::invalid_field, "CREATE_ROOM", "isPublic"},
    {R"({"type":"CREATE_ROOM","roomname":"r","token":{"sub":"me"}})",
     error_code::invalid_field, "CREATE_ROOM", "token"},
    // JOIN_ROOM.
    {R"({"type":"JOIN_ROOM"})", error_code::invalid_field, "JOIN_ROOM",
     "roomId"},
    {R"({"type":"JOIN_ROOM","roomId":""})", error_code::invalid_field,
     "JOIN_ROOM", "roomId"},
    {R"({"type":"JOIN_ROOM","roomId":123456})", error_code::invalid_field,
     "JOIN_ROOM", "roomId"},
    {R"({"type":"JOIN_ROOM","roomId":")" + std::string(65, 'r') + "\"}",
     error_code::invalid_field, "JOIN_ROOM", "roomId"},
    {R"({"type":"JOIN_ROOM","roomId":"R","token":5})", error_code::invalid_field,
     "JOIN_ROOM", "token"},
    // APPROVE_JOIN.
    {R"({"type":"APPROVE_JOIN","approve":true})", error_code::invalid_field,
     "APPROVE_JOIN", "userId"},
    {R"({"type":"APPROVE_JOIN","userId":"","approve":true})",
     error_code::invalid_field, "APPROVE_JOIN", "userId"},
    {R"({"type":"APPROVE_JOIN","userId":"u"})", error_code::invalid_field,
     "APPROVE_JOIN", "approve"},
    {R"({"type":"APPROVE_JOIN","userId":"u","approve":"yes"})",
     error_code::invalid_field, "APPROVE_JOIN", "approve"},
    {R"({"type":"APPROVE_JOIN","userId":"u","approve":1})",
     error_code::invalid_field, "APPROVE_JOIN", "approve"},
    {R"({"type":"APPROVE_JOIN","roomId":5,"userId":"u","approve":true})",
     error_code::invalid_field, "APPROVE_JOIN", "roomId"},
    // roomId bounds everywhere.
    {R"({"type":"START_ROOM","roomId":")" + std::string(65, 'r') + "\"}",
     error_code::invalid_field, "START_ROOM", "roomId"},
    {R"({"type":"TAB_BLUR","roomId":false})", error_code::invalid_field,
     "TAB_BLUR", "roomId"},
    // Code.
    {R"({"type":"CODE_CHANGE"})", error_code::invalid_field, "CODE_CHANGE",
     "code"},
    {R"({"type":"CODE_CHANGE","code":["a"]})", error_code::invalid_field,
     "CODE_CHANGE", "code"},
    {R"({"type":"CODE_CHANGE","code":"","language":")" + std::string(51, 'l')
       + "\"}",
     error_code::invalid_field, "CODE_CHANGE", "language"},
    {R"({"type":"SUBMIT_CODE","language":"c"})", error_code::invalid_field,
     "SUBMIT_CODE", "code"},
    {R"({"type":"SUBMIT_CODE","code":"x"})", error_code::invalid_field,
     "SUBMIT_CODE", "language"},
    {R"({"type":"SUBMIT_CODE","code":"x","language":""})",
     error_code::invalid_field, "SUBMIT_CODE", "language"},
    {R"({"type":"SUBMIT_CODE","code":"x","language":null})",
     error_code::invalid_field, "SUBMIT_CODE", "language"},
    // KICK_USER.
    {R"({"type":"KICK_USER"})", error_code::invalid_field, "KICK_USER",
     "userId"},
    {R"({"type":"KICK_USER","userId":"u","reason":")" + std::string(501, 'x')
       + "\"}",
     error_code::invalid_field, "KICK_USER", "reason"},
    {R"({"type":"KICK_USER","userId":"u","reason":1})",
     error_code::invalid_field, "KICK_USER", "reason"},
    // ANNOUNCE.
    {R"({"type":"ANNOUNCE"})", error_code::invalid_field, "ANNOUNCE",
     "message"},
    {R"({"type":"ANNOUNCE","message":null})", error_code::invalid_field,
     "ANNOUNCE", "message"},
    {R"({"type":"ANNOUNCE","message":""})", error_code::invalid_field,
     "ANNOUNCE", "message"},
    {R"({"type":"ANNOUNCE","message":42})", error_code::invalid_field,
     "ANNOUNCE", "message"},
    {R"({"type":"ANNOUNCE","message":["10 minutes left"]})",
     error_code::invalid_field, "ANNOUNCE", "message"},
    {R"({"type":"ANNOUNCE","message":")" + std::string(4097, 'm') + "\"}",
     error_code::invalid_field, "ANNOUNCE", "message"},
    {R"({"type":"ANNOUNCE","roomId":7,"message":"m"})",
     error_code::invalid_field, "ANNOUNCE", "roomId"},
  };
  for (const auto& r : rows) {
    auto err = decode_error_of(r.text);
    INFO(r.text.substr(0, 200) << " -> " << to_code(err.code) << ": "
                               << err.message);
    CHECK(err.code == r.code);
    CHECK(err.request_type == r.request_type);
    CHECK_FALSE(err.message.empty());
    CHECK_THAT(err.message, Catch::Contains(r.mentions));
  }
}

TEST_CASE("a 200 KB frame nested 100,000 deep is TOO_DEEP, not a crash") {
  auto deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(decode_error_of(deep).code == error_code::too_deep);
  auto objects = std::string(100000, '{');
  CHECK(decode_error_of(objects).code == error_code::too_deep);
}

TEST_CASE("brackets inside strings do not count towards the depth") {
  auto code = std::string(1000, '[') + std::string(1000, '{') + "\\\"[[[";
  auto s = decode_as<cmd::code_change>(R"({"type":"CODE_CHANGE","code":")"
                                       + code + "\"}");
  CHECK(s.code == std::string(1000, '[') + std::string(1000, '{') + "\"[[[");
}

TEST_CASE("the depth limit is configurable") {
  native::decode_limits lim;
  lim.max_depth = 2;
  auto ok = R"({"type":"HEARTBEAT","x":[1]})";
  auto deep = R"({"type":"HEARTBEAT","x":[[1]]})";
  CHECK(std::holds_alternative<command>(native::decode(ok, lim)));
  CHECK(decode_error_of(deep, lim).code == error_code::too_deep);
  CHECK(std::holds_alternative<command>(native::decode(deep)));
}

TEST_CASE("the room size limit is configurable") {
  native::decode_limits lim;
  CHECK(lim.max_guests == 1000); // protocol/README.md's default
  lim.max_guests = 3;
  auto at = decode_as<cmd::create_room>(
    R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":3})", lim);
  CHECK(at.max_guests == 3);
  auto err = decode_error_of(
    R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":4})", lim);
  CHECK(err.code == error_code::invalid_field);
  CHECK(err.request_type == "CREATE_ROOM");
  CHECK_THAT(err.message, Catch::Contains("maxGuests")
                            && Catch::Contains("from 1 to 3"));
  // The default of 10 would exceed a smaller limit; it is cut to it.
  CHECK(decode_as<cmd::create_room>(R"({"type":"CREATE_ROOM","roomname":"r"})",
                                    lim)
          .max_guests
        == 3);
  // A larger limit admits more than the default 1000 ...
  lim.max_guests = 5000;
  CHECK(decode_as<cmd::create_room>(
          R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":5000})", lim)
          .max_guests
        == 5000);
  CHECK(decode_as<cmd::create_room>(R"({"type":"CREATE_ROOM","roomname":"r"})",
                                    lim)
          .max_guests
        == 10);
  // ... and the default limits still refuse it.
  CHECK(decode_error_of(
          R"({"type":"CREATE_ROOM","roomname":"r","maxGuests":5000})")
          .code
        == error_code::invalid_field);
}

TEST_CASE("max_string bounds every string field") {
  native::decode_limits lim;
  lim.max_string = 16;
  auto ok = R"({"type":"SUBMIT_CODE","code":"0123456789abcdef","language":"c"})";
  CHECK(decode_as<cmd::submit_code>(ok, lim).code.size() == 16);
  auto err = decode_error_of(
    R"({"type":"SUBMIT_CODE","code":"0123456789abcdefg","language":"c"})", lim);
  CHECK(err.code == error_code::invalid_field);
  CHECK_THAT(err.message, Catch::Contains("code"));
  auto tok = decode_error_of(
    R"({"type":"JOIN_ROOM","roomId":"R","token":"0123456789abcdefg"})", lim);
  CHECK(tok.code == error_code::invalid_field);
  CHECK_THAT(tok.message, Catch::Contains("token"));
}

TEST_CASE("a huge unknown type is echoed cut short") {
  auto type = std::string(10000, 'X');
  auto err = decode_error_of(R"({"type":")" + type + "\"}");
  CHECK(err.code == error_code::unknown_type);
  CHECK(err.request_type == std::string(64, 'X'));
  // Cut at a character boundary: 40 "é" are 80 bytes; 32 of them fit.
  std::string accented;
  for (int i = 0; i < 40; ++i)
    accented += "\xC3\xA9";
  auto err2 = decode_error_of(R"({"type":")" + accented + "\"}");
  CHECK(err2.request_type == accented.substr(0, 64));
  accented = "x" + accented; // now byte 64 is in the middle of an "é"
  auto err3 = decode_error_of(R"({"type":")" + accented + "\"}");
  CHECK(err3.request_type == accented.substr(0, 63));
}

TEST_CASE("mutated frames get a command or a client error, never INTERNAL") {
  // A cheap deterministic fuzz: mutate valid frames a few bytes at a time
  // and check each answer against nlohmann parsing the same text on its
  // own. decode() cannot merely "not throw": it must say what
  // protocol/README.md's error table says for that frame.
  const std::string seeds[] = {
    R"({"type":"CREATE_ROOM","token":"t","roomname":"r","maxGuests":5,"question":"q","duration":60,"isPublic":false})",
    R"({"type":"SUBMIT_CODE","roomId":"A7x9K2","code":"x\"y[{","language":"c","idempotencyKey":"k"})",
    R"({"type":"APPROVE_JOIN","userId":"u","approve":true})",
    R"({"type":"RESUME","resumeToken":"r1.a.b.c","lastSeq":41})",
    R"({"data":{"type":"X"},"type":"KICK_USER","userId":"u","reason":"é"})",
  };
  constexpr std::string_view special = "\"\\{}[]:,0e- ";
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u; // LCG constants (Numerical Recipes)
    return state >> 8;
  };
  std::map<error_code, std::size_t> seen;
  std::size_t decoded = 0;
  for (const auto& seed : seeds) {
    for (int i = 0; i < 2000; ++i) {
      auto text = seed;
      for (int k = 0, n = 1 + next() % 3; k < n; ++k) {
        auto at = next() % text.size();
        char byte = next() % 2 ? special[next() % special.size()]
                               : static_cast<char>(next() & 0xFF);
        if (next() % 2)
          text[at] = byte;
        else
          text.insert(at, 1, byte);
      }
      INFO(text);
      auto res = native::decode(text);
      auto oracle = envelope_of(text);
      if (auto* c = std::get_if<command>(&res)) {
        ++decoded;
        REQUIRE(oracle.code == error_code::invalid_field); // "had a known type"
        REQUIRE(type_name(*c) == oracle.type);
        continue;
      }
      const auto& err = std::get<native::decode_error>(res);
      INFO(to_code(err.code) << ": " << err.message << " [" << err.request_type
                             << "]");
      ++seen[err.code];
      REQUIRE(err.code != error_code::internal);
      REQUIRE_FALSE(err.message.empty());
      // Up to the type, decode() answers as the table in protocol/README.md
      // says; past it, a known type can only fail on its fields.
      REQUIRE(err.code == oracle.code);
      if (err.code == error_code::unknown_type) {
        REQUIRE_FALSE(is_known_type(err.request_type));
        REQUIRE(err.request_type == oracle.type.substr(0, err.request_type.size()));
        REQUIRE(err.request_type.size() <= 64);
      } else if (err.code == error_code::invalid_field) {
        REQUIRE(is_known_type(err.request_type));
        REQUIRE(err.request_type == oracle.type);
      } else {
        REQUIRE(err.request_type.empty());
      }
    }
  }
  // The mutations reach every stage of decoding; if one count falls to zero
  // the test has stopped exercising it.
  CHECK(decoded > 0);
  CHECK(decoded < 10000);
  for (auto code : {error_code::invalid_json, error_code::invalid_message,
                    error_code::unknown_type, error_code::invalid_field})
    CHECK(seen[code] > 0);
}

TEST_CASE("a well-formed frame with anything around it is INVALID_JSON") {
  const std::string frame = R"({"type":"SUBMIT_CODE","code":"x","language":"c"})";
  REQUIRE(std::holds_alternative<command>(native::decode(frame)));
  REQUIRE(std::holds_alternative<command>(native::decode(" \n" + frame + "\r\t")));
  // Noise: each has at least one byte that is not JSON whitespace.
  const std::string noise[] = {
    "x", "}", "]", ",", "\"", "0", "{}", frame, std::string(1, '\0'),
    "\x80", "\xC3\xA9", " // c", "\n{\"type\":\"HEARTBEAT\"}",
  };
  for (const auto& n : noise) {
    INFO("noise: " << n);
    CHECK(decode_error_of(frame + n).code == error_code::invalid_json);
    CHECK(decode_error_of(frame + " " + n).code == error_code::invalid_json);
    CHECK(decode_error_of(n + frame).code == error_code::invalid_json);
  }
  // Every proper prefix is cut JSON.
  for (std::size_t len = 0; len < frame.size(); ++len) {
    INFO("prefix of " << len << " bytes");
    CHECK(decode_error_of(frame.substr(0, len)).code == error_code::invalid_json);
  }
}

TEST_CASE("RESUME and idempotency keys") {
  auto r = decode_as<cmd::resume>(
    R"({"type":"RESUME","resumeToken":"r1.a.b.c","lastSeq":41})");
  CHECK(r.resume_token == "r1.a.b.c");
  CHECK(r.last_seq == 41);
  CHECK(decode_as<cmd::resume>(R"({"type":"RESUME","resumeToken":"t"})")
          .last_seq
        == 0);
  CHECK(decode_error_of(R"({"type":"RESUME"})").code
        == error_code::invalid_field);
  CHECK(decode_error_of(R"({"type":"RESUME","resumeToken":"t","lastSeq":-1})")
          .code
        == error_code::invalid_field);
  CHECK(decode_error_of(R"({"type":"RESUME","resumeToken":"t","lastSeq":"4"})")
          .code
        == error_code::invalid_field);

  auto s = decode_as<cmd::submit_code>(
    R"({"type":"SUBMIT_CODE","code":"x","language":"c","idempotencyKey":"k-1"})");
  CHECK(s.idempotency_key == "k-1");
  auto v = decode_as<cmd::proctor_signal>(
    R"({"type":"TAB_BLUR","idempotencyKey":"v-9"})");
  CHECK(v.idempotency_key == "v-9");
  CHECK(decode_as<cmd::proctor_signal>(R"({"type":"TAB_BLUR"})")
          .idempotency_key.empty());
  // Keys are ids: 1 to 64 bytes, strings only.
  CHECK(decode_error_of(
          R"({"type":"SUBMIT_CODE","code":"x","language":"c","idempotencyKey":""})")
          .code
        == error_code::invalid_field);
  CHECK(decode_error_of(R"({"type":"TAB_BLUR","idempotencyKey":)"
                        + std::string{"\""} + std::string(65, 'k') + "\"}")
          .code
        == error_code::invalid_field);
  CHECK(decode_error_of(R"({"type":"FULLSCREEN_EXIT","idempotencyKey":7})").code
        == error_code::invalid_field);
}
