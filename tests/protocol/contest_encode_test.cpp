// Encoding server events of the contest dialect (protocol/README.md,
// "Contest dialect", "Server -> client"): golden frames for every event,
// and the per-recipient split of leaderboard_update and contest_end.

#include "protocol/contest_codec.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace proctord::protocol::contest;

namespace {

// 2025-11-30T10:25:42.123Z
constexpr millis t0 = 1764498342123;

question_view sample_question() {
  question_view q;
  q.contest_id = "c1";
  q.question_id = "q2";
  q.index = 2;
  q.text = "2 + 2?";
  q.options = std::vector<std::string>{"3", "4"};
  q.points = 100;
  q.time_limit = 30;
  q.ends_at = t0 + 30000;
  return q;
}

std::vector<standing> sample_top() {
  return {{1, "u1", "Ann", 180}, {2, "u2", "Bob", 90}, {2, "u3", "Cy", 90}};
}

constexpr const char* top_json
  = R"([{"rank":1,"userId":"u1","username":"Ann","score":180},{"rank":2,"userId":"u2","username":"Bob","score":90},{"rank":2,"userId":"u3","username":"Cy","score":90}])";

std::string frame(const std::string& name, const std::string& data,
                  const std::string& ts = "2025-11-30T10:25:42.123Z") {
  return R"({"event":")" + name + R"(","data":)" + data
         + R"(,"timestamp":")" + ts + R"("})";
}

} // namespace

