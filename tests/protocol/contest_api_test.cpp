// The contest HTTP API's bodies (protocol/contest_api.hpp): parsing POST
// /api/contests, and the JSON of the answers.

#include "protocol/contest_api.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace proctord::protocol::contest;
using json = nlohmann::json;

namespace {

json good_body() {
  return json::parse(R"({
    "title": "Weekly #42",
    "questions": [
      {"id": "q1", "text": "Capital of France?", "options": ["Paris", "Rome"],
       "answer": "Paris", "points": 100, "timeLimit": 30},
      {"id": "q2", "text": "2 + 2?", "answer": 4, "points": 50, "timeLimit": 20},
      {"id": "q3", "text": "pi to two places?", "options": null,
       "answer": 3.14, "points": 0, "timeLimit": 10}
    ],
    "startTime": "2026-03-01T10:00:00+01:00",
    "scoring": "fixed",
    "freezeBeforeEnd": 15
  })");
}

contest_def parse_ok(const std::string& body, const def_limits& lim = {}) {
  INFO(body);
  auto res = parse_contest_def(body, lim);
  if (auto* err = std::get_if<api_error>(&res))
    FAIL(err->code << " " << err->field << ": " << err->message);
  return std::get<contest_def>(res);
}

api_error parse_bad(const std::string& body, const def_limits& lim = {}) {
  INFO(body);
  auto res = parse_contest_def(body, lim);
  REQUIRE(std::holds_alternative<api_error>(res));
  return std::get<api_error>(res);
}

} // namespace

TEST_CASE("contest api: a full definition parses") {
  auto def = parse_ok(good_body().dump());
  CHECK(def.title == "Weekly #42");
  REQUIRE(def.questions.size() == 3);
  CHECK(def.questions[0].id == "q1");
  CHECK(def.questions[0].text == "Capital of France?");
  CHECK(def.questions[0].options == std::vector<std::string>{"Paris", "Rome"});
  CHECK(def.questions[0].answer == "Paris");
  CHECK(def.questions[0].points == 100);
  CHECK(def.questions[0].time_limit == 30);
  CHECK_FALSE(def.questions[1].options.has_value());
  CHECK(def.questions[1].answer == "4"); // a number is taken as its text
  CHECK_FALSE(def.questions[2].options.has_value());
  CHECK(def.questions[2].answer == "3.14");
  CHECK(def.questions[2].points == 0);
  CHECK(def.start_time == 1772355600000); // 2026-03-01T09:00:00.000Z
  CHECK(def.score_rule == scoring::fixed);
  CHECK(def.freeze_before_end == 15);
}

TEST_CASE("contest api: optional fields take their defaults") {
  auto def = parse_ok(
    R"({"title":"T","questions":[{"id":"a","text":"?","answer":"x","points":1,"timeLimit":1}],"unknown":{"deep":[1]}})");
  CHECK(def.start_time == 0);
  CHECK(def.score_rule == scoring::speed);
  CHECK(def.freeze_before_end == 0);
  auto nulls = parse_ok(
    R"({"title":"T","questions":[{"id":"a","text":"?","answer":"x","points":1,"timeLimit":1}],"startTime":null,"scoring":null,"freezeBeforeEnd":null})");
  CHECK(nulls.start_time == 0);
  CHECK(nulls.score_rule == scoring::speed);
  // integral floats are integers (JSON cannot tell 10 from 10.0)
  auto floats = parse_ok(
    R"({"title":"T","questions":[{"id":"a","text":"?","answer":"x","points":10.0,"timeLimit":2e1}],"freezeBeforeEnd":5.0})");
  CHECK(floats.questions[0].points == 10);
  CHECK(floats.questions[0].time_limit == 20);
  CHECK(floats.freeze_before_end == 5);
  auto speed = parse_ok(
    R"({"title":"T","questions":[{"id":"a","text":"?","answer":"x","points":1,"timeLimit":1}],"scoring":"speed","freezeBeforeEnd":1})");
  CHECK(speed.score_rule == scoring::speed);
  CHECK(speed.freeze_before_end == 1); // up to the sum of the time limits
}

