#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialect.hpp"
#include "recording_io.hpp"
#include "sio_live.hpp"

using namespace proctord::load;
using json = nlohmann::json;
using proctord::load::testing::recording_io;

namespace {

scenario plan(const std::string& extra = "") {
  return parse_scenario(R"({"dialect": "sio-exam",
    "url": "ws://127.0.0.1:1/socket.io/", "rooms": 2, "hostsPerRoom": 1,
    "participantsPerRoom": 3, "durationSeconds": 10,
    "participant": {"submit": {"perSecond": 1, "bytes": 40}},
    "exam": {"questionCount": 2, "durationMinutes": 30})"
                        + extra + "}");
}

json args_of(const std::string& frame) {
  auto f = sio::parse(frame);
  REQUIRE(f.what == sio::kind::event);
  REQUIRE(f.nsp == "/");
  return json::parse(f.data);
}

void connect(dialect_session& c, recording_io& io) {
  c.on_open(io, false);
  c.on_text(io, R"(0{"sid":"e1","upgrades":[],"pingInterval":25000})");
  c.on_text(io, R"(40{"sid":"s1","pid":"p1"})");
}

/// Answers POST /api/exams as proctord would.
struct fake_exam_http : http_api {
  struct call_seen {
    std::string bearer;
    json body;
  };
  std::vector<call_seen> calls;
  int status = 201;

  http_reply call(std::string_view method, const std::string& target,
                  const std::string& bearer, const std::string& body) override {
    if (method != "POST" || target != "/api/exams")
      return {404, "{}", ""};
    calls.push_back({bearer, json::parse(body)});
    if (status != 201)
      return {status, R"({"code":"FORBIDDEN","message":"teachers only"})", ""};
    return {201, json({{"examId", "e" + std::to_string(calls.size())}}).dump(), ""};
  }
};

} // namespace

TEST_CASE("the sio-exam dialect has a teacher create each exam") {
  auto s = plan();
  auto d = make_dialect("sio-exam");
  REQUIRE(d);
  CHECK(d->check(s).empty());
  CHECK(d->target(s, "T") == "/socket.io/?EIO=4&transport=websocket");
  CHECK(d->role_claim(role::host) == "teacher");
  CHECK(d->role_claim(role::participant) == "student");
  std::vector<room_slot> rooms(2);
  rooms[0].index = 0;
  rooms[1].index = 1;
  // Room 0 has a teacher, room 1 none (the admin creates it).
  std::vector<client_spec> specs = {
    {role::host, 0, &rooms[0], "i0-r0-h0", "t", &s, "", "TEACHER0"},
    {role::participant, 0, &rooms[0], "i0-r0-p0", "p", &s, "", "STUDENT"},
    {role::participant, 0, &rooms[1], "i0-r1-p0", "p", &s, "", "STUDENT"},
  };
  fake_exam_http http;
  run_context ctx{s, http, rooms, "ADMIN"};
  for (auto& spec : specs)
    ctx.clients.push_back(&spec);
  d->before_ramp(ctx);
  REQUIRE(http.calls.size() == 2);
  CHECK(http.calls[0].bearer == "TEACHER0");
  CHECK(http.calls[1].bearer == "ADMIN");
  CHECK(http.calls[0].body["durationMinutes"] == 30);
  CHECK(http.calls[0].body["questionCount"] == 2);
  CHECK(http.calls[0].body["title"].is_string());
  CHECK(rooms[0].id() == "e1");
  CHECK(rooms[1].id() == "e2");

  fake_exam_http refusing;
  refusing.status = 403;
  std::vector<room_slot> rooms2(2);
  run_context ctx2{s, refusing, rooms2, "ADMIN"};
  CHECK_THROWS_WITH(d->before_ramp(ctx2), Catch::Contains("POST /api/exams: status 403"));
  CHECK_FALSE(rooms2[0].ready.load());
}

TEST_CASE("an sio-exam teacher monitors its exam and counts progress") {
  auto s = plan();
  room_slot room;
  room.publish("E1");
  auto c = make_dialect("sio-exam")->make_session(
    {role::host, 0, &room, "i0-r0-h0", "t", &s, "", "TEACHER"});
  recording_io io;
  connect(*c, io);
  REQUIRE(io.frames.size() == 2);
  CHECK(io.frames[0] == R"(40{"token":"TEACHER"})");
  CHECK(io.handshakes == 1);
  CHECK(args_of(io.frames[1]) == json::array({"join-monitoring", {{"examId", "E1"}}}));

  io.clock += 2'000'000;
  c->on_text(io, R"(42["monitoring-joined",{"examId":"E1","students":[]},"1"])");
  CHECK(io.in_room_calls == 1);
  CHECK(room.audience.load() == 1); // progress-updates come to it
  CHECK(io.latencies.back() == std::make_pair(latency_kind::join, std::int64_t{2'000'000}));
  CHECK_FALSE(c->act(io, action::submit)); // teachers only watch

  c->on_text(io, R"(42["student-joined",{"examId":"E1","student":{"studentId":"s"}},"2"])");
  c->on_text(io, R"(42["progress-update",{"examId":"E1","studentId":"s","answeredCount":1},"3"])");
  c->on_text(io, R"(42["time-update",{"examId":"E1","serverTime":"2026-01-01T00:00:00.000Z","students":[]}])");
  CHECK(io.got[tally::presence] == 1);
  CHECK(io.got[tally::progress_update] == 1);
  CHECK(io.got[tally::time_update] == 1);
  CHECK(io.errors.empty());

  c->on_text(io, R"(42["exam-error",{"code":"FORBIDDEN","message":"no"},"3"])");
  c->on_text(io, R"(42["time-update",{"examId":"E1","students":[]},"4"])");
  c->on_text(io, R"(42["progress-update",{"examId":"E1","studentId":"s"},"2"])");
  CHECK(io.errors == std::vector<std::string>{"EXAM_ERROR:FORBIDDEN", "offset on time-update",
                                              "offset out of order"});
}

