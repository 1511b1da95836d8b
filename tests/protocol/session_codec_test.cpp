// The collaborative sessions' Socket.IO events (seed 003): what a client may
// send and what it receives, byte for byte.

#include "protocol/session.hpp"
#include "protocol/socketio/messages.hpp"

#include <catch2/catch.hpp>

using namespace proctord::protocol;
namespace s = proctord::protocol::session;

namespace {

template <class Cmd>
Cmd decoded(std::string_view name, std::string_view args) {
  auto c = s::decode(name, args);
  REQUIRE(c);
  INFO(name << " " << args);
  REQUIRE(std::holds_alternative<Cmd>(*c));
  return std::get<Cmd>(*c);
}

std::string text(s::event e) {
  auto w = s::encode(e);
  return std::string{w.name} + " " + w.args;
}

// 2023-11-14T22:13:20.123Z
constexpr std::int64_t t0 = 1700000000123;

s::participant ann() {
  return s::participant{"u-1", "Ann \"A\"", "instructor", true, std::nullopt, t0};
}

s::participant bob() {
  return s::participant{"u-2", "Bob", "learner", false, s::cursor{3, 14}, t0 + 1000};
}

} // namespace

TEST_CASE("session codec: the commands of the seed's SocketEvents", "[session]") {
  auto j = decoded<s::cmd::join_session>(
    "join-session",
    R"({"sessionId":"s-1","userInfo":{"userId":"x","role":"instructor"}})");
  CHECK(j.session_id == "s-1");
  // userInfo is optional and never read.
  CHECK(decoded<s::cmd::join_session>("join-session", R"({"sessionId":"s-2"})")
          .session_id == "s-2");
  decoded<s::cmd::leave_session>("leave-session", "");
  decoded<s::cmd::leave_session>("leave-session", R"({"whatever":1})");
  auto c = decoded<s::cmd::cursor_update>("cursor-update", R"({"line":12,"column":0})");
  CHECK(c.at.line == 12);
  CHECK(c.at.column == 0);
  // JavaScript's 4.0 is 4.
  CHECK(decoded<s::cmd::cursor_update>("cursor-update", R"({"line":4.0,"column":2147483647})")
          .at.column == 2147483647);
  CHECK(decoded<s::cmd::activity_status>("activity-status", R"({"isActive":true})").is_active);
  CHECK_FALSE(
    decoded<s::cmd::activity_status>("activity-status", R"({"isActive":false})").is_active);
}

TEST_CASE("session codec: a bad payload is INVALID_PAYLOAD naming the field",
          "[session]") {
  struct row {
    const char* name;
    std::string args;
    const char* says;
  };
  std::string long_id(129, 'x');
  for (auto& r : {row{"join-session", "", "payload must be an object"},
                  row{"join-session", "42", "payload must be an object"},
                  row{"join-session", R"("s-1")", "payload must be an object"},
                  row{"join-session", "[1]", "payload must be an object"},
                  row{"join-session", R"({"userInfo":{}})", "sessionId must be a non-empty string"},
                  row{"join-session", R"({"sessionId":7})", "sessionId must be a non-empty string"},
                  row{"join-session", R"({"sessionId":""})", "sessionId must be a non-empty string"},
                  row{"join-session", R"({"sessionId":null})", "sessionId must be a non-empty string"},
                  row{"join-session", "{\"sessionId\":\"" + long_id + "\"}",
                      "sessionId must be at most 128 bytes"},
                  row{"cursor-update", "", "payload must be an object"},
                  row{"cursor-update", R"({"column":1})", "line must be an integer"},
                  row{"cursor-update", R"({"line":"1","column":1})", "line must be an integer"},
                  row{"cursor-update", R"({"line":-1,"column":1})", "line must be an integer"},
                  row{"cursor-update", R"({"line":1.5,"column":1})", "line must be an integer"},
                  row{"cursor-update", R"({"line":1})", "column must be an integer"},
                  row{"cursor-update", R"({"line":1,"column":2147483648})", "column must be an integer"},
                  row{"cursor-update", R"({"line":1,"column":null})", "column must be an integer"},
                  row{"activity-status", "", "payload must be an object"},
                  row{"activity-status", R"({})", "isActive must be a boolean"},
                  row{"activity-status", R"({"isActive":1})", "isActive must be a boolean"},
                  row{"activity-status", R"({"isActive":"true"})", "isActive must be a boolean"}}) {
    auto bad = decoded<s::cmd::invalid>(r.name, r.args);
    CHECK_THAT(bad.message, Catch::Contains(r.says));
  }
}