TEST_CASE("contest api: a body that is no JSON object is INVALID_BODY") {
  const std::string rows[] = {
    "", "not json", "{", "[]", "null", "42", "\"x\"", "{\"title\":\"T\"} x",
    std::string{"{}"} + '\0', "{\"title\":\"\xff\"}",
    std::string(40, '[') + std::string(40, ']'),
  };
  for (const auto& body : rows) {
    auto err = parse_bad(body);
    CHECK(err.code == "INVALID_BODY");
    CHECK(err.field.empty());
    CHECK_FALSE(err.message.empty());
  }
  // depth: the default limit is 32, counted on the raw text
  auto body = good_body();
  json deep = json::array();
  for (int i = 0; i < 30; ++i)
    deep = json::array({deep});
  body["extra"] = deep; // 1 + 31 levels: fine
  parse_ok(body.dump());
  body["extra"] = json::array({deep}); // 33
  CHECK(parse_bad(body.dump()).code == "INVALID_BODY");
}

TEST_CASE("contest api: each bad field is INVALID_FIELD naming it") {
  struct row {
    const char* pointer; // JSON pointer into good_body()
    json value;          // what to put there; discarded = remove it
    const char* field;
  };
  const json remove = json::value_t::discarded;
  const row rows[] = {
    {"/title", remove, "title"},
    {"/title", "", "title"},
    {"/title", "   ", "title"},
    {"/title", 42, "title"},
    {"/title", nullptr, "title"},
    {"/title", std::string(201, 't'), "title"},
    {"/questions", remove, "questions"},
    {"/questions", json::array(), "questions"},
    {"/questions", json::object(), "questions"},
    {"/questions", "q", "questions"},
    {"/questions/1", "q", "questions[1]"},
    {"/questions/1", nullptr, "questions[1]"},
    {"/questions/0/id", remove, "questions[0].id"},
    {"/questions/0/id", "", "questions[0].id"},
    {"/questions/0/id", 1, "questions[0].id"},
    {"/questions/0/id", std::string(129, 'i'), "questions[0].id"},
    {"/questions/2/id", "q1", "questions[2].id"}, // a duplicate
    {"/questions/1/text", remove, "questions[1].text"},
    {"/questions/1/text", "", "questions[1].text"},
    {"/questions/1/text", json::array({"a"}), "questions[1].text"},
    {"/questions/1/text", std::string(16 * 1024 + 1, 'x'), "questions[1].text"},
    {"/questions/0/options", json::array({"only"}), "questions[0].options"},
    {"/questions/0/options", json::array(), "questions[0].options"},
    {"/questions/0/options", "Paris,Rome", "questions[0].options"},
    {"/questions/0/options", json::array({"a", ""}), "questions[0].options[1]"},
    {"/questions/0/options", json::array({"a", 2}), "questions[0].options[1]"},
    {"/questions/0/options", json::array({nullptr, "b"}), "questions[0].options[0]"},
    {"/questions/0/answer", remove, "questions[0].answer"},
    {"/questions/0/answer", "", "questions[0].answer"},
    {"/questions/0/answer", " \t", "questions[0].answer"},
    {"/questions/0/answer", true, "questions[0].answer"},
    {"/questions/0/answer", nullptr, "questions[0].answer"},
    {"/questions/0/answer", json::array({"Paris"}), "questions[0].answer"},
    {"/questions/0/points", remove, "questions[0].points"},
    {"/questions/0/points", -1, "questions[0].points"},
    {"/questions/0/points", 1.5, "questions[0].points"},
    {"/questions/0/points", "100", "questions[0].points"},
    {"/questions/0/points", 1000001, "questions[0].points"},
    {"/questions/0/points", 18446744073709551615ull, "questions[0].points"},
    {"/questions/0/points", 1e300, "questions[0].points"},
    {"/questions/2/timeLimit", remove, "questions[2].timeLimit"},
    {"/questions/2/timeLimit", 0, "questions[2].timeLimit"},
    {"/questions/2/timeLimit", -5, "questions[2].timeLimit"},
    {"/questions/2/timeLimit", 86401, "questions[2].timeLimit"},
    {"/questions/2/timeLimit", 2.5, "questions[2].timeLimit"},
    {"/questions/2/timeLimit", false, "questions[2].timeLimit"},
    {"/startTime", "2026-02-30T10:00:00Z", "startTime"},
    {"/startTime", "2026-03-01T10:00:00", "startTime"}, // no zone
    {"/startTime", "tomorrow", "startTime"},
    {"/startTime", 1772355600000, "startTime"},
    {"/startTime", "1970-01-01T00:00:00Z", "startTime"},
    {"/startTime", "1960-01-01T00:00:00Z", "startTime"},
    {"/scoring", "SPEED", "scoring"},
    {"/scoring", "", "scoring"},
    {"/scoring", 1, "scoring"},
    {"/freezeBeforeEnd", -1, "freezeBeforeEnd"},
    {"/freezeBeforeEnd", 61, "freezeBeforeEnd"}, // the time limits sum to 60
    {"/freezeBeforeEnd", 1.5, "freezeBeforeEnd"},
    {"/freezeBeforeEnd", "15", "freezeBeforeEnd"},
  };
  for (const auto& r : rows) {
    auto body = good_body();
    json::json_pointer ptr{r.pointer};
    if (r.value.is_discarded())
      body[ptr.parent_pointer()].erase(ptr.back());
    else
      body[ptr] = r.value;
    auto err = parse_bad(body.dump());
    INFO(r.pointer << " = " << r.value.dump());
    CHECK(err.code == "INVALID_FIELD");
    CHECK(err.field == r.field);
    // the message starts with the field's name
    CHECK(err.message.rfind(std::string{r.field} + " ", 0) == 0);
  }
}

