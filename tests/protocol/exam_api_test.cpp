// The exams' HTTP API bodies: POST /api/exams, every refusal naming its
// field, and the answers of the three endpoints, byte for byte.

#include "protocol/exam_api.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace proctord::protocol;
namespace ex = proctord::protocol::exam;

namespace {

constexpr std::int64_t t0 = 1796036400000; // 2026-11-30T11:00:00.000Z

ex::exam_def accepted(std::string_view body) {
  auto r = ex::parse_exam_def(body);
  if (auto* err = std::get_if<api_error>(&r))
    FAIL(body << ": " << err->code << " " << err->field << " " << err->message);
  return std::get<ex::exam_def>(r);
}

} // namespace

TEST_CASE("exam api: a definition in minutes or in seconds", "[exam_api]") {
  auto m = accepted(R"({"title":"Final","durationMinutes":90,"questionCount":40})");
  CHECK(m.title == "Final");
  CHECK(m.duration_s == 5400);
  CHECK(m.question_count == 40);
  auto s = accepted(R"({"title":"Quiz","durationSeconds":5,"questionCount":1,"extra":[1]})");
  CHECK(s.duration_s == 5);
  // An integral float counts: JSON cannot tell 10.0 from 10.
  CHECK(accepted(R"({"title":"Q","durationMinutes":10.0,"questionCount":2.0})")
          .duration_s
        == 600);
  // A null member is an absent one.
  CHECK(accepted(R"({"title":"Q","durationMinutes":null,"durationSeconds":30,"questionCount":3})")
          .duration_s
        == 30);
}

TEST_CASE("exam api: every bad body and field is refused with its name",
          "[exam_api]") {
  struct row {
    std::string body;
    const char* code;
    const char* field;
  };
  std::string long_title(201, 't');
  for (const auto& r : {
         row{"", "INVALID_BODY", ""},
         row{"{", "INVALID_BODY", ""},
         row{"[1]", "INVALID_BODY", ""},
         row{"\"exam\"", "INVALID_BODY", ""},
         row{std::string(40, '[') + std::string(40, ']'), "INVALID_BODY", ""},
         row{R"({"durationMinutes":1,"questionCount":1})", "INVALID_FIELD", "title"},
         row{R"({"title":"   ","durationMinutes":1,"questionCount":1})",
             "INVALID_FIELD", "title"},
         row{R"({"title":7,"durationMinutes":1,"questionCount":1})", "INVALID_FIELD",
             "title"},
         row{"{\"title\":\"" + long_title + "\",\"durationMinutes\":1,\"questionCount\":1}",
             "INVALID_FIELD", "title"},
         row{R"({"title":"T","questionCount":1})", "INVALID_FIELD", "durationMinutes"},
         row{R"({"title":"T","durationMinutes":0,"questionCount":1})", "INVALID_FIELD",
             "durationMinutes"},
         row{R"({"title":"T","durationMinutes":1.5,"questionCount":1})",
             "INVALID_FIELD", "durationMinutes"},
         row{R"({"title":"T","durationMinutes":"60","questionCount":1})",
             "INVALID_FIELD", "durationMinutes"},
         row{R"({"title":"T","durationMinutes":10081,"questionCount":1})",
             "INVALID_FIELD", "durationMinutes"},
         row{R"({"title":"T","durationSeconds":-5,"questionCount":1})",
             "INVALID_FIELD", "durationSeconds"},
         row{R"({"title":"T","durationSeconds":604801,"questionCount":1})",
             "INVALID_FIELD", "durationSeconds"},
         row{R"({"title":"T","durationSeconds":60,"durationMinutes":1,"questionCount":1})",
             "INVALID_FIELD", "durationSeconds"},
         row{R"({"title":"T","durationMinutes":1})", "INVALID_FIELD", "questionCount"},
         row{R"({"title":"T","durationMinutes":1,"questionCount":0})", "INVALID_FIELD",
             "questionCount"},
         row{R"({"title":"T","durationMinutes":1,"questionCount":10001})",
             "INVALID_FIELD", "questionCount"},
         row{R"({"title":"T","durationMinutes":1,"questionCount":true})",
             "INVALID_FIELD", "questionCount"},
       }) {
    INFO(r.body.substr(0, 100));
    auto p = ex::parse_exam_def(r.body);
    REQUIRE(std::holds_alternative<api_error>(p));
    auto& err = std::get<api_error>(p);
    CHECK(err.code == r.code);
    CHECK(err.field == r.field);
    CHECK_FALSE(err.message.empty());
    if (*r.field != '\0')
      CHECK_THAT(err.message, Catch::Contains(r.field));
  }
}

