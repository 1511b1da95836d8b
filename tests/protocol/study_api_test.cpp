// The study rooms' HTTP API bodies (protocol/study_api.hpp): what POST
// /api/public/users and /api/public/rooms[/...] accept and refuse, and the
// exact JSON of the answers.

#include "protocol/study_api.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace proctord::protocol::study;

namespace {

template <class T>
T ok(const parsed<T>& res, const std::string& body) {
  INFO(body);
  if (auto* err = std::get_if<api_error>(&res))
    FAIL(err->code << " " << err->field << ": " << err->message);
  return std::get<T>(res);
}

template <class T>
api_error bad(const parsed<T>& res, const std::string& body) {
  INFO(body);
  REQUIRE(std::holds_alternative<api_error>(res));
  return std::get<api_error>(res);
}

struct bad_row {
  std::string body;
  std::string field; // "" when the whole body is refused
};

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

} // namespace

TEST_CASE("study api: userName is trimmed and counted in characters",
          "[study_api]") {
  struct row {
    std::string body;
    std::string name;
  };
  for (const auto& r : {
         row{R"({"userName":"Ann"})", "Ann"},
         row{R"({"userName":"  Ann Lee \t\n"})", "Ann Lee"},
         // JavaScript's trim() also removes NBSP, ideographic space and BOM.
         row{"{\"userName\":\"\xC2\xA0\xE3\x80\x80" "Ann\xEF\xBB\xBF\"}", "Ann"},
         row{R"({"userName":"\u00e9l\u00e8ve"})", "\xC3\xA9l\xC3\xA8ve"},
         row{R"({"userName":"x","extra":{"deep":[1,2]}})", "x"},
         row{"{\"userName\":\"" + std::string(64, 'a') + "\"}",
             std::string(64, 'a')},
         // 64 characters of 4 bytes each: 256 bytes.
         row{"{\"userName\":\"" + [] {
                std::string s;
                for (int i = 0; i < 64; ++i)
                  s += "\xF0\x9F\x98\x80";
                return s;
              }() + "\"}",
             [] {
               std::string s;
               for (int i = 0; i < 64; ++i)
                 s += "\xF0\x9F\x98\x80";
               return s;
             }()},
       }) {
    CHECK(ok(parse_new_user(r.body), r.body).user_name == r.name);
  }
}

TEST_CASE("study api: bad bodies of POST users", "[study_api]") {
  // A raw NUL would end nlohmann's input early: refused before parsing.
  const char nul_body[] = "{\"userName\":\"A\0\"}";
  std::string emoji65;
  for (int i = 0; i < 65; ++i)
    emoji65 += "\xF0\x9F\x98\x80";
  for (const auto& r : {
         bad_row{"", ""},
         bad_row{"not json", ""},
         bad_row{R"({"userName":"Ann")", ""},
         bad_row{R"(["Ann"])", ""},
         bad_row{R"("Ann")", ""},
         bad_row{"null", ""},
         bad_row{std::string(nul_body, sizeof nul_body - 1), ""},
         bad_row{"{\"userName\":\"\xFF\"}", ""}, // not UTF-8
         bad_row{"{\"userName\":\"x\",\"d\":" + nested(32) + "}", ""},
         bad_row{"{}", "userName"},
         bad_row{R"({"userName":null})", "userName"},
         bad_row{R"({"userName":42})", "userName"},
         bad_row{R"({"userName":["Ann"]})", "userName"},
         bad_row{R"({"userName":""})", "userName"},
         bad_row{R"({"userName":"   \t "})", "userName"},
         bad_row{R"({"userName":"Ann\u0000Lee"})", "userName"},
         bad_row{R"({"userName":"Ann\nLee"})", "userName"},
         bad_row{"{\"userName\":\"" + std::string(65, 'a') + "\"}", "userName"},
         bad_row{"{\"userName\":\"" + emoji65 + "\"}", "userName"},
       }) {
    auto e = bad(parse_new_user(r.body), r.body);
    CHECK(e.code == "INVALID_REQUEST");
    CHECK(e.field == r.field);
    CHECK_FALSE(e.message.empty());
  }
  // 31 levels of arrays inside the object: 32 deep, the limit.
  std::string deep = "{\"userName\":\"x\",\"d\":" + nested(31) + "}";
  CHECK(ok(parse_new_user(deep), deep).user_name == "x");
}