TEST_CASE("contest api: messages say what is wanted") {
  auto body = good_body();
  body["questions"][1]["timeLimit"] = 0;
  CHECK(parse_bad(body.dump()).message
        == "questions[1].timeLimit must be an integer from 1 to 86400");
  body = good_body();
  body["questions"][2]["id"] = "q2";
  CHECK(parse_bad(body.dump()).message
        == "questions[2].id repeats an earlier question's id");
  body = good_body();
  body["title"] = "";
  CHECK(parse_bad(body.dump()).message == "title must be a non-empty string");
}

TEST_CASE("contest api: limits are configurable") {
  def_limits lim;
  lim.max_questions = 2;
  CHECK(parse_bad(good_body().dump(), lim).field == "questions");
  lim = {};
  lim.max_options = 1;
  // then 2..1 options is impossible: any options array is refused
  CHECK(parse_bad(good_body().dump(), lim).field == "questions[0].options");
  lim = {};
  lim.max_points = 99;
  CHECK(parse_bad(good_body().dump(), lim).field == "questions[0].points");
  lim = {};
  lim.max_time_limit = 25;
  CHECK(parse_bad(good_body().dump(), lim).field == "questions[0].timeLimit");
  lim = {};
  lim.max_id = 1;
  CHECK(parse_bad(good_body().dump(), lim).field == "questions[0].id");
  lim = {};
  lim.max_title = 5;
  CHECK(parse_bad(good_body().dump(), lim).field == "title");
  lim = {};
  lim.max_depth = 3; // the body is 4 deep: {questions: [{options: [
  CHECK(parse_bad(good_body().dump(), lim).code == "INVALID_BODY");
  lim.max_depth = 4;
  parse_ok(good_body().dump(), lim);
}

TEST_CASE("contest api: parse never throws on arbitrary bytes") {
  const auto good = good_body().dump();
  for (std::size_t n = 0; n < good.size(); ++n)
    CHECK(std::holds_alternative<api_error>(
      parse_contest_def(good.substr(0, n))));
  for (std::size_t i = 0; i < good.size(); i += 3) {
    auto text = good;
    text[i] = '\xff';
    CHECK_NOTHROW(parse_contest_def(text));
  }
}

