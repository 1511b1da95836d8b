// The study rooms' Socket.IO events (seed 002): what a client may send and
// what it receives, byte for byte.

#include "protocol/socketio/messages.hpp"
#include "protocol/study.hpp"

#include <catch2/catch.hpp>

using namespace proctord::protocol;

TEST_CASE("study codec: join-room and leave-room take the userId", "[study]") {
  auto j = study::decode("join-room", R"({"userId":"u-1","userName":"Ann"})");
  REQUIRE(j);
  REQUIRE(std::holds_alternative<study::cmd::join_room>(*j));
  CHECK(std::get<study::cmd::join_room>(*j).user_id == "u-1");
  auto l = study::decode("leave-room", R"( {"userId":"u-2"} )");
  REQUIRE(l);
  REQUIRE(std::holds_alternative<study::cmd::leave_room>(*l));
  CHECK(std::get<study::cmd::leave_room>(*l).user_id == "u-2");
  auto p = study::decode("pong", "");
  REQUIRE(p);
  CHECK(std::holds_alternative<study::cmd::pong>(*p));
}

TEST_CASE("study codec: a bad payload is INVALID_REQUEST naming the field",
          "[study]") {
  struct row {
    const char* name;
    const char* args;
    const char* says;
  };
  for (auto r : {row{"join-room", "", "payload"},
                 row{"join-room", "42", "payload"},
                 row{"join-room", R"("u-1")", "payload"},
                 row{"join-room", R"({"userName":"Ann"})", "userId"},
                 row{"join-room", R"({"userId":7})", "userId"},
                 row{"join-room", R"({"userId":""})", "userId"},
                 row{"leave-room", R"({"userId":null})", "userId"},
                 row{"leave-room", "[1]", "payload"}}) {
    INFO(r.name << " " << r.args);
    auto c = study::decode(r.name, r.args);
    REQUIRE(c);
    REQUIRE(std::holds_alternative<study::cmd::invalid>(*c));
    CHECK_THAT(std::get<study::cmd::invalid>(*c).message,
               Catch::Contains(r.says));
  }
  std::string long_id(129, 'x');
  auto c = study::decode("join-room", "{\"userId\":\"" + long_id + "\"}");
  REQUIRE(c);
  CHECK(std::holds_alternative<study::cmd::invalid>(*c));
}

TEST_CASE("study codec: events the rooms do not know are ignored", "[study]") {
  CHECK_FALSE(study::decode("chat", R"({"text":"hi"})"));
  CHECK_FALSE(study::decode("", ""));
}

TEST_CASE("study codec: the seed's events on the room's namespace", "[study]") {
  auto text = [](study::event e) {
    return *socketio::encode("/public-room/r1", socketio::outgoing{std::move(e)}).text;
  };
  CHECK(text(study::evt::user_joined{"u-1", "Ann \"A\"", 1700000000123, 2})
        == R"(42/public-room/r1,["user-joined",{"userId":"u-1","userName":"Ann \"A\"","joinedAt":"2023-11-14T22:13:20.123Z","currentOccupancy":2}])");
  CHECK(text(study::evt::user_left{"u-1", 1})
        == R"(42/public-room/r1,["user-left",{"userId":"u-1","currentOccupancy":1}])");
  CHECK(text(study::evt::error{study::error_code::too_many_connections, "at most 2"})
        == R"(42/public-room/r1,["error",{"code":"TOO_MANY_CONNECTIONS","message":"at most 2"}])");
  CHECK(text(study::evt::ping{}) == R"(42/public-room/r1,["ping"])");
}

TEST_CASE("study codec: every error code has the seed's name", "[study]") {
  using study::error_code;
  CHECK(study::to_string(error_code::connection_error) == "CONNECTION_ERROR");
  CHECK(study::to_string(error_code::invalid_request) == "INVALID_REQUEST");
  CHECK(study::to_string(error_code::invalid_user) == "INVALID_USER");
  CHECK(study::to_string(error_code::room_not_found) == "ROOM_NOT_FOUND");
  CHECK(study::to_string(error_code::join_error) == "JOIN_ERROR");
  CHECK(study::to_string(error_code::leave_error) == "LEAVE_ERROR");
  CHECK(study::to_string(error_code::connection_timeout) == "CONNECTION_TIMEOUT");
}

TEST_CASE("socketio outgoing: raw emits and acks keep their bytes", "[socketio]") {
  namespace out = socketio::out;
  auto f = socketio::encode("/", out::emit{"message-back", R"(1,"2",{"3":[true]})", {}, std::nullopt, {}});
  CHECK(*f.text == R"(42["message-back",1,"2",{"3":[true]}])");
  CHECK(f.binary.empty());
  f = socketio::encode("/custom", out::emit{"auth", "{}", {}, std::nullopt, {}});
  CHECK(*f.text == R"(42/custom,["auth",{}])");
  f = socketio::encode("/", out::emit{"question", "1", {}, 4, {}});
  CHECK(*f.text == R"(424["question",1])");
  f = socketio::encode("/", out::ack{456, R"(1,"2")", {}});
  CHECK(*f.text == R"(43456[1,"2"])");
  f = socketio::encode("/", out::emit{"message-back", R"({"_placeholder":true,"num":0})",
                                       {std::string("\x01\x02", 2)}, std::nullopt, {}});
  CHECK(*f.text == R"(451-["message-back",{"_placeholder":true,"num":0}])");
  REQUIRE(f.binary.size() == 1);
  CHECK(*f.binary[0] == std::string("\x01\x02", 2));
  f = socketio::encode("/", out::ack{789, R"({"_placeholder":true,"num":0})", {"ab"}});
  CHECK(*f.text == R"(461-789[{"_placeholder":true,"num":0}])");
  f = socketio::encode("/random", out::refused{"Invalid namespace", {}});
  CHECK(*f.text == R"(44/random,{"message":"Invalid namespace"})");
  f = socketio::encode("/x", out::connected{"abc", {}});
  CHECK(*f.text == R"(40/x,{"sid":"abc"})");
  f = socketio::encode("/x", out::disconnect{});
  CHECK(*f.text == "41/x,");
}

#include "protocol/keyed_hash.hpp"

TEST_CASE("keyed hash: HMAC-SHA256 as hex (RFC 4231 test case 2)", "[study]") {
  CHECK(proctord::protocol::keyed_hash("Jefe", "what do ya want for nothing?")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(proctord::protocol::keyed_hash("k1", "127.0.0.1")
        != proctord::protocol::keyed_hash("k2", "127.0.0.1"));
}
