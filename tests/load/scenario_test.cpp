#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "dialect.hpp"
#include "scenario.hpp"

using namespace proctord::load;

namespace {

const char* minimal = R"({"url": "ws://127.0.0.1:5050/ws", "rooms": 3,
                          "participantsPerRoom": 4})";

/// The message of the scenario_error `json` raises.
std::string error_of(const std::string& json,
                     const std::vector<std::string>& overrides = {}) {
  try {
    parse_scenario(json, overrides);
  } catch (const scenario_error& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("a minimal scenario gets the documented defaults") {
  auto s = parse_scenario(minimal);
  CHECK(s.dialect == "native");
  CHECK(s.url.host == "127.0.0.1");
  CHECK(s.url.port == 5050);
  CHECK(s.url.path == "/ws");
  CHECK(s.rooms == 3);
  CHECK(s.hosts_per_room == 1);
  CHECK(s.participants_per_room == 4);
  CHECK(s.connections() == 15);
  CHECK(s.duration_seconds == 10);
  CHECK(s.room_start);
  CHECK_FALSE(s.room_public);
  CHECK_FALSE(s.host.announce.enabled());
  CHECK(s.measure == headline::delivery);
  CHECK(s.server_stats);
}

TEST_CASE("a full scenario is read into every field") {
  auto s = parse_scenario(R"({
    "name": "mix", "description": "d", "dialect": "native",
    "url": "ws://localhost:6000/", "rooms": 2, "hostsPerRoom": 1,
    "participantsPerRoom": 10, "rampPerSecond": 250, "warmupSeconds": 2,
    "durationSeconds": 30, "drainSeconds": 4,
    "room": {"public": true, "start": false, "durationMinutes": 90, "maxGuests": 20},
    "host": {"heartbeat": {"perSecond": 0.04}, "announce": {"perSecond": 5, "bytes": 64}},
    "participant": {"heartbeat": {"perSecond": 0.04},
                    "codeChange": {"perSecond": 2, "bytes": 300},
                    "violation": {"perSecond": 0.1},
                    "submit": {"perSecond": 0.5, "bytes": 1000}},
    "slowReaders": {"fraction": 0.05, "atSeconds": 5},
    "reconnect": {"fraction": 1, "atSeconds": 10},
    "measure": {"latency": "ack", "serverStats": false}})");
  CHECK(s.name == "mix");
  CHECK(s.url.host == "localhost");
  CHECK(s.url.port == 6000);
  CHECK(s.url.path == "/");
  CHECK(s.ramp_per_second == 250);
  CHECK(s.room_public);
  CHECK_FALSE(s.room_start);
  CHECK(s.room_duration_minutes == 90);
  REQUIRE(s.room_max_guests);
  CHECK(*s.room_max_guests == 20);
  CHECK(s.host.heartbeat.per_second == Approx(0.04));
  CHECK(s.host.announce.bytes == 64);
  CHECK(s.participant.code_change.per_second == 2);
  CHECK(s.participant.submit.bytes == 1000);
  CHECK(s.participant.violation.per_second == Approx(0.1));
  CHECK(s.slow_fraction == Approx(0.05));
  CHECK(s.slow_at_seconds == 5);
  CHECK(s.reconnect_fraction == 1);
  CHECK(s.reconnect_at_seconds == 10);
  CHECK(s.measure == headline::ack);
  CHECK_FALSE(s.server_stats);
}

TEST_CASE("bad scenarios are refused with the key's path") {
  struct bad {
    const char* json;
    const char* says;
  };
  const bad cases[] = {
    {"{", "not valid JSON"},
    {"[]", "must be an object"},
    {R"({"rooms": 1})", "url: is required"},
    {R"({"url": "ws://127.0.0.1:1/ws"})", "rooms: is required"},
    {R"({"url": "http://127.0.0.1:1/", "rooms": 1})", "url: scheme must be ws"},
    {R"({"url": "127.0.0.1:1", "rooms": 1})", "url: must look like ws://"},
    {R"({"url": "ws://127.0.0.1:99999/", "rooms": 1})", "url: bad port"},
    {R"({"url": "ws://:80/", "rooms": 1})", "url: has no host"},
    {R"({"url": "ws://h/", "rooms": 0})", "rooms: must be between 1 and"},
    {R"({"url": "ws://h/", "rooms": 2.5})", "rooms: must be a whole number"},
    {R"({"url": "ws://h/", "rooms": "3"})", "rooms: must be a number"},
    {R"({"url": "ws://h/", "rooms": 1, "partcipantsPerRoom": 3})",
     "partcipantsPerRoom: unknown key"},
    {R"({"url": "ws://h/", "rooms": 1, "participant": {"submit": {"perSecnd": 1}}})",
     "participant.submit.perSecnd: unknown key"},
    {R"({"url": "ws://h/", "rooms": 1, "participant": {"submit": {"perSecond": -1}}})",
     "participant.submit.perSecond: must be between 0"},
    {R"({"url": "ws://h/", "rooms": 1, "participant": {"submit": 3}})",
     "participant.submit: must be an object"},
    {R"({"url": "ws://h/", "rooms": 1, "room": {"start": "yes"}})",
     "room.start: must be true or false"},
    {R"({"url": "ws://h/", "rooms": 1, "measure": {"latency": "fast"}})",
     "measure.latency: must be \"delivery\""},
    {R"({"url": "ws://h/", "rooms": 1, "hostsPerRoom": 0})", "opens no connections"},
    {R"({"url": "ws://h/", "rooms": 1, "participant": {"announce": {"perSecond": 1}}})",
     "participant.announce: only hosts announce"},
    {R"({"url": "ws://h/", "rooms": 1, "host": {"submit": {"perSecond": 1}}})",
     "host: hosts do not send"},
    {R"({"url": "ws://h/", "rooms": 1, "participantsPerRoom": 50, "room": {"maxGuests": 10}})",
     "room.maxGuests: is smaller than participantsPerRoom"},
    {R"({"url": "ws://h/", "rooms": 1, "joinRooms": false, "participant": {"submit": {"perSecond": 1}}})",
     "joinRooms: is false"},
    {R"({"url": "ws://h/", "rooms": 1, "slowReaders": {"fraction": 2}})",
     "slowReaders.fraction: must be between 0 and 1"},
  };
  for (auto& c : cases) {
    INFO(c.json);
    CHECK_THAT(error_of(c.json), Catch::Contains(c.says));
  }
}

TEST_CASE("overrides (--set) change one value before validation") {
  auto s = parse_scenario(minimal, {"rooms=7", "host.announce.perSecond=20",
                                    "host.announce.bytes=128", "name=stepped",
                                    "url=ws://127.0.0.1:7000/ws"});
  CHECK(s.rooms == 7);
  CHECK(s.host.announce.per_second == 20);
  CHECK(s.host.announce.bytes == 128);
  CHECK(s.name == "stepped");
  CHECK(s.url.port == 7000);
  CHECK_THAT(error_of(minimal, {"rooms"}), Catch::Contains("must look like key.path=value"));
  CHECK_THAT(error_of(minimal, {"rooms=0"}), Catch::Contains("rooms: must be between"));
  CHECK_THAT(error_of(minimal, {"rooms.x=1"}), Catch::Contains("inside a value"));
  CHECK_THAT(error_of(minimal, {"host.anounce.perSecond=1"}),
             Catch::Contains("host.anounce: unknown key"));
}

TEST_CASE("a scenario file that cannot be read names its path") {
  try {
    load_scenario("/nonexistent/scenario.json");
    FAIL("no error");
  } catch (const scenario_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/scenario.json: cannot be read"));
  }
}

TEST_CASE("every example scenario in tools/scenarios parses") {
  for (auto name : {"smoke", "idle", "storm", "fanout", "mix", "slow-readers",
                    "reconnect-storm", "contest", "sio-idle", "sio-storm",
                    "sio-fanout", "sio-session", "sio-exam", "probe-fanout",
                    "violations"}) {
    INFO(name);
    auto path = std::string(PROCTORD_SOURCE_DIR) + "/tools/scenarios/" + name + ".json";
    CHECK_NOTHROW(load_scenario(path));
    auto s = load_scenario(path);
    auto d = make_dialect(s.dialect);
    REQUIRE(d);
    CHECK(d->check(s).empty());
  }
}

TEST_CASE("the contest object: defaults, every field, overrides and errors") {
  auto d = parse_scenario(minimal);
  CHECK(d.contest.id.empty());
  CHECK(d.contest.start);
  CHECK(d.contest.questions == 3);
  CHECK(d.contest.time_limit_seconds == 10);
  CHECK(d.contest.think_min == 0.1);
  CHECK(d.contest.think_max == 0.8);
  CHECK_FALSE(d.contest.record_ticks);

  auto s = parse_scenario(R"({"url": "ws://127.0.0.1:5050/ws/contest", "rooms": 1,
    "hostsPerRoom": 0, "participantsPerRoom": 500, "dialect": "contest",
    "contest": {"id": "c1", "start": false, "questions": 2, "timeLimitSeconds": 12,
                "points": 50, "scoring": "fixed",
                "think": {"minFraction": 0.2, "maxFraction": 0.5},
                "correctFraction": 1, "recordTicks": true}})");
  CHECK(s.contest.id == "c1");
  CHECK_FALSE(s.contest.start);
  CHECK(s.contest.questions == 2);
  CHECK(s.contest.time_limit_seconds == 12);
  CHECK(s.contest.points == 50);
  CHECK(s.contest.scoring == "fixed");
  CHECK(s.contest.think_min == 0.2);
  CHECK(s.contest.think_max == 0.5);
  CHECK(s.contest.correct_fraction == 1);
  CHECK(s.contest.record_ticks);

  auto o = parse_scenario(minimal, {"contest.id=abc", "contest.start=false",
                                    "contest.recordTicks=true"});
  CHECK(o.contest.id == "abc");
  CHECK_FALSE(o.contest.start);
  CHECK(o.contest.record_ticks);
  // an id that looks like a number stays a string only when quoted
  CHECK_THAT(error_of(minimal, {"contest.id=123"}), Catch::Contains("contest.id: must be a string"));
  CHECK(parse_scenario(minimal, {"contest.id=\"123\""}).contest.id == "123");

  CHECK_THAT(error_of(minimal, {"contest.timeLimitSeconds=0"}),
             Catch::Contains("contest.timeLimitSeconds: must be between 1 and 3600"));
  CHECK_THAT(error_of(minimal, {"contest.scoring=fast"}), Catch::Contains("contest.scoring"));
  CHECK_THAT(error_of(minimal, {"contest.think.maxFraction=0.05"}),
             Catch::Contains("contest.think.maxFraction: is smaller than minFraction"));
  CHECK_THAT(error_of(minimal, {"contest.questionz=3"}),
             Catch::Contains("contest.questionz: unknown key"));
}

TEST_CASE("cursor rates and the exam object: defaults, every field and errors") {
  auto d = parse_scenario(minimal);
  CHECK_FALSE(d.host.cursor.enabled());
  CHECK_FALSE(d.participant.cursor.enabled());
  CHECK(d.exam.question_count == 10);
  CHECK(d.exam.duration_minutes == 60);

  auto s = parse_scenario(R"({"url": "ws://127.0.0.1:5050/socket.io/", "rooms": 4,
    "participantsPerRoom": 20, "dialect": "sio-exam",
    "host": {"cursor": {"perSecond": 2}}, "participant": {"cursor": {"perSecond": 7.5}},
    "exam": {"questionCount": 40, "durationMinutes": 90}})");
  CHECK(s.host.cursor.per_second == 2);
  CHECK(s.participant.cursor.per_second == 7.5);
  CHECK(s.exam.question_count == 40);
  CHECK(s.exam.duration_minutes == 90);
  CHECK(parse_scenario(minimal, {"exam.questionCount=3"}).exam.question_count == 3);

  CHECK_THAT(error_of(minimal, {"exam.questionCount=0"}),
             Catch::Contains("exam.questionCount: must be between 1 and 10000"));
  CHECK_THAT(error_of(minimal, {"exam.durationMinutes=10081"}),
             Catch::Contains("exam.durationMinutes: must be between 1 and 10080"));
  CHECK_THAT(error_of(minimal, {"exam.questions=3"}),
             Catch::Contains("exam.questions: unknown key"));
  CHECK_THAT(error_of(minimal, {"participant.cursor.perSecnd=3"}),
             Catch::Contains("participant.cursor.perSecnd: unknown key"));
  // Sockets in no room have no cursor to move.
  CHECK_THAT(error_of(minimal, {"joinRooms=false", "host.cursor.perSecond=1"}),
             Catch::Contains("joinRooms: is false"));
}
