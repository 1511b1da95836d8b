#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "dialect.hpp"
#include "recording_io.hpp"
#include "sio_live.hpp"

using namespace proctord::load;
using json = nlohmann::json;
using proctord::load::testing::recording_io;

namespace {

scenario plan(const std::string& extra = "") {
  return parse_scenario(R"({"dialect": "sio-session",
    "url": "ws://127.0.0.1:1/api/socket/", "rooms": 2, "hostsPerRoom": 1,
    "participantsPerRoom": 3, "participant": {"cursor": {"perSecond": 10}})"
                        + extra + "}");
}

/// The arguments of an event frame this client sent on "/".
json args_of(const std::string& frame) {
  auto f = sio::parse(frame);
  REQUIRE(f.what == sio::kind::event);
  REQUIRE(f.nsp == "/");
  return json::parse(f.data);
}

/// Through Engine.IO's open and the CONNECT answer.
void connect(dialect_session& c, recording_io& io) {
  c.on_open(io, false);
  c.on_text(io, R"(0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  c.on_text(io, R"(40{"sid":"s1","pid":"p1"})");
}

} // namespace

TEST_CASE("cursor stamps carry the sender's clock to the microsecond") {
  std::int64_t sent = 987'654'321'123'000; // ns
  auto at = sio::stamp_cursor(sent);
  CHECK(at.line >= 0);
  CHECK(at.column >= 0);
  CHECK(at.column <= 999);
  CHECK(sio::cursor_age_ns(at.line, at.column, sent) == 0);
  CHECK(sio::cursor_age_ns(at.line, at.column, sent + 4'250'000) == 4'250'000);
  // Across the wrap of the 2^31 ms clock: sent 1 µs before, read 1 µs after.
  std::int64_t wrap_ns = (std::int64_t{1} << 31) * 1'000'000;
  auto before = sio::stamp_cursor(wrap_ns - 1000);
  CHECK(before.line == 2147483647);
  CHECK(before.column == 999);
  CHECK(sio::cursor_age_ns(before.line, before.column, wrap_ns + 1000) == 2000);
  // What no stamp looks like.
  CHECK(sio::cursor_age_ns(1, 1000, sent) == -1);
  CHECK(sio::cursor_age_ns(-1, 0, sent) == -1);
  CHECK(sio::cursor_age_ns(1, -1, sent) == -1);
}