TEST_CASE("study api: POST rooms takes a name and a capacity", "[study_api]") {
  api_limits lim;
  lim.max_capacity = 50;
  auto r = ok(parse_new_room(R"({"name":" Library ","capacity":10})", lim), "");
  CHECK(r.name == "Library");
  CHECK(r.capacity == 10);
  CHECK(ok(parse_new_room(R"({"name":"L","capacity":10.0})", lim), "").capacity
        == 10);
  CHECK(ok(parse_new_room(R"({"name":"L","capacity":1})", lim), "").capacity == 1);
  CHECK(ok(parse_new_room(R"({"name":"L","capacity":50})", lim), "").capacity
        == 50);
  CHECK(ok(parse_new_room(R"({"name":"L","capacity":5e1})", lim), "").capacity
        == 50);
  auto longest = "{\"name\":\"" + std::string(100, 'n') + "\",\"capacity\":2}";
  CHECK(ok(parse_new_room(longest, lim), longest).name.size() == 100);

  for (const auto& row : {
         bad_row{"[]", ""},
         bad_row{"{", ""},
         bad_row{R"({"capacity":2})", "name"},
         bad_row{R"({"name":"","capacity":2})", "name"},
         bad_row{R"({"name":"  ","capacity":2})", "name"},
         bad_row{R"({"name":7,"capacity":2})", "name"},
         bad_row{"{\"name\":\"" + std::string(101, 'n') + "\",\"capacity\":2}",
                 "name"},
         bad_row{R"({"name":"L"})", "capacity"},
         bad_row{R"({"name":"L","capacity":null})", "capacity"},
         bad_row{R"({"name":"L","capacity":0})", "capacity"},
         bad_row{R"({"name":"L","capacity":-3})", "capacity"},
         bad_row{R"({"name":"L","capacity":51})", "capacity"},
         bad_row{R"({"name":"L","capacity":51.0})", "capacity"},
         bad_row{R"({"name":"L","capacity":2.5})", "capacity"},
         bad_row{R"({"name":"L","capacity":"10"})", "capacity"},
         bad_row{R"({"name":"L","capacity":true})", "capacity"},
         bad_row{R"({"name":"L","capacity":18446744073709551615})", "capacity"},
         bad_row{R"({"name":"L","capacity":1e300})", "capacity"},
         // The name is checked first.
         bad_row{R"({"name":"","capacity":0})", "name"},
       }) {
    auto e = bad(parse_new_room(row.body, lim), row.body);
    CHECK(e.code == "INVALID_REQUEST");
    CHECK(e.field == row.field);
  }
  auto e = bad(parse_new_room(R"({"name":"L","capacity":51})", lim), "");
  CHECK(e.message == "capacity must be an integer from 1 to 50");
}

TEST_CASE("study api: join and leave take a userId", "[study_api]") {
  CHECK(ok(parse_member(R"({"userId":"u-1"})"), "").user_id == "u-1");
  // Not trimmed: an id is compared as it is.
  CHECK(ok(parse_member(R"({"userId":" u "})"), "").user_id == " u ");
  auto longest = "{\"userId\":\"" + std::string(128, 'u') + "\"}";
  CHECK(ok(parse_member(longest), longest).user_id.size() == 128);
  for (const auto& row : {
         bad_row{"", ""},
         bad_row{"42", ""},
         bad_row{"{}", "userId"},
         bad_row{R"({"userId":""})", "userId"},
         bad_row{R"({"userId":7})", "userId"},
         bad_row{R"({"userId":null})", "userId"},
         bad_row{R"({"userId":{"id":"u"}})", "userId"},
         bad_row{"{\"userId\":\"" + std::string(129, 'u') + "\"}", "userId"},
       }) {
    auto e = bad(parse_member(row.body), row.body);
    CHECK(e.code == "INVALID_REQUEST");
    CHECK(e.field == row.field);
  }
}

