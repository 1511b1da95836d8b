#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "dialect.hpp"
#include "recording_io.hpp"
#include "socketio_dialect.hpp"

using namespace proctord::load;
using json = nlohmann::json;
using proctord::load::testing::recording_io;

namespace {

scenario plan(const std::string& extra = "") {
  return parse_scenario(R"({"dialect": "socketio",
    "url": "ws://127.0.0.1:1/socket.io/", "rooms": 2, "hostsPerRoom": 0,
    "participantsPerRoom": 3)" + extra + "}");
}

/// Answers the study rooms' REST calls as proctord would.
struct fake_study_http : http_api {
  std::vector<std::string> calls; // "METHOD target body"
  std::map<std::string, std::string> bearer_of;
  int users = 0;
  int rooms = 0;
  int user_status = 201;

  http_reply call(std::string_view method, const std::string& target,
                  const std::string& bearer, const std::string& body) override {
    calls.push_back(std::string(method) + " " + target + " " + body);
    bearer_of[target] = bearer;
    if (target == "/api/public/rooms")
      return {201, json({{"roomId", "room" + std::to_string(rooms++)}}).dump(), ""};
    if (target == "/api/public/users") {
      if (user_status != 201)
        return {user_status, R"({"code":"RATE_LIMITED"})", ""};
      return {201, json({{"userId", "u" + std::to_string(users++)}}).dump(), ""};
    }
    return {404, "{}", ""};
  }
};

} // namespace

TEST_CASE("socketio frames: Engine.IO packets") {
  CHECK(sio::parse(R"(0{"sid":"abc","upgrades":[],"pingInterval":25000})").what
        == sio::kind::open);
  CHECK(sio::parse("2").what == sio::kind::ping);
  CHECK(sio::parse("1").what == sio::kind::close);
  CHECK(sio::parse("6").what == sio::kind::engine_other);
  CHECK(sio::parse("").what == sio::kind::bad);
  CHECK(sio::parse("9").what == sio::kind::bad);
  CHECK(sio::parse("4").what == sio::kind::bad);
  CHECK(sio::parse("47").what == sio::kind::bad);
}

TEST_CASE("socketio frames: CONNECT answers and errors with a namespace") {
  auto f = sio::parse(R"(40/public-room/r1,{"sid":"xyz"})");
  CHECK(f.what == sio::kind::connect);
  CHECK(f.nsp == "/public-room/r1");
  CHECK(f.data == R"({"sid":"xyz"})");

  f = sio::parse(R"(40{"sid":"xyz"})");
  CHECK(f.what == sio::kind::connect);
  CHECK(f.nsp == "/");

  f = sio::parse(R"(44/nope,{"message":"Invalid namespace"})");
  CHECK(f.what == sio::kind::connect_error);
  CHECK(f.nsp == "/nope");
  CHECK(sio::string_field(f.data, "message") == "Invalid namespace");

  f = sio::parse("41/public-room/r1,");
  CHECK(f.what == sio::kind::disconnect);
  CHECK(f.nsp == "/public-room/r1");
  CHECK(f.data.empty());
}

