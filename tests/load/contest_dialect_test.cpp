#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "contest_dialect.hpp"
#include "recording_io.hpp"
#include "report.hpp"

using namespace proctord::load;
using json = nlohmann::json;
using proctord::load::testing::recording_io;

namespace {

scenario contest_plan_of(const std::vector<std::string>& overrides = {}) {
  return parse_scenario(R"({"dialect": "contest", "url": "ws://127.0.0.1:1/ws/contest",
    "rooms": 1, "hostsPerRoom": 0, "participantsPerRoom": 4, "durationSeconds": 60,
    "contest": {"questions": 3, "timeLimitSeconds": 10}})",
                        overrides);
}

/// A server frame as the contest codec writes it.
std::string frame(const char* event, json data) {
  return json({{"event", event}, {"data", std::move(data)},
               {"timestamp", "2025-11-30T10:20:00.000Z"}})
    .dump();
}

/// Answers HTTP calls from a script and keeps what was asked.
struct fake_http : http_api {
  struct call_seen {
    std::string method, target, bearer, body;
  };
  std::vector<call_seen> calls;
  std::vector<http_reply> replies;

  http_reply call(std::string_view method, const std::string& target,
                  const std::string& bearer, const std::string& body) override {
    calls.push_back({std::string(method), target, bearer, body});
    if (replies.empty())
      return {0, "", "connect: refused"};
    auto r = replies.front();
    replies.erase(replies.begin());
    return r;
  }
};

} // namespace

TEST_CASE("server times in ISO-8601 become epoch milliseconds") {
  CHECK(parse_iso_ms("1970-01-01T00:00:00.000Z") == 0);
  CHECK(parse_iso_ms("2026-11-30T10:25:42.123Z") == 1796034342123);
  CHECK(parse_iso_ms("2000-02-29T23:59:59Z") == 951868799000);
  CHECK(parse_iso_ms("2026-11-30T11:25:42.123+01:00") == 1796034342123);
  CHECK(parse_iso_ms("2026-11-30T10:25:42.1Z") == 1796034342100);
  CHECK(parse_iso_ms("2026-11-30T10:25:42.123456Z") == 1796034342123);
  CHECK_FALSE(parse_iso_ms("2026-11-30 10:25:42Z"));
  CHECK_FALSE(parse_iso_ms("2026-11-30T10:25:42.123"));  // no zone
  CHECK_FALSE(parse_iso_ms("2026-13-30T10:25:42.123Z"));
  CHECK_FALSE(parse_iso_ms("2026-11-30T10:25:42.Z"));
  CHECK_FALSE(parse_iso_ms(""));
}

