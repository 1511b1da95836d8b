#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "dialect.hpp"
#include "recording_io.hpp"

using namespace proctord::load;
using proctord::load::testing::recording_io;

namespace {

scenario probe_plan(bool ticks = false) {
  return parse_scenario(std::string(R"({"dialect": "probe", "url": "ws://127.0.0.1:1/probe",
    "rooms": 1, "participantsPerRoom": 3,
    "host": {"announce": {"perSecond": 1, "bytes": 64}},
    "contest": {"recordTicks": )") + (ticks ? "true" : "false") + "}}");
}

} // namespace

TEST_CASE("a probe sender names its room and publishes it once the probe answers") {
  auto s = probe_plan();
  auto d = make_dialect("probe");
  REQUIRE(d);
  CHECK(d->check(s).empty());
  CHECK(d->target(s, "TOK") == "/probe");
  room_slot room;
  auto host = d->make_session({role::host, 0, &room, "i0-r0-h0", "H", &s});
  recording_io io;

  host->on_open(io, false);
  REQUIRE(io.frames.size() == 1);
  CHECK(io.frames[0] == "i0-r0-h0");
  CHECK_FALSE(host->act(io, action::announce)); // not in the room yet
  CHECK_FALSE(room.ready.load());

  host->on_text(io, "J");
  CHECK(io.in_room_calls == 1);
  CHECK(room.ready.load());
  CHECK(room.id() == "i0-r0-h0");
  CHECK(room.audience.load() == 3);

  REQUIRE(host->act(io, action::announce));
  CHECK(io.frames.back().size() == 64);
  CHECK(find_stamp(io.frames.back()) == io.clock);
  CHECK(io.expected[tally::announcement] == 3);
  CHECK_FALSE(host->act(io, action::heartbeat));
}

TEST_CASE("a probe receiver joins the published room and times each announcement") {
  auto s = probe_plan(true);
  auto d = make_dialect("probe");
  room_slot room;
  room.publish("i0-r0-h0");
  auto p = d->make_session({role::participant, 1, &room, "i0-r0-p1", "P", &s});
  recording_io io;

  p->on_open(io, false);
  CHECK(io.frames.at(0) == "i0-r0-h0");
  p->on_text(io, "J");
  CHECK(io.in_room_calls == 1);
  CHECK_FALSE(p->act(io, action::announce)); // receivers never send

  auto text = stamped_text(io.clock, 64);
  io.clock += 1'500'000;
  p->on_text(io, text);
  CHECK(io.got[tally::announcement] == 1);
  REQUIRE(io.latencies.size() == 2); // join, then the delivery
  CHECK(io.latencies[1] == std::make_pair(latency_kind::delivery, std::int64_t{1'500'000}));
  REQUIRE(io.ticks.size() == 1);
  CHECK(io.ticks[0].at_us == io.wall);
  CHECK(io.ticks[0].due_us == io.wall - 1500);
}

TEST_CASE("the probe dialect refuses actions the probe would relay") {
  auto d = make_dialect("probe");
  auto s = parse_scenario(R"({"dialect": "probe", "url": "ws://127.0.0.1:1/probe",
    "rooms": 1, "participantsPerRoom": 3,
    "participant": {"heartbeat": {"perSecond": 0.04}}})");
  CHECK_THAT(d->check(s), Catch::Contains("announcements only"));
  s.hosts_per_room = 2;
  CHECK_THAT(d->check(s), Catch::Contains("exactly one sender"));
}

TEST_CASE("a native host times a candidate's violation from its send") {
  auto s = parse_scenario(R"({"url": "ws://127.0.0.1:1/ws", "rooms": 1,
    "participantsPerRoom": 1, "participant": {"violation": {"perSecond": 1}}})");
  auto d = make_dialect("native");
  room_slot room;
  auto host = d->make_session({role::host, 0, &room, "h", "H", &s});
  auto cand = d->make_session({role::participant, 0, &room, "u7", "U", &s});
  recording_io hio, cio;
  host->on_open(hio, false);
  host->on_text(hio, R"({"type":"ROOM_CREATED","seq":1,"data":{"roomId":"Ab3dE9","roomname":"r"}})");
  cand->on_open(cio, false);
  cand->on_text(cio, R"({"type":"JOIN_APPROVED","seq":1,"data":{"roomId":"Ab3dE9"}})");
  hio.latencies.clear();

  cio.clock = 5'000'000'000;
  REQUIRE(cand->act(cio, action::violation)); // FULLSCREEN_EXIT
  cio.clock = 5'100'000'000;
  REQUIRE(cand->act(cio, action::violation)); // TAB_BLUR, refused below
  cio.clock = 5'200'000'000;
  REQUIRE(cand->act(cio, action::violation)); // FULLSCREEN_EXIT
  cand->on_text(cio, R"({"type":"ERROR","code":"RATE_LIMITED","requestType":"TAB_BLUR"})");

  // A DISCONNECT is the server's own: not timed, not matched.
  hio.clock = 5'300'000'000;
  host->on_text(hio, R"({"type":"VIOLATION_DETECTED","seq":2,"data":{"userId":"u7","violationType":"DISCONNECT"}})");
  CHECK(hio.latencies.empty());
  host->on_text(hio, R"({"type":"VIOLATION_DETECTED","seq":3,"data":{"userId":"u7","violationType":"FULLSCREEN_EXIT","violationCount":1}})");
  hio.clock = 5'400'000'000;
  host->on_text(hio, R"({"type":"VIOLATION_DETECTED","seq":4,"data":{"userId":"u7","violationType":"FULLSCREEN_EXIT","violationCount":2}})");
  // Nothing left in flight: a stray one is counted, not timed.
  host->on_text(hio, R"({"type":"VIOLATION_DETECTED","seq":5,"data":{"userId":"u7","violationType":"TAB_SWITCH","violationCount":3}})");
  CHECK(hio.got[tally::violation] == 3);
  REQUIRE(hio.latencies.size() == 2);
  CHECK(hio.latencies[0] == std::make_pair(latency_kind::delivery, std::int64_t{300'000'000}));
  // The refusal dropped the latest send (5.2 s): the second receipt is
  // matched with the second send (5.1 s).
  CHECK(hio.latencies[1] == std::make_pair(latency_kind::delivery, std::int64_t{300'000'000}));
}