TEST_CASE("socketio frames: events with a namespace and an ack id") {
  auto f = sio::parse(R"(42/public-room/r1,["user-joined",{"userId":"u1","currentOccupancy":3}])");
  CHECK(f.what == sio::kind::event);
  CHECK(f.nsp == "/public-room/r1");
  CHECK(f.event == "user-joined");
  CHECK(sio::string_field(f.data, "userId") == "u1");
  CHECK(sio::integer_field(f.data, "currentOccupancy") == 3);

  f = sio::parse(R"(42/a,17["ask",1])");
  CHECK(f.what == sio::kind::event);
  CHECK(f.nsp == "/a");
  CHECK(f.event == "ask");
  CHECK(f.data == R"(["ask",1])");

  f = sio::parse(R"(42["ping"])");
  CHECK(f.what == sio::kind::event);
  CHECK(f.nsp == "/");
  CHECK(f.event == "ping");

  CHECK(sio::parse(R"(42/a,{"not":"an array"})").what == sio::kind::bad);
  CHECK(sio::parse(R"(42/a,[1,2])").what == sio::kind::bad);
  CHECK(sio::parse(R"(42/a,["unterminated)").what == sio::kind::bad);
  CHECK(sio::parse(R"(451-/a,["bin",{"_placeholder":true,"num":0}])").what
        == sio::kind::sio_other);
  CHECK(sio::parse(R"(45/a,["bin"])").what == sio::kind::bad); // no count
  CHECK(sio::parse("43/a,5[]").what == sio::kind::ack);
}

TEST_CASE("socketio frames: what a load client writes") {
  CHECK(sio::connect_packet("/public-room/r1") == "40/public-room/r1,");
  CHECK(sio::connect_packet("/") == "40");
  CHECK(sio::event_packet("/public-room/r1", "pong") == R"(42/public-room/r1,["pong"])");
  CHECK(sio::event_packet("/", "join-room", R"({"userId":"u"})")
        == R"(42["join-room",{"userId":"u"}])");
  // What it writes, it reads back.
  auto packet = sio::event_packet("/x", "join-room", R"({"userId":"u"})");
  auto f = sio::parse(packet);
  CHECK(f.what == sio::kind::event);
  CHECK(f.event == "join-room");
  CHECK(sio::string_field(f.data, "userId") == "u");
}

TEST_CASE("socketio frames: CONNECT with an auth payload") {
  auto auth = sio::token_auth("eyJ.a.b");
  CHECK(json::parse(auth) == json({{"token", "eyJ.a.b"}}));
  CHECK(sio::connect_packet("/", auth) == R"(40{"token":"eyJ.a.b"})");
  CHECK(sio::connect_packet("/x", auth) == R"(40/x,{"token":"eyJ.a.b"})");
  // A token with a quote in it stays one JSON string.
  CHECK(json::parse(sio::token_auth(R"(a"b)"))["token"] == R"(a"b)");
  // The answer, with the pid of connection state recovery.
  auto f = sio::parse(R"(40{"sid":"s1","pid":"p1"})");
  CHECK(f.what == sio::kind::connect);
  CHECK(f.nsp == "/");
  CHECK(sio::string_field(f.data, "pid") == "p1");
  f = sio::parse(R"(44{"message":"UNAUTHORIZED"})");
  CHECK(f.what == sio::kind::connect_error);
  CHECK(sio::string_field(f.data, "message") == "UNAUTHORIZED");
}

TEST_CASE("socketio frames: events sent with an ack id") {
  auto packet = sio::event_packet("/", "submit-answer", R"({"questionId":"q1"})", 7);
  CHECK(packet == R"(427["submit-answer",{"questionId":"q1"}])");
  CHECK(sio::event_packet("/x", "e", "", 0) == R"(42/x,0["e"])");
  CHECK(sio::event_packet("/", "e", "1", 1234567890123)
        == R"(421234567890123["e",1])");
  // What it writes, it reads back with its id.
  auto f = sio::parse(packet);
  CHECK(f.what == sio::kind::event);
  CHECK(f.event == "submit-answer");
  CHECK(f.ack == 7);
  CHECK(sio::string_field(f.data, "questionId") == "q1");
  CHECK(sio::parse(R"(42["e"])").ack == -1);
}

TEST_CASE("socketio frames: acks") {
  auto f = sio::parse(
    R"(437[{"ok":true,"savedAt":"2026-01-01T00:00:00.000Z","answeredCount":3}])");
  CHECK(f.what == sio::kind::ack);
  CHECK(f.nsp == "/");
  CHECK(f.ack == 7);
  CHECK(sio::boolean_field(f.data, "ok") == true);
  CHECK(sio::integer_field(f.data, "answeredCount") == 3);

  f = sio::parse(R"(43/x,12[{"ok":false,"code":"EXAM_ENDED","message":"over"}])");
  CHECK(f.what == sio::kind::ack);
  CHECK(f.nsp == "/x");
  CHECK(f.ack == 12);
  CHECK(sio::boolean_field(f.data, "ok") == false);
  CHECK(sio::string_field(f.data, "code") == "EXAM_ENDED");

  CHECK(sio::parse("43[]").what == sio::kind::bad);       // no id
  CHECK(sio::parse("435").what == sio::kind::bad);        // no arguments
  CHECK(sio::parse(R"(435{"ok":true})").what == sio::kind::bad); // not an array
  CHECK(sio::parse("4399999999999999999999[]").what == sio::kind::bad); // too big
  CHECK_FALSE(sio::boolean_field(R"([{"ok":"yes"}])", "ok").has_value());
  CHECK_FALSE(sio::boolean_field(R"([{}])", "ok").has_value());
}

TEST_CASE("socketio frames: a recovery offset as the last argument") {
  auto text = R"(42["user-joined",{"user":{"userId":"u2"},"participants":[]},"17"])";
  auto f = sio::parse(text);
  CHECK(f.what == sio::kind::event);
  CHECK(f.event == "user-joined");
  CHECK(sio::string_field(f.data, "userId") == "u2"); // the offset is no field
  CHECK(sio::offset_of(f.data) == 17);
  CHECK(sio::offset_of(sio::parse(R"(42["e","0"])").data) == 0);
  // Live-only events carry none; nor do strings that are not offsets.
  CHECK(sio::offset_of(sio::parse(R"(42["cursor-moved",{"userId":"u","cursor":{"line":1,"column":2}}])").data) == -1);
  CHECK(sio::offset_of(R"(["e",{"a":"17"}])") == -1);
  CHECK(sio::offset_of(R"(["e","x17"])") == -1);
  CHECK(sio::offset_of(R"(["e",""])") == -1);
  CHECK(sio::offset_of(R"(["17"])") == -1); // the event's name
  CHECK(sio::offset_of(R"(["e",["a","17"]])") == -1);
}

TEST_CASE("socketio frames: fields are found by their whole key") {
  CHECK(sio::string_field(R"({"xuserId":"a","userId":"b"})", "userId") == "b");
  CHECK(sio::string_field(R"({"userId": 5})", "userId").empty());
  CHECK(sio::string_field(R"({"other":"x"})", "userId").empty());
  CHECK(sio::integer_field(R"({"recipients":100,"event":"e"})", "recipients") == 100);
  CHECK(sio::integer_field(R"({"recipients":"many"})", "recipients") == -1);
  CHECK(sio::integer_field("{}", "recipients") == -1);
}

TEST_CASE("socketio broadcast bodies carry the sender's stamp") {
  auto body = json::parse(sio::broadcast_body("load-notice", 987654321, 64));
  CHECK(body["event"] == "load-notice");
  auto text = body["data"]["text"].get<std::string>();
  CHECK(text.size() == 64);
  // As the server relays it to a socket:
  auto frame = R"(42/public-room/r1,["load-notice",)" + body["data"].dump() + "]";
  CHECK(find_stamp(frame) == 987654321);
}

TEST_CASE("a socketio connection connects to its room's namespace and joins") {
  auto s = plan();
  auto d = make_dialect("socketio");
  REQUIRE(d);
  CHECK(d->check(s).empty());
  CHECK(d->target(s, "ignored") == "/socket.io/?EIO=4&transport=websocket");
  CHECK(d->handshake_in_session());
  room_slot room;
  room.user_ids = {"u0", "u1", "u2"};
  room.publish("r1");
  auto c = d->make_session({role::participant, 1, &room, "i0-r0-p1", "load i0-r0-p1", &s});
  recording_io io;

  c->on_open(io, false);
  CHECK(io.frames.empty()); // waits for Engine.IO's open packet
  c->on_text(io, R"(0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  REQUIRE(io.frames.size() == 1);
  CHECK(io.frames[0] == "40/public-room/r1,");
  CHECK(io.handshakes == 0);

  io.clock += 5'000'000;
  c->on_text(io, R"(40/public-room/r1,{"sid":"s1"})");
  CHECK(io.handshakes == 1);
  REQUIRE(io.frames.size() == 2);
  auto join = sio::parse(io.frames[1]);
  CHECK(join.what == sio::kind::event);
  CHECK(join.nsp == "/public-room/r1");
  CHECK(join.event == "join-room");
  auto args = json::parse(join.data);
  CHECK(args == json::array({"join-room", {{"userId", "u1"}, {"userName", "load i0-r0-p1"}}}));
  CHECK(io.in_room_calls == 0);

  // Someone else's join is presence, not ours.
  c->on_text(io, R"(42/public-room/r1,["user-joined",{"userId":"u0","userName":"x","joinedAt":"2026-01-01T00:00:00.000Z","currentOccupancy":1}])");
  CHECK(io.in_room_calls == 0);
  io.clock += 2'000'000;
  c->on_text(io, R"(42/public-room/r1,["user-joined",{"userId":"u1","userName":"x","joinedAt":"2026-01-01T00:00:00.000Z","currentOccupancy":2}])");
  CHECK(io.in_room_calls == 1);
  CHECK(room.audience.load() == 1);
  CHECK(io.got[tally::presence] == 2);
  REQUIRE(io.latencies.size() == 1);
  CHECK(io.latencies[0] == std::make_pair(latency_kind::join, std::int64_t{2'000'000}));
  CHECK(io.errors.empty());
}

TEST_CASE("a socketio connection answers pings and counts broadcasts") {
  auto s = plan();
  auto d = make_dialect("socketio");
  room_slot room;
  room.user_ids = {"u0", "u1", "u2"};
  room.publish("r1");
  auto c = d->make_session({role::participant, 0, &room, "p", "P", &s});
  recording_io io;
  c->on_open(io, false);
  c->on_text(io, "0{}");
  c->on_text(io, R"(40/public-room/r1,{"sid":"s1"})");
  io.frames.clear();

  c->on_text(io, "2");
  REQUIRE(io.frames.size() == 1);
  CHECK(io.frames[0] == "3");
  c->on_text(io, R"(42/public-room/r1,["ping"])");
  REQUIRE(io.frames.size() == 2);
  CHECK(io.frames[1] == R"(42/public-room/r1,["pong"])");

  auto stamp = io.clock - 3'000'000;
  auto body = json::parse(sio::broadcast_body("load-notice", stamp, 40));
  c->on_text(io, R"(42/public-room/r1,["load-notice",)" + body["data"].dump() + "]");
  CHECK(io.got[tally::room_broadcast] == 1);
  REQUIRE_FALSE(io.latencies.empty());
  CHECK(io.latencies.back() == std::make_pair(latency_kind::delivery, std::int64_t{3'000'000}));

  c->on_text(io, R"(42/public-room/r1,["error",{"code":"JOIN_ERROR","message":"full"}])");
  c->on_text(io, R"(44/public-room/r1,{"message":"nope"})");
  c->on_text(io, R"(42/public-room/other,["load-notice",{}])");
  c->on_text(io, "garbage");
  CHECK(io.errors == std::vector<std::string>{"ERROR:JOIN_ERROR", "CONNECT_ERROR:nope",
                                              "packet for another namespace",
                                              "unparsable frame"});
  CHECK(io.got[tally::room_broadcast] == 1);
}

TEST_CASE("a socketio connection without rooms to join is in at the CONNECT answer") {
  auto s = plan(R"(, "joinRooms": false)");
  auto d = make_dialect("socketio");
  room_slot room;
  room.publish("r9");
  auto c = d->make_session({role::participant, 0, &room, "p", "P", &s});
  recording_io io;
  c->on_open(io, false);
  c->on_text(io, "0{}");
  c->on_text(io, R"(40/public-room/r9,{"sid":"s1"})");
  CHECK(io.handshakes == 1);
  CHECK(io.in_room_calls == 1);
  CHECK(io.frames.size() == 1); // the CONNECT only
}

TEST_CASE("the socketio dialect refuses what it cannot do") {
  auto d = make_dialect("socketio");
  CHECK_FALSE(d->check(plan(R"(, "hostsPerRoom": 1)")).empty());
  CHECK_FALSE(d->check(plan(R"(, "participant": {"heartbeat": {"perSecond": 1}})")).empty());
  CHECK_FALSE(d->check(plan(R"(, "reconnect": {"fraction": 0.5})")).empty());
  CHECK(d->check(plan(R"(, "host": {"announce": {"perSecond": 5, "bytes": 64}})")).empty());
  // Broadcasts without joins: the scenario itself is refused.
  CHECK_THROWS_AS(plan(R"(, "joinRooms": false, "host": {"announce": {"perSecond": 5}})"),
                  scenario_error);
}

TEST_CASE("the socketio dialect creates rooms and a user per connection") {
  auto s = plan();
  auto d = make_dialect("socketio");
  fake_study_http http;
  std::vector<room_slot> rooms(2);
  rooms[0].index = 0;
  rooms[1].index = 1;
  std::vector<client_spec> specs;
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t p = 0; p < 3; ++p)
      specs.push_back({role::participant, p, &rooms[r], "id", "name", &s,
                       "127.0.0." + std::to_string(2 + p % 2)});
  run_context ctx{s, http, rooms, "ADMIN"};
  for (auto& spec : specs)
    ctx.clients.push_back(&spec);
  std::vector<std::string> sources;
  std::mutex m;
  ctx.http_from = [&](const std::string& source) -> std::unique_ptr<http_api> {
    std::lock_guard<std::mutex> guard{m};
    sources.push_back(source);
    struct shared : http_api {
      fake_study_http& to;
      std::mutex& m;
      shared(fake_study_http& t, std::mutex& mm) : to(t), m(mm) {}
      http_reply call(std::string_view a, const std::string& b, const std::string& c,
                      const std::string& e) override {
        std::lock_guard<std::mutex> guard{m};
        return to.call(a, b, c, e);
      }
    };
    return std::make_unique<shared>(http, m);
  };

  d->before_ramp(ctx);
  CHECK(rooms[0].ready.load());
  CHECK(rooms[0].id() == "room0");
  CHECK(rooms[1].id() == "room1");
  CHECK(http.bearer_of["/api/public/rooms"] == "ADMIN");
  CHECK(http.users == 6);
  std::sort(sources.begin(), sources.end());
  CHECK(sources == std::vector<std::string>{"127.0.0.2", "127.0.0.3"});
  std::set<std::string> ids;
  for (auto& room : rooms)
    for (std::size_t p = 0; p < 3; ++p) {
      CHECK_FALSE(room.user_id(p).empty());
      ids.insert(room.user_id(p));
    }
  CHECK(ids.size() == 6);
  CHECK(rooms[0].user_id(3).empty());

  // A refused user stops the run before any connection.
  fake_study_http refusing;
  refusing.user_status = 429;
  std::vector<room_slot> rooms2(2);
  run_context ctx2{s, refusing, rooms2, "ADMIN"};
  for (auto& spec : specs)
    ctx2.clients.push_back(&spec);
  ctx2.http_from = [&](const std::string&) -> std::unique_ptr<http_api> {
    struct one : http_api {
      http_reply call(std::string_view, const std::string&, const std::string&,
                      const std::string&) override {
        return {429, "{}", ""};
      }
    };
    return std::make_unique<one>();
  };
  CHECK_THROWS_WITH(d->before_ramp(ctx2), Catch::Contains("--public-user-rate"));
}

TEST_CASE("the socketio example scenarios suit the dialect") {
  auto d = make_dialect("socketio");
  for (auto name : {"sio-idle", "sio-storm", "sio-fanout"}) {
    INFO(name);
    auto s = load_scenario(std::string(PROCTORD_SOURCE_DIR) + "/tools/scenarios/" + name
                           + ".json");
    CHECK(s.dialect == "socketio");
    CHECK(d->check(s).empty());
  }
}