TEST_CASE("session codec: events sessions do not know are ignored", "[session]") {
  CHECK_FALSE(s::decode("chat", R"({"text":"hi"})"));
  CHECK_FALSE(s::decode("session-joined", R"({"sessionId":"s-1"})"));
  CHECK_FALSE(s::decode("", ""));
}

TEST_CASE("session codec: every event's payload as the seed shows it", "[session]") {
  const std::string a
    = R"({"userId":"u-1","name":"Ann \"A\"","role":"instructor","isActive":true,"cursor":null,"joinedAt":"2023-11-14T22:13:20.123Z"})";
  const std::string b
    = R"({"userId":"u-2","name":"Bob","role":"learner","isActive":false,"cursor":{"line":3,"column":14},"joinedAt":"2023-11-14T22:13:21.123Z"})";
  CHECK(text(s::evt::session_joined{"s-1", {ann(), bob()}})
        == "session-joined " R"({"sessionId":"s-1","participants":[)" + a + "," + b + "]}");
  CHECK(text(s::evt::session_joined{"s-1", {}})
        == R"(session-joined {"sessionId":"s-1","participants":[]})");
  CHECK(text(s::evt::user_joined{bob(), {ann(), bob()}})
        == "user-joined {\"user\":" + b + ",\"participants\":[" + a + "," + b + "]}");
  CHECK(text(s::evt::user_left{"u-2", bob(), {ann()}})
        == "user-left {\"userId\":\"u-2\",\"user\":" + b + ",\"participants\":[" + a + "]}");
  CHECK(text(s::evt::cursor_moved{"u-2", s::cursor{7, 0}})
        == R"(cursor-moved {"userId":"u-2","cursor":{"line":7,"column":0}})");
  CHECK(text(s::evt::user_activity_changed{"u-2", false})
        == R"(user-activity-changed {"userId":"u-2","isActive":false})");
  CHECK(text(s::evt::session_closed{"s-1", "inactive"})
        == R"(session-closed {"sessionId":"s-1","reason":"inactive"})");
  CHECK(text(s::evt::error{s::error_code::not_in_session, "join a session first"})
        == R"(error {"code":"NOT_IN_SESSION","message":"join a session first"})");
}

TEST_CASE("session codec: a logged event carries its offset as the last argument",
          "[session]") {
  auto w = s::encode(s::evt::user_activity_changed{"u-2", true});
  socketio::out::emit e{std::string{w.name}, w.args, {}, std::nullopt, "17"};
  CHECK(*socketio::encode("/", socketio::outgoing{e}).text
        == R"(42["user-activity-changed",{"userId":"u-2","isActive":true},"17"])");
}

TEST_CASE("session codec: every error code has its wire name", "[session]") {
  using s::error_code;
  CHECK(s::to_string(error_code::session_not_found) == "SESSION_NOT_FOUND");
  CHECK(s::to_string(error_code::not_in_session) == "NOT_IN_SESSION");
  CHECK(s::to_string(error_code::invalid_payload) == "INVALID_PAYLOAD");
  CHECK(s::to_string(error_code::forbidden) == "FORBIDDEN");
  CHECK(s::to_string(error_code::session_replaced) == "SESSION_REPLACED");
  CHECK(s::to_string(error_code::rate_limited) == "RATE_LIMITED");
  CHECK(s::to_string(error_code::store_unavailable) == "STORE_UNAVAILABLE");
}