TEST_CASE("contest api: answer bodies") {
  CHECK(encode_api_error({"INVALID_FIELD", "title must be a non-empty string",
                          "title"})
        == R"({"code":"INVALID_FIELD","message":"title must be a non-empty string","field":"title"})");
  CHECK(encode_api_error({"CONTEST_NOT_FOUND", "no such contest", ""})
        == R"({"code":"CONTEST_NOT_FOUND","message":"no such contest"})");
  CHECK(encode_created("c-9\"x") == R"({"contestId":"c-9\"x"})");

  contest_info info;
  info.contest_id = "c1";
  info.title = "Weekly";
  info.state = status::active;
  info.score_rule = scoring::speed;
  info.freeze_before_end = 10;
  info.start_time = 1764498342123;
  info.estimated_duration = 50;
  question_view q1{"c1", "q1", 1, "A?", std::vector<std::string>{"x", "y"},
                   100, 30, 0};
  question_view q2{"c1", "q2", 2, "B?", std::nullopt, 50, 20, 0};
  info.questions = {q1, q2};
  question_view current = q2;
  current.ends_at = 1764498342123 + 20000;
  info.current_question = current;
  info.remaining = 12;
  info.participants = 3;
  info.frozen = true;
  CHECK(encode_info(info)
        == R"({"contestId":"c1","title":"Weekly","status":"ACTIVE","scoring":"speed","freezeBeforeEnd":10,)"
           R"("startTime":"2025-11-30T10:25:42.123Z","endTime":null,"estimatedDuration":50,"totalQuestions":2,)"
           R"("questions":[{"questionId":"q1","index":1,"text":"A?","options":["x","y"],"points":100,"timeLimit":30},)"
           R"({"questionId":"q2","index":2,"text":"B?","options":null,"points":50,"timeLimit":20}],)"
           R"("currentQuestion":{"contestId":"c1","questionId":"q2","index":2,"text":"B?","options":null,"points":50,"timeLimit":20,"endsAt":"2025-11-30T10:26:02.123Z"},)"
           R"("remaining":12,"participants":3,"frozen":true})");

  contest_info fresh;
  fresh.contest_id = "c2";
  fresh.title = "New";
  fresh.score_rule = scoring::fixed;
  CHECK(encode_info(fresh)
        == R"({"contestId":"c2","title":"New","status":"UPCOMING","scoring":"fixed","freezeBeforeEnd":0,)"
           R"("startTime":null,"endTime":null,"estimatedDuration":0,"totalQuestions":0,"questions":[],)"
           R"("currentQuestion":null,"remaining":0,"participants":0,"frozen":false})");

  leaderboard_page page{"c1", true, 120, 50,
                        {{51, "u9", "Zed", 40}, {51, "u8", "Yo", 40}}};
  CHECK(encode_leaderboard(page)
        == R"({"contestId":"c1","frozen":true,"total":120,"offset":50,"standings":[)"
           R"({"rank":51,"userId":"u9","username":"Zed","score":40},{"rank":51,"userId":"u8","username":"Yo","score":40}]})");
  CHECK(encode_leaderboard({"c1", false, 0, 0, {}})
        == R"({"contestId":"c1","frozen":false,"total":0,"offset":0,"standings":[]})");
}

TEST_CASE("contest api: answers never carry a question's answer") {
  // contest_info has no answer to leak; the list has no endsAt either.
  contest_info info;
  info.questions = {{"c", "q", 1, "t", std::nullopt, 1, 1, 123}};
  auto doc = json::parse(encode_info(info));
  CHECK_FALSE(doc["questions"][0].contains("endsAt"));
  CHECK_FALSE(doc["questions"][0].contains("answer"));
  CHECK_FALSE(doc["questions"][0].contains("contestId"));
}