TEST_CASE("exam api: the limits come from the configuration", "[exam_api]") {
  ex::api_limits lim;
  lim.max_duration_s = 120;
  lim.max_questions = 3;
  auto p = ex::parse_exam_def(R"({"title":"T","durationMinutes":3,"questionCount":1})", lim);
  REQUIRE(std::holds_alternative<api_error>(p));
  CHECK(std::get<api_error>(p).field == "durationMinutes");
  p = ex::parse_exam_def(R"({"title":"T","durationSeconds":120,"questionCount":4})", lim);
  REQUIRE(std::holds_alternative<api_error>(p));
  CHECK(std::get<api_error>(p).field == "questionCount");
  CHECK(encode_api_error(std::get<api_error>(p))
        == R"({"code":"INVALID_FIELD","message":"questionCount must be an integer )"
           R"(from 1 to 3","field":"questionCount"})");
}

TEST_CASE("exam api: the answers", "[exam_api]") {
  CHECK(ex::encode_created("e-1") == R"({"examId":"e-1"})");
  ex::exam_info info{"e-1", "Final", 5400, 40, "t-1", t0, 2, 1, 3};
  CHECK(ex::encode_info(info)
        == R"({"examId":"e-1","title":"Final","durationSeconds":5400,"questionCount":40,)"
           R"("createdBy":"t-1","createdAt":"2026-11-30T11:00:00.000Z",)"
           R"("students":{"active":2,"disconnected":1,"ended":3}})");

  ex::student_result running;
  running.session.student_id = "s-1";
  running.session.name = "Ann";
  running.session.session_id = "sess-1";
  running.session.connected = true;
  running.session.answered_count = 1;
  running.session.last_question_id = "q1";
  running.session.started_at = t0;
  running.session.ends_at = t0 + 5400000;
  running.session.last_seen_at = t0 + 2000;
  running.time_spent = 12.5;
  running.answers.push_back(ex::answer_view{"q1", R"({"choice":"b"})", 12.5, t0 + 1000});
  ex::student_result done;
  done.session.student_id = "s-2";
  done.session.name = "Bob";
  done.session.session_id = "sess-2";
  done.session.at = ex::status::ended;
  done.session.started_at = t0;
  done.session.ends_at = t0 + 5400000;
  done.session.last_seen_at = t0;
  done.ended_at = t0 + 60000;
  done.type = ex::submission::timeout;
  done.final_score = "87";
  auto body = ex::encode_results(info, {running, done});
  CHECK(body
        == R"({"examId":"e-1","title":"Final","durationSeconds":5400,"questionCount":40,)"
           R"("createdBy":"t-1","createdAt":"2026-11-30T11:00:00.000Z","students":[)"
           R"({"studentId":"s-1","name":"Ann","sessionId":"sess-1","status":"active",)"
           R"("connected":true,"answeredCount":1,"lastQuestionId":"q1",)"
           R"("startedAt":"2026-11-30T11:00:00.000Z","endsAt":"2026-11-30T12:30:00.000Z",)"
           R"("lastSeenAt":"2026-11-30T11:00:02.000Z","deviceInfo":null,"networkInfo":null,)"
           R"("timeSpent":12.5,"endedAt":null,"submissionType":null,"finalScore":null,)"
           R"("answers":[{"questionId":"q1","answer":{"choice":"b"},"timeSpent":12.5,)"
           R"("savedAt":"2026-11-30T11:00:01.000Z"}]},)"
           R"({"studentId":"s-2","name":"Bob","sessionId":"sess-2","status":"ended",)"
           R"("connected":false,"answeredCount":0,"lastQuestionId":null,)"
           R"("startedAt":"2026-11-30T11:00:00.000Z","endsAt":"2026-11-30T12:30:00.000Z",)"
           R"("lastSeenAt":"2026-11-30T11:00:00.000Z","deviceInfo":null,"networkInfo":null,)"
           R"("timeSpent":0,"endedAt":"2026-11-30T11:01:00.000Z","submissionType":"timeout",)"
           R"("finalScore":87,"answers":[]}]})");
  CHECK_FALSE(nlohmann::json::parse(body, nullptr, false).is_discarded());
}