TEST_CASE("an sio-exam student answers with ack ids and times the acks") {
  auto s = plan();
  room_slot room;
  room.publish("E1");
  room.audience = 2; // two teachers monitor
  auto c = make_dialect("sio-exam")->make_session(
    {role::participant, 0, &room, "i0-r0-p0", "p", &s, "", "STUDENT"});
  recording_io io;
  connect(*c, io);
  REQUIRE(io.frames.size() == 2);
  CHECK(io.frames[0] == R"(40{"token":"STUDENT"})");
  auto join = args_of(io.frames[1]);
  CHECK(join[0] == "join-exam-session");
  CHECK(join[1]["examId"] == "E1");
  CHECK(join[1]["deviceInfo"].is_object());
  CHECK(join[1]["networkInfo"].is_object());
  CHECK_FALSE(c->act(io, action::submit)); // not in yet

  c->on_text(io, R"(42["exam-session-joined",{"examId":"E1","sessionId":"x","timeRemaining":1800,"answeredCount":0},"5"])");
  CHECK(io.in_room_calls == 1);
  CHECK(room.audience.load() == 2); // a student is no audience

  io.frames.clear();
  io.clock += 1'500'000'000;
  REQUIRE(c->act(io, action::submit));
  REQUIRE(c->act(io, action::submit));
  REQUIRE(c->act(io, action::submit));
  REQUIRE(io.frames.size() == 3);
  std::vector<std::string> questions;
  for (std::size_t i = 0; i < 3; ++i) {
    auto f = sio::parse(io.frames[i]);
    CHECK(f.ack == static_cast<std::int64_t>(i));
    auto a = json::parse(f.data);
    CHECK(a[0] == "submit-answer");
    CHECK(a[1]["examId"] == "E1");
    CHECK(a[1]["answer"].get<std::string>().size() == 40);
    questions.push_back(a[1]["questionId"]);
  }
  // Two questions: the third answer replaces the first.
  CHECK(questions == std::vector<std::string>{"q1", "q2", "q1"});
  CHECK(args_of(io.frames[0])[1]["timeSpent"] == 1.5);
  CHECK(io.expected[tally::answer_ack] == 3);

  io.clock += 7'000'000;
  c->on_text(io, R"(431[{"ok":true,"savedAt":"2026-01-01T00:00:00.000Z","answeredCount":2}])");
  CHECK(io.got[tally::answer_ack] == 1);
  CHECK(io.latencies.back() == std::make_pair(latency_kind::ack, std::int64_t{7'000'000}));
  CHECK(io.expected[tally::answer_submitted] == 1);
  CHECK(io.expected[tally::progress_update] == 2); // one to each teacher
  c->on_text(io, R"(42["answer-submitted",{"examId":"E1","questionId":"q2","answeredCount":2},"6"])");
  CHECK(io.got[tally::answer_submitted] == 1);

  c->on_text(io, R"(430[{"ok":false,"code":"RATE_LIMITED","message":"slow down"}])");
  CHECK(io.expected[tally::answer_ack] == 2);
  CHECK(io.got[tally::answer_refused] == 1);
  c->on_text(io, R"(431[{"ok":true}])"); // answered already
  c->on_text(io, R"(42["exam-error",{"code":"NOT_IN_EXAM","message":"?"},"6"])");
  CHECK(io.errors == std::vector<std::string>{"refused:RATE_LIMITED", "ack for nothing sent",
                                              "EXAM_ERROR:NOT_IN_EXAM"});
  auto acks = io.latencies.size();

  // Its time ran out: no more answers, and the one in flight is not owed.
  io.errors.clear();
  c->on_text(io, R"(42["exam-ended",{"examId":"E1","submissionType":"timeout"},"7"])");
  CHECK(io.errors == std::vector<std::string>{"exam-ended:timeout"});
  CHECK_FALSE(c->act(io, action::submit));
  c->on_open(io, true);
  CHECK(io.expected[tally::answer_ack] == 1); // the one acked; none owed
  CHECK(io.latencies.size() == acks);
}

TEST_CASE("the sio-exam dialect refuses what it cannot do") {
  auto d = make_dialect("sio-exam");
  CHECK_FALSE(d->check(plan(R"(, "participant": {"cursor": {"perSecond": 1}})")).empty());
  CHECK_FALSE(d->check(plan(R"(, "host": {"announce": {"perSecond": 1}})")).empty());
  CHECK_FALSE(d->check(plan(R"(, "slowReaders": {"fraction": 0.1})")).empty());
  // The students' time must outlast the run.
  CHECK_FALSE(d->check(plan(R"(, "exam": {"durationMinutes": 1})")).empty());
  CHECK(d->check(plan(R"(, "exam": {"durationMinutes": 2})")).empty());
  CHECK(d->check(plan(R"(, "hostsPerRoom": 0)")).empty());
}

TEST_CASE("the sio-exam example scenario suits the dialect") {
  auto s = load_scenario(std::string(PROCTORD_SOURCE_DIR) + "/tools/scenarios/sio-exam.json");
  CHECK(s.dialect == "sio-exam");
  CHECK(s.url.path == "/socket.io/");
  CHECK(s.participant.submit.enabled());
  CHECK(s.hosts_per_room >= 1);
  CHECK(make_dialect("sio-exam")->check(s).empty());
}