TEST_CASE("an sio-session instructor opens its session and lets the learners in") {
  auto s = plan();
  auto d = make_dialect("sio-session");
  REQUIRE(d);
  CHECK(d->check(s).empty());
  CHECK(d->target(s, "TOKEN") == "/api/socket/?EIO=4&transport=websocket");
  CHECK(d->role_claim(role::host) == "instructor");
  CHECK(d->role_claim(role::participant) == "learner");
  CHECK(d->handshake_in_session());
  room_slot room;
  room.index = 3;
  auto c = d->make_session(
    {role::host, 0, &room, "i0-r3-h0", "load i0-r3-h0", &s, "", "TOKEN"});
  recording_io io;

  c->on_open(io, false);
  CHECK(io.frames.empty()); // waits for Engine.IO's open packet
  c->on_text(io, R"(0{"sid":"e1","upgrades":[],"pingInterval":25000})");
  REQUIRE(io.frames.size() == 1);
  CHECK(io.frames[0] == R"(40{"token":"TOKEN"})");
  CHECK(io.handshakes == 0);
  c->on_text(io, R"(40{"sid":"s1","pid":"p1"})");
  CHECK(io.handshakes == 1);
  REQUIRE(io.frames.size() == 2);
  auto join = args_of(io.frames[1]);
  REQUIRE(join.size() == 2);
  CHECK(join[0] == "join-session");
  auto id = join[1]["sessionId"].get<std::string>();
  CHECK(id.rfind("load-", 0) == 0);
  CHECK(id.size() > 12);
  CHECK(id.substr(id.size() - 6) == "-i0-r3");
  CHECK(join[1]["userInfo"] == json({{"userId", "i0-r3-h0"},
                                     {"name", "load i0-r3-h0"},
                                     {"role", "instructor"}}));

  // Another run's session is not ours.
  c->on_text(io, R"(42["session-joined",{"sessionId":"other","participants":[]},"1"])");
  CHECK(io.in_room_calls == 0);
  CHECK_FALSE(room.ready.load());
  io.clock += 3'000'000;
  c->on_text(io, R"(42["session-joined",{"sessionId":")" + id
                   + R"(","participants":[{"userId":"i0-r3-h0"}]},"2"])");
  CHECK(io.in_room_calls == 1);
  CHECK(room.audience.load() == 1);
  CHECK(room.ready.load());
  CHECK(room.id() == id);
  REQUIRE(io.latencies.size() == 1);
  CHECK(io.latencies[0] == std::make_pair(latency_kind::join, std::int64_t{3'000'000}));
  CHECK(io.errors == std::vector<std::string>{"session-joined for another session"});

  // Two sessions of one run have two ids; another run's dialect, others.
  room_slot room2;
  room2.index = 4;
  auto c2 = d->make_session({role::host, 0, &room2, "i0-r4-h0", "x", &s, "", "T2"});
  recording_io io2;
  connect(*c2, io2);
  auto id2 = args_of(io2.frames.back())[1]["sessionId"].get<std::string>();
  CHECK(id2 != id);
  CHECK(id2.substr(0, id2.size() - 6) == id.substr(0, id.size() - 6));
  auto c3 = make_dialect("sio-session")->make_session(
    {role::host, 0, &room, "i0-r3-h0", "x", &s, "", "T"});
  recording_io io3;
  connect(*c3, io3);
  CHECK(args_of(io3.frames.back())[1]["sessionId"] != id);
}

TEST_CASE("an sio-session learner joins, moves its cursor and times the others'") {
  auto s = plan();
  auto d = make_dialect("sio-session");
  room_slot room;
  room.publish("S1");
  auto c = d->make_session({role::participant, 1, &room, "i0-r0-p1", "load i0-r0-p1",
                            &s, "", "TOKEN"});
  recording_io io;
  connect(*c, io);
  REQUIRE(io.frames.size() == 2);
  auto join = args_of(io.frames[1]);
  CHECK(join[1]["sessionId"] == "S1");
  CHECK(join[1]["userInfo"]["role"] == "learner");
  CHECK_FALSE(c->act(io, action::cursor)); // not in yet

  c->on_text(io, R"(42["session-joined",{"sessionId":"S1","participants":[]},"2"])");
  CHECK(io.in_room_calls == 1);
  c->on_text(io, R"(42["user-joined",{"user":{"userId":"u9"},"participants":[]},"3"])");
  c->on_text(io, R"(42["user-activity-changed",{"userId":"u9","isActive":false},"4"])");
  CHECK(io.got[tally::user_joined] == 1);
  CHECK(io.got[tally::presence] == 1);

  // Someone's cursor, stamped 4 ms ago.
  auto at = sio::stamp_cursor(io.clock - 4'000'000);
  c->on_text(io, R"(42["cursor-moved",{"userId":"u9","cursor":{"line":)"
                   + std::to_string(at.line) + R"(,"column":)" + std::to_string(at.column)
                   + "}}]");
  CHECK(io.got[tally::cursor_moved] == 1);
  CHECK(io.latencies.back() == std::make_pair(latency_kind::delivery, std::int64_t{4'000'000}));

  // Its own: stamped now, for the others joined (two besides itself).
  room.audience.fetch_add(2);
  io.frames.clear();
  CHECK(c->act(io, action::cursor));
  REQUIRE(io.frames.size() == 1);
  auto update = args_of(io.frames[0]);
  CHECK(update[0] == "cursor-update");
  auto mine = sio::stamp_cursor(io.clock);
  CHECK(update[1] == json({{"line", mine.line}, {"column", mine.column}}));
  CHECK(io.expected[tally::cursor_moved] == 2);
  CHECK_FALSE(c->act(io, action::submit)); // not a session's action
  CHECK(io.errors.empty());

  // Offsets never go back; an error repeats the last one; a cursor has none.
  c->on_text(io, R"(42["error",{"code":"RATE_LIMITED","message":"slow down"},"4"])");
  c->on_text(io, R"(42["user-left",{"userId":"u9"},"3"])");
  c->on_text(io, R"(42["cursor-moved",{"userId":"u9","cursor":{"line":1,"column":2}},"5"])");
  c->on_text(io, R"(42["cursor-moved",{"userId":"u9","cursor":{"line":1,"column":5000}}])");
  c->on_text(io, R"(42["mystery",{}])");
  CHECK(io.errors == std::vector<std::string>{"ERROR:RATE_LIMITED", "offset out of order",
                                              "offset on cursor-moved",
                                              "cursor-moved without a stamp",
                                              "unexpected event mystery"});

  // A closed session ends the socket's actions.
  io.errors.clear();
  c->on_text(io, R"(42["session-closed",{"sessionId":"S1","reason":"inactive"},"9"])");
  CHECK(io.errors == std::vector<std::string>{"session-closed:inactive"});
  CHECK(room.audience.load() == 2);
  CHECK_FALSE(c->act(io, action::cursor));
}