TEST_CASE("study api: broadcast keeps data as raw JSON", "[study_api]") {
  auto b = ok(parse_broadcast(
                R"({"event":"room-update","data":{"message":"Room capacity changed","n":[1, 2.5]}})"),
              "");
  CHECK(b.event == "room-update");
  CHECK(b.data == R"({"message":"Room capacity changed","n":[1,2.5]})");
  CHECK(ok(parse_broadcast(R"({"event":"e"})"), "").data.empty());
  CHECK(ok(parse_broadcast(R"({"event":"e","data":null})"), "").data == "null");
  CHECK(ok(parse_broadcast(R"({"event":"e","data":"hi"})"), "").data == R"("hi")");
  CHECK(ok(parse_broadcast(R"({"event":"e","data":0})"), "").data == "0");
  CHECK(ok(parse_broadcast(R"({"event":"e","data":[]})"), "").data == "[]");
  // Socket.IO's reserved names are exact: other cases are ordinary events.
  CHECK(ok(parse_broadcast(R"({"event":"Connect"})"), "").event == "Connect");
  auto longest = "{\"event\":\"" + std::string(64, 'e') + "\"}";
  CHECK(ok(parse_broadcast(longest), longest).event.size() == 64);

  for (const auto& row : {
         bad_row{"[]", ""},
         bad_row{R"({"event":"e","data":)", ""},
         bad_row{"{\"event\":\"e\",\"data\":" + nested(32) + "}", ""},
         bad_row{"{}", "event"},
         bad_row{R"({"data":1})", "event"},
         bad_row{R"({"event":""})", "event"},
         bad_row{R"({"event":3})", "event"},
         bad_row{"{\"event\":\"" + std::string(65, 'e') + "\"}", "event"},
         bad_row{R"({"event":"connect"})", "event"},
         bad_row{R"({"event":"connect_error"})", "event"},
         bad_row{R"({"event":"disconnect"})", "event"},
         bad_row{R"({"event":"disconnecting"})", "event"},
         bad_row{R"({"event":"newListener"})", "event"},
         bad_row{R"({"event":"removeListener"})", "event"},
       }) {
    auto e = bad(parse_broadcast(row.body), row.body);
    CHECK(e.code == "INVALID_REQUEST");
    CHECK(e.field == row.field);
  }
}

TEST_CASE("study api: room ids are namespace path segments", "[study_api]") {
  CHECK(valid_room_id("abc-123-def-456"));
  CHECK(valid_room_id("A.b_c~d-9"));
  CHECK(valid_room_id(std::string(128, 'r')));
  CHECK_FALSE(valid_room_id(""));
  CHECK_FALSE(valid_room_id(std::string(129, 'r')));
  CHECK_FALSE(valid_room_id("a b"));
  CHECK_FALSE(valid_room_id("a%20b"));
  CHECK_FALSE(valid_room_id("a/b"));
  CHECK_FALSE(valid_room_id("\xC3\xA9"));
  CHECK(reserved_event("disconnect"));
  CHECK_FALSE(reserved_event("user-joined"));
}

TEST_CASE("study api: the answers' exact JSON", "[study_api]") {
  // 2026-11-30T10:25:42.123Z
  const std::int64_t t = 1796034342123;
  CHECK(encode_api_error({"INVALID_REQUEST", "userName must be a string", "userName"})
        == R"({"code":"INVALID_REQUEST","message":"userName must be a string","field":"userName"})");
  CHECK(encode_api_error({"UNAVAILABLE", "try again", ""})
        == R"({"code":"UNAVAILABLE","message":"try again"})");
  CHECK(encode_user("u-1", "Ann \"A\"", t)
        == R"({"userId":"u-1","userName":"Ann \"A\"","createdAt":"2026-11-30T10:25:42.123Z"})");
  CHECK(encode_room("r-1", "Library", 10)
        == R"({"roomId":"r-1","name":"Library","capacity":10})");
  CHECK(encode_rooms({}) == R"({"rooms":[]})");
  CHECK(encode_rooms({room_entry{"r-1", "Library", 10, 3, t},
                      room_entry{"r-2", "Café", 2, 0, 0}})
        == R"({"rooms":[{"roomId":"r-1","name":"Library","capacity":10,"currentOccupancy":3,"createdAt":"2026-11-30T10:25:42.123Z"},)"
           R"({"roomId":"r-2","name":"Café","capacity":2,"currentOccupancy":0,"createdAt":"1970-01-01T00:00:00.000Z"}]})");
  CHECK(encode_join("r-1", "u-1", "Ann", t, 4)
        == R"({"roomId":"r-1","userId":"u-1","userName":"Ann","joinedAt":"2026-11-30T10:25:42.123Z","currentOccupancy":4})");
  CHECK(encode_join("r-1", "u-1", "", t, 4)
        == R"({"roomId":"r-1","userId":"u-1","joinedAt":"2026-11-30T10:25:42.123Z","currentOccupancy":4})");
  CHECK(encode_leave("r-1", "u-1", 3)
        == R"({"roomId":"r-1","userId":"u-1","currentOccupancy":3})");
  CHECK(encode_broadcast("r-1", "room-update", 7)
        == R"({"roomId":"r-1","event":"room-update","recipients":7})");
}