TEST_CASE("contest: every event encodes to its golden frame") {
  struct row {
    event e;
    std::string expected;
  };
  const std::string question_json
    = R"({"contestId":"c1","questionId":"q2","index":2,"text":"2 + 2?","options":["3","4"],"points":100,"timeLimit":30,"endsAt":"2025-11-30T10:26:12.123Z"})";
  question_view free_text = sample_question();
  free_text.options.reset();

  evt::contest_state state;
  state.contest_id = "c1";
  state.title = "Weekly #42";
  state.state = status::active;
  state.current_question = sample_question();
  state.remaining = 17;
  state.total_questions = 10;
  state.you = {2, 90};
  state.answered = {"q1", "q2"};
  state.top = sample_top();
  state.at = t0;

  evt::contest_state waiting;
  waiting.contest_id = "c1";
  waiting.title = "Weekly #42";
  waiting.total_questions = 10;
  waiting.at = t0;

  const row rows[] = {
    {evt::contest_start{"c1", "Weekly #42", t0 + 1000, 10, 3600, t0},
     frame("contest_start",
           R"({"contestId":"c1","title":"Weekly #42","startTime":"2025-11-30T10:25:43.123Z","totalQuestions":10,"estimatedDuration":3600})")},
    {evt::question_broadcast{sample_question(), t0},
     frame("question_broadcast", question_json)},
    {evt::question_broadcast{free_text, t0},
     frame("question_broadcast",
           R"({"contestId":"c1","questionId":"q2","index":2,"text":"2 + 2?","options":null,"points":100,"timeLimit":30,"endsAt":"2025-11-30T10:26:12.123Z"})")},
    {evt::timer_update{"c1", "q2", 29, t0 + 30000, t0 + 1000},
     frame("timer_update",
           R"({"contestId":"c1","questionId":"q2","remaining":29,"endsAt":"2025-11-30T10:26:12.123Z"})",
           "2025-11-30T10:25:43.123Z")},
    {evt::question_change{"c1", "q2", std::string{"q3"}, t0},
     frame("question_change",
           R"({"contestId":"c1","previousQuestionId":"q2","nextQuestionId":"q3"})")},
    {evt::question_change{"c1", "q10", std::nullopt, t0},
     frame("question_change",
           R"({"contestId":"c1","previousQuestionId":"q10","nextQuestionId":null})")},
    {evt::submission_result{"c1", "q2", true, true, 83, 183, t0},
     frame("submission_result",
           R"({"contestId":"c1","questionId":"q2","accepted":true,"correct":true,"pointsAwarded":83,"totalScore":183})")},
    {evt::submission_result{"c1", "q2", true, false, 0, 100, t0},
     frame("submission_result",
           R"({"contestId":"c1","questionId":"q2","accepted":true,"correct":false,"pointsAwarded":0,"totalScore":100})")},
    {evt::leaderboard_update{"c1", sample_top(), 57, {2, 90}, t0},
     frame("leaderboard_update",
           std::string{R"({"contestId":"c1","top":)"} + top_json
             + R"(,"totalParticipants":57,"you":{"rank":2,"score":90}})")},
    {evt::leaderboard_update{"c1", {}, 0, {0, 0}, t0},
     frame("leaderboard_update",
           R"({"contestId":"c1","top":[],"totalParticipants":0,"you":{"rank":null,"score":0}})")},
    {evt::contest_paused{"c1", 12, t0},
     frame("contest_paused", R"({"contestId":"c1","remaining":12})")},
    {evt::contest_resumed{"c1", 12, t0},
     frame("contest_resumed", R"({"contestId":"c1","remaining":12})")},
    {evt::contest_end{"c1", t0, sample_top(), {1, 180}, t0},
     frame("contest_end",
           std::string{R"({"contestId":"c1","endTime":"2025-11-30T10:25:42.123Z","standings":)"}
             + top_json + R"(,"you":{"rank":1,"score":180}})")},
    {state,
     frame("contest_state",
           std::string{R"({"contestId":"c1","title":"Weekly #42","status":"ACTIVE","currentQuestion":)"}
             + question_json
             + R"(,"remaining":17,"totalQuestions":10,"you":{"rank":2,"score":90,"answered":["q1","q2"]},"top":)"
             + top_json + "}")},
    {waiting,
     frame("contest_state",
           R"({"contestId":"c1","title":"Weekly #42","status":"UPCOMING","currentQuestion":null,"remaining":0,"totalQuestions":10,"you":{"rank":null,"score":0,"answered":[]},"top":[]})")},
    {evt::error{error_code::contest_not_found, "no such contest", t0},
     frame("error",
           R"({"code":"CONTEST_NOT_FOUND","message":"no such contest"})")},
    {evt::pong{t0}, frame("pong", "{}")},
    {evt::pong{0}, frame("pong", "{}", "1970-01-01T00:00:00.000Z")},
  };
  for (const auto& r : rows) {
    auto text = encode(r.e);
    CHECK(text == r.expected);
    CHECK(*encode_shared(r.e) == r.expected);
    CHECK(nlohmann::json::accept(text));
  }
}

TEST_CASE("contest: error codes and names are the stable wire strings") {
  struct row {
    error_code code;
    const char* wire;
  };
  const row rows[] = {
    {error_code::invalid_event, "INVALID_EVENT"},
    {error_code::invalid_payload, "INVALID_PAYLOAD"},
    {error_code::contest_not_found, "CONTEST_NOT_FOUND"},
    {error_code::not_joined, "NOT_JOINED"},
    {error_code::contest_not_active, "CONTEST_NOT_ACTIVE"},
    {error_code::question_closed, "QUESTION_CLOSED"},
    {error_code::already_answered, "ALREADY_ANSWERED"},
    {error_code::forbidden, "FORBIDDEN"},
    {error_code::rate_limited, "RATE_LIMITED"},
    {error_code::store_unavailable, "STORE_UNAVAILABLE"},
    {error_code::internal, "INTERNAL"},
  };
  for (const auto& r : rows) {
    CHECK(to_code(r.code) == r.wire);
    CHECK(*error_frame(r.code, "m", t0)
          == frame("error", std::string{R"({"code":")"} + r.wire
                              + R"(","message":"m"})"));
  }
  CHECK(to_code(static_cast<error_code>(200)) == "INTERNAL");

  for (auto s : {status::upcoming, status::active, status::paused,
                 status::completed})
    CHECK(status_from_string(to_string(s)) == s);
  CHECK(to_string(status::upcoming) == "UPCOMING");
  CHECK(to_string(status::active) == "ACTIVE");
  CHECK(to_string(status::paused) == "PAUSED");
  CHECK(to_string(status::completed) == "COMPLETED");
  CHECK_FALSE(status_from_string("active").has_value());
  CHECK_FALSE(status_from_string("").has_value());
  CHECK(to_string(scoring::speed) == "speed");
  CHECK(to_string(scoring::fixed) == "fixed");
}

TEST_CASE("contest: strings are escaped, invalid UTF-8 becomes U+FFFD") {
  auto text = encode(evt::error{error_code::internal,
                                "a \"quote\"\n\x01 \xff\xc3\xa9 \xed\xa0\x80", t0});
  CHECK(text
        == frame("error",
                 R"({"code":"INTERNAL","message":"a \"quote\"\n\u0001 )"
                 "\xef\xbf\xbd\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}"));
  auto doc = nlohmann::json::parse(text); // valid UTF-8, valid JSON
  CHECK(doc["data"]["message"].get<std::string>().substr(0, 11)
        == "a \"quote\"\n\x01");
}

TEST_CASE("contest: the personal split equals encode() byte for byte") {
  const you_view yous[] = {{0, 0}, {1, 180}, {2, 90}, {12345, -7},
                           {INT32_MAX, INT64_MIN}};
  const event shared[] = {
    evt::leaderboard_update{"c1", sample_top(), 57, {}, t0},
    evt::leaderboard_update{"c\"1", {}, 0, {}, 0},
    evt::contest_end{"c1", t0, sample_top(), {}, t0},
    evt::contest_end{"c1", t0, {}, {}, t0 + 1},
  };
  for (const auto& e : shared) {
    REQUIRE(is_personal(e));
    auto split = encode_personal(e);
    CHECK_FALSE(split.tail.empty());
    for (const auto& y : yous) {
      event mine = e;
      std::visit(
        [&](auto& x) {
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>,
                                       evt::leaderboard_update>
                        || std::is_same_v<std::decay_t<decltype(x)>,
                                          evt::contest_end>)
            x.you = y;
        },
        mine);
      CHECK(split.head + encode_you(y) + split.tail == encode(mine));
    }
  }
  CHECK(encode_you({0, 5}) == R"({"rank":null,"score":5})");
  CHECK(encode_you({3, 5}) == R"({"rank":3,"score":5})");
}

TEST_CASE("contest: other events are not personal") {
  const event others[] = {
    evt::contest_start{"c1", "t", t0, 1, 30, t0},
    evt::question_broadcast{sample_question(), t0},
    evt::timer_update{"c1", "q", 3, t0, t0},
    evt::question_change{"c1", "q", std::nullopt, t0},
    evt::submission_result{"c1", "q", true, false, 0, 0, t0},
    evt::contest_paused{"c1", 5, t0},
    evt::contest_resumed{"c1", 5, t0},
    evt::contest_state{},
    evt::error{error_code::forbidden, "no", t0},
    evt::pong{t0},
  };
  for (const auto& e : others) {
    CHECK_FALSE(is_personal(e));
    auto split = encode_personal(e);
    CHECK(split.head == encode(e));
    CHECK(split.tail.empty());
  }
}

TEST_CASE("contest: an unset endsAt is null, never 1970") {
  question_view q = sample_question();
  q.ends_at = 0;
  auto doc = nlohmann::json::parse(encode(evt::question_broadcast{q, t0}));
  CHECK(doc["data"]["endsAt"].is_null());
  auto tick = nlohmann::json::parse(encode(evt::timer_update{"c", "q", 0, 0, t0}));
  CHECK(tick["data"]["endsAt"].is_null());
}