TEST_CASE("a contest participant joins, answers each question once and times the ack") {
  auto s = contest_plan_of();
  room_slot room;
  room.publish("c-42");
  auto d = make_dialect("contest");
  REQUIRE(d);
  CHECK(d->check(s).empty());
  CHECK(d->target(s, "TOK") == "/ws/contest?token=TOK");
  CHECK(d->ends_with() == tally::contest_end);
  auto p = d->make_session({role::participant, 2, &room, "i0-r0-p2", "P", &s});
  recording_io io;

  p->on_open(io, false);
  REQUIRE(io.sent.size() == 1);
  CHECK(io.sent[0] == json({{"event", "join_contest"}, {"data", {{"contestId", "c-42"}}}}));
  CHECK_FALSE(p->act(io, action::submit)); // not in yet, nothing to answer
  CHECK(p->act(io, action::heartbeat));
  CHECK(io.sent.back() == json({{"event", "ping"}, {"data", json::object()}}));

  io.clock += 3'000'000;
  p->on_text(io, frame("contest_state",
                       {{"contestId", "c-42"}, {"title", "t"}, {"status", "UPCOMING"},
                        {"currentQuestion", nullptr}, {"remaining", 0},
                        {"totalQuestions", 3},
                        {"you", {{"rank", nullptr}, {"score", 0}, {"answered", json::array()}}},
                        {"top", json::array()}}));
  CHECK(io.in_room_calls == 1);
  CHECK(io.latencies.back() == std::make_pair(latency_kind::join, std::int64_t{3'000'000}));
  CHECK(io.expected[tally::contest_end] == 1);
  CHECK(io.expected[tally::question] == 3);

  p->on_text(io, frame("question_broadcast",
                       {{"contestId", "c-42"}, {"questionId", "q1"}, {"index", 1},
                        {"text", "?"}, {"options", {"A", "B", "C", "D"}}, {"points", 100},
                        {"timeLimit", 10}, {"endsAt", "2025-11-30T10:20:10.000Z"}}));
  CHECK(io.got[tally::question] == 1);
  CHECK(io.expected[tally::timer_tick] == 10); // ticks 10 … 1
  REQUIRE(io.scheduled.size() == 1);
  CHECK(io.scheduled[0].second == action::submit);
  // think time: 0.1 … 0.8 of the 10 s limit
  CHECK(io.scheduled[0].first >= 1'000'000'000);
  CHECK(io.scheduled[0].first <= 8'000'000'000);

  REQUIRE(p->act(io, action::submit));
  auto& answer = io.sent.back();
  CHECK(answer["event"] == "submit_answer");
  CHECK(answer["data"]["contestId"] == "c-42");
  CHECK(answer["data"]["questionId"] == "q1");
  CHECK(answer["data"]["idempotencyKey"] == "i0-r0-p2/q1");
  CHECK((answer["data"]["answer"] == "A" || answer["data"]["answer"] == "B"
         || answer["data"]["answer"] == "C" || answer["data"]["answer"] == "D"));
  CHECK(io.expected[tally::answer_ack] == 1);
  CHECK_FALSE(p->act(io, action::submit)); // nothing left to answer

  io.clock += 7'000'000;
  p->on_text(io, frame("submission_result",
                       {{"contestId", "c-42"}, {"questionId", "q1"}, {"accepted", true},
                        {"correct", true}, {"pointsAwarded", 90}, {"totalScore", 90}}));
  CHECK(io.got[tally::answer_ack] == 1);
  CHECK(io.latencies.back() == std::make_pair(latency_kind::ack, std::int64_t{7'000'000}));

  // The same question again (say after a resync) is not answered twice.
  p->on_text(io, frame("question_broadcast",
                       {{"contestId", "c-42"}, {"questionId", "q1"}, {"index", 1},
                        {"text", "?"}, {"options", nullptr}, {"points", 100},
                        {"timeLimit", 10}, {"endsAt", "2025-11-30T10:20:10.000Z"}}));
  CHECK(io.scheduled.size() == 1);
  CHECK(io.errors.empty());
}

TEST_CASE("timer ticks are timed against endsAt minus remaining") {
  auto s = contest_plan_of();
  room_slot room;
  room.publish("c-42");
  auto p = make_dialect("contest")->make_session({role::participant, 0, &room, "u", "U", &s});
  recording_io io;
  p->on_open(io, false);
  // endsAt 10:20:10.000, remaining 7: due 10:20:03.000; received 2.5 ms later
  io.wall = 1'764'498'003'002'500;
  p->on_text(io, frame("timer_update", {{"contestId", "c-42"}, {"questionId", "q1"},
                                        {"remaining", 7},
                                        {"endsAt", "2025-11-30T10:20:10.000Z"}}));
  REQUIRE(io.ticks.size() == 1);
  CHECK(io.ticks[0].question_id == "q1");
  CHECK(io.ticks[0].remaining == 7);
  CHECK(io.ticks[0].due_us == 1'764'498'003'000'000);
  CHECK(io.ticks[0].at_us == 1'764'498'003'002'500);
  CHECK(io.got[tally::timer_tick] == 1);
  CHECK(io.latencies.back() == std::make_pair(latency_kind::tick, std::int64_t{2'500'000}));

  // endsAt as epoch milliseconds is read too
  p->on_text(io, frame("timer_update", {{"contestId", "c-42"}, {"questionId", "q1"},
                                        {"remaining", 6}, {"endsAt", 1764498010000}}));
  REQUIRE(io.ticks.size() == 2);
  CHECK(io.ticks[1].due_us == 1'764'498'004'000'000);

  p->on_text(io, frame("timer_update", {{"contestId", "c-42"}, {"questionId", "q1"},
                                        {"remaining", 5}}));
  CHECK(io.ticks.size() == 2);
  CHECK(io.errors == std::vector<std::string>{
                       "timer_update without questionId, remaining or endsAt"});

  p->on_text(io, R"({"event":"leaderboard_update","data":{"contestId":"c-42","top":[],"totalParticipants":4,"you":{"rank":1,"score":0}},"timestamp":"x"})");
  p->on_text(io, R"({"event":"leaderboard_update","data":{}})");
  CHECK(io.got[tally::leaderboard] == 2);
  p->on_text(io, "not json");
  CHECK(io.errors.back() == "unparsable frame");
}

TEST_CASE("a refused answer is no longer expected, and contest_end counts once") {
  auto s = contest_plan_of();
  room_slot room;
  room.publish("c-42");
  auto p = make_dialect("contest")->make_session({role::participant, 0, &room, "u", "U", &s});
  recording_io io;
  p->on_open(io, false);
  p->on_text(io, frame("contest_state",
                       {{"contestId", "c-42"}, {"status", "ACTIVE"}, {"totalQuestions", 2},
                        {"currentQuestion", {{"questionId", "q2"}, {"options", {"A", "B"}},
                                             {"timeLimit", 10}}},
                        {"remaining", 4},
                        {"you", {{"rank", 3}, {"score", 50}, {"answered", {"q1"}}}}}));
  CHECK(io.in_room_calls == 1);
  // joined mid-question: answers the open one within its remaining 4 s
  REQUIRE(io.scheduled.size() == 1);
  CHECK(io.scheduled[0].first <= 3'200'000'000);
  REQUIRE(p->act(io, action::submit));
  CHECK(io.sent.back()["data"]["questionId"] == "q2");
  CHECK(io.expected[tally::answer_ack] == 1);

  // its broadcast follows the state: only the ticks after the join count
  p->on_text(io, frame("question_broadcast",
                       {{"contestId", "c-42"}, {"questionId", "q2"}, {"index", 2},
                        {"options", {"A", "B"}}, {"timeLimit", 10},
                        {"endsAt", "2025-11-30T10:20:04.000Z"}}));
  CHECK(io.expected[tally::timer_tick] == 3);
  CHECK_FALSE(p->act(io, action::submit)); // answered already
  p->on_text(io, frame("error", {{"code", "QUESTION_CLOSED"}, {"message", "m"}}));
  CHECK(io.expected[tally::answer_ack] == 0);
  CHECK(io.got[tally::answer_refused] == 1);
  CHECK(io.errors == std::vector<std::string>{"refused:QUESTION_CLOSED"});
  // with no answer outstanding an error is only counted
  p->on_text(io, frame("error", {{"code", "RATE_LIMITED"}, {"message", "m"}}));
  CHECK(io.errors.back() == "ERROR:RATE_LIMITED");

  p->on_text(io, frame("contest_end", {{"contestId", "c-42"}, {"endTime", "x"},
                                       {"standings", json::array()}, {"you", nullptr}}));
  p->on_text(io, frame("contest_end", {{"contestId", "c-42"}}));
  CHECK(io.got[tally::contest_end] == 1);

  // a second contest_state (after a reconnect) does not expect again
  p->on_open(io, true);
  p->on_text(io, frame("contest_state", {{"contestId", "c-42"}, {"totalQuestions", 2}}));
  CHECK(io.in_room_calls == 2);
  CHECK(io.expected[tally::contest_end] == 1);
  CHECK(io.expected[tally::question] == 2);
}

TEST_CASE("the contest dialect creates and starts its contest over HTTP") {
  auto s = contest_plan_of();
  auto d = make_dialect("contest");
  std::vector<room_slot> rooms(1);
  fake_http http;
  run_context ctx{s, http, rooms, "ADMIN"};

  http.replies.push_back({201, R"({"contestId":"k7"})", ""});
  d->before_ramp(ctx);
  REQUIRE(http.calls.size() == 1);
  CHECK(http.calls[0].method == "POST");
  CHECK(http.calls[0].target == "/api/contests");
  CHECK(http.calls[0].bearer == "ADMIN");
  auto body = json::parse(http.calls[0].body);
  REQUIRE(body["questions"].size() == 3);
  CHECK(body["questions"][2] == json({{"id", "q3"}, {"text", "load question 3"},
                                      {"options", {"A", "B", "C", "D"}}, {"answer", "A"},
                                      {"points", 100}, {"timeLimit", 10}}));
  CHECK(body["scoring"] == "speed");
  CHECK(rooms[0].ready.load());
  CHECK(rooms[0].id() == "k7");

  http.replies.push_back({200, "{}", ""});
  CHECK(d->window_starts(ctx).empty());
  CHECK(http.calls.back().target == "/api/contests/k7/start");
  CHECK(http.calls.back().bearer == "ADMIN");
  http.replies.push_back({409, R"({"code":"X"})", ""});
  CHECK_THAT(d->window_starts(ctx), Catch::Contains("status 409"));

  http.replies.push_back({401, R"({"code":"UNAUTHORIZED"})", ""});
  CHECK_THROWS_WITH(d->before_ramp(ctx), Catch::Contains("status 401"));
  CHECK_THROWS_WITH(d->before_ramp(ctx), Catch::Contains("connect: refused"));
}

TEST_CASE("joining an existing contest neither creates nor starts it") {
  auto s = contest_plan_of({"contest.id=existing", "contest.start=false"});
  auto d = make_dialect("contest");
  std::vector<room_slot> rooms(1);
  fake_http http;
  run_context ctx{s, http, rooms, "ADMIN"};
  d->before_ramp(ctx);
  CHECK(rooms[0].id() == "existing");
  CHECK(d->window_starts(ctx).empty());
  CHECK(http.calls.empty());
}

TEST_CASE("the contest dialect refuses scenarios it cannot run") {
  auto d = make_dialect("contest");
  auto s = contest_plan_of();
  s.hosts_per_room = 1;
  CHECK_THAT(d->check(s), Catch::Contains("no hosts"));
  s = contest_plan_of({"rooms=2"});
  CHECK_THAT(d->check(s), Catch::Contains("one contest"));
  s = contest_plan_of({"participant.submit.perSecond=1"});
  CHECK_THAT(d->check(s), Catch::Contains("only participant.heartbeat"));
  s = contest_plan_of({"durationSeconds=20"});
  CHECK_THAT(d->check(s), Catch::Contains("shorter than the contest"));
  // joining someone else's contest: its length is not known here
  CHECK(d->check(contest_plan_of({"durationSeconds=20", "contest.id=x"})).empty());
}

TEST_CASE("the contest report gives answers, ticks per participant and the spread") {
  report r;
  r.scenario = "contest";
  r.dialect = "contest";
  r.joined = 2;
  r.expected = {{"answerAck", 5}, {"timerTick", 40}, {"contestEnd", 2}};
  r.delivered = {{"answerAck", 5}, {"answerRefused", 1}, {"timerTick", 40},
                 {"contestEnd", 2}, {"leaderboard", 6}};
  r.errors = {{"refused:ALREADY_ANSWERED", 1}};
  r.ticks.add("q1", 10, 1'000'000, 1'000'400);
  r.ticks.add("q1", 10, 1'000'000, 1'001'400);
  r.tick_rows = true;
  auto j = to_json(r)["contest"];
  CHECK(j["answers"]["sent"] == 6);
  CHECK(j["answers"]["acked"] == 5);
  CHECK(j["answers"]["refusedByCode"]["ALREADY_ANSWERED"] == 1);
  CHECK(j["leaderboardUpdatesPerParticipant"] == 3.0);
  CHECK(j["timerUpdates"]["receivedPerParticipant"] == 20.0);
  CHECK(j["timerSpread"]["spreadMs"]["max"] == 1.0);
  CHECK(j["timerSpread"]["lastLatenessMs"]["max"] == 1.4);
  REQUIRE(j["ticks"].size() == 1);
  CHECK(j["ticks"][0] == json({{"questionId", "q1"}, {"remaining", 10}, {"dueUs", 1'000'000},
                               {"firstUs", 1'000'400}, {"lastUs", 1'001'400},
                               {"receipts", 2}}));
  auto text = render_text(r);
  CHECK_THAT(text, Catch::Contains("answers sent 6  acked 5  refused 1  contest_end 2/2"));
  CHECK_THAT(text, Catch::Contains("timer spread 1 ticks (0 not to everyone): median 1.00"));

  r.tick_rows = false;
  CHECK_FALSE(to_json(r)["contest"].contains("ticks"));
  r.dialect = "native";
  CHECK_FALSE(to_json(r).contains("contest"));
  CHECK_FALSE(to_json(r)["latencyMs"].contains("tick"));
}