TEST_CASE("an sio-session socket reports a refused CONNECT and a DISCONNECT") {
  auto s = plan();
  room_slot room;
  room.publish("S1");
  auto c = make_dialect("sio-session")->make_session(
    {role::participant, 0, &room, "p", "P", &s, "", "BAD"});
  recording_io io;
  c->on_open(io, false);
  c->on_text(io, "0{}");
  c->on_text(io, R"(44{"message":"UNAUTHORIZED"})");
  CHECK(io.handshakes == 0);
  c->on_text(io, "2");
  CHECK(io.frames.back() == "3"); // Engine.IO's ping still answered
  c->on_text(io, R"(40/public-room/r1,{"sid":"x"})");
  c->on_text(io, "41");
  CHECK(io.errors == std::vector<std::string>{"CONNECT_ERROR:UNAUTHORIZED",
                                              "packet for another namespace",
                                              "DISCONNECT"});
}

TEST_CASE("the sio-session dialect refuses what it cannot do") {
  auto d = make_dialect("sio-session");
  CHECK_FALSE(d->check(plan(R"(, "hostsPerRoom": 0)")).empty());
  CHECK(d->check(plan(R"(, "hostsPerRoom": 0, "joinRooms": false,
                         "participant": {})")).empty());
  CHECK_FALSE(d->check(plan(R"(, "host": {"heartbeat": {"perSecond": 1}})")).empty());
  CHECK_FALSE(d->check(plan(R"(, "participant": {"submit": {"perSecond": 1}})")).empty());
  CHECK_FALSE(d->check(plan(R"(, "reconnect": {"fraction": 0.5})")).empty());
  auto query = plan();
  query.url.path = "/api/socket/?x=1";
  CHECK_FALSE(d->check(query).empty());
  CHECK(d->check(plan(R"(, "host": {"cursor": {"perSecond": 2}})")).empty());
  // The other dialects move no cursors.
  CHECK_FALSE(make_dialect("native")->check(plan()).empty());
  CHECK(make_dialect("native")->check(plan(R"(, "participant": {})")).empty());
  CHECK_FALSE(make_dialect("socketio")->check(plan(R"(, "hostsPerRoom": 0)")).empty());
  CHECK(make_dialect("socketio")->check(plan(R"(, "hostsPerRoom": 0, "participant": {})")).empty());
}

TEST_CASE("the sio-session example scenario suits the dialect") {
  auto s = load_scenario(std::string(PROCTORD_SOURCE_DIR) + "/tools/scenarios/sio-session.json");
  CHECK(s.dialect == "sio-session");
  CHECK(s.url.path == "/api/socket/");
  CHECK(s.participant.cursor.enabled());
  CHECK(make_dialect("sio-session")->check(s).empty());
}
