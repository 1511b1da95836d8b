// The exams' Socket.IO events (seed 004): what a client may send, and what
// it receives, byte for byte (protocol/README.md, "Exam monitoring").

#include "protocol/exam.hpp"
#include "protocol/socketio/messages.hpp"

#include <catch2/catch.hpp>

using namespace proctord::protocol;
namespace ex = proctord::protocol::exam;

namespace {

template <class T>
T as(const std::optional<ex::command>& c) {
  REQUIRE(c);
  INFO("the command is variant alternative " << c->what.index());
  REQUIRE(std::holds_alternative<T>(c->what));
  return std::get<T>(c->what);
}

std::string args_of(const ex::event& e) {
  return ex::encode(e).args;
}

constexpr std::int64_t t0 = 1796036400000; // 2026-11-30T11:00:00.000Z

} // namespace

TEST_CASE("exam codec: join-exam-session keeps the infos as raw JSON",
          "[exam]") {
  auto c = as<ex::cmd::join_exam_session>(ex::decode(
    "join-exam-session",
    R"({"examId":"e-1","sessionId":"s-9","deviceInfo":{"os":"Linux","cores":8},)"
    R"("networkInfo":{"type":"wifi","rtt":50.5}})",
    std::nullopt));
  CHECK(c.exam_id == "e-1");
  CHECK(c.session_id == "s-9");
  // As sent (compact, the keys in the client's order).
  CHECK(c.device_info == R"({"os":"Linux","cores":8})");
  CHECK(c.network_info == R"({"type":"wifi","rtt":50.5})");
  auto bare = as<ex::cmd::join_exam_session>(
    ex::decode("join-exam-session", R"({"examId":"e-1"})", std::nullopt));
  CHECK(bare.session_id.empty());
  CHECK(bare.device_info == "null");
  CHECK(bare.network_info == "null");
}

TEST_CASE("exam codec: submit-answer with its ack id", "[exam]") {
  auto c = ex::decode("submit-answer",
                      R"({"questionId":"q1","answer":["b","c"],"timeSpent":12.5})",
                      7);
  REQUIRE(c);
  CHECK(c->ack == std::optional<std::uint64_t>{7});
  auto s = as<ex::cmd::submit_answer>(c);
  CHECK(s.exam_id.empty());
  CHECK(s.question_id == "q1");
  CHECK(s.answer == R"(["b","c"])");
  auto keyed = as<ex::cmd::submit_answer>(ex::decode(
    "submit-answer", R"({"questionId":"q9","answer":{"z":1, "a":[2, {"y":3,"b":4}]}})", 2));
  CHECK(keyed.answer == R"({"z":1,"a":[2,{"y":3,"b":4}]})");
  CHECK(s.time_spent == 12.5);
  auto with_exam = as<ex::cmd::submit_answer>(ex::decode(
    "submit-answer", R"({"examId":"e","questionId":"q2","answer":null})", 1));
  CHECK(with_exam.exam_id == "e");
  CHECK(with_exam.answer == "null");
  CHECK(with_exam.time_spent == 0);
}

TEST_CASE("exam codec: end-exam, heartbeat and the teachers' events", "[exam]") {
  auto e = as<ex::cmd::end_exam>(ex::decode(
    "end-exam", R"({"submissionType":"manual","finalScore":87.5})", std::nullopt));
  CHECK(e.exam_id.empty());
  CHECK(e.final_score == "87.5");
  CHECK(as<ex::cmd::end_exam>(ex::decode("end-exam", R"({"finalScore":90})", std::nullopt))
          .final_score
        == "90");
  auto none = as<ex::cmd::end_exam>(ex::decode("end-exam", "", std::nullopt));
  CHECK(none.final_score.empty());
  auto hb = ex::decode("heartbeat", R"({"t":1})", 3);
  as<ex::cmd::heartbeat>(hb);
  CHECK(hb->ack == std::optional<std::uint64_t>{3});
  as<ex::cmd::heartbeat>(ex::decode("heartbeat", "", std::nullopt));
  CHECK(as<ex::cmd::join_monitoring>(
          ex::decode("join-monitoring", R"({"examId":"e-1"})", std::nullopt))
          .exam_id
        == "e-1");
  CHECK(as<ex::cmd::leave_monitoring>(
          ex::decode("leave-monitoring", R"({"examId":"e-1"})", std::nullopt))
          .exam_id
        == "e-1");
  CHECK(as<ex::cmd::leave_monitoring>(
          ex::decode("leave-monitoring", "", std::nullopt))
          .exam_id.empty());
  auto f = as<ex::cmd::force_end_exam>(ex::decode(
    "force-end-exam", R"({"examId":"e-1","studentId":"s-1"})", std::nullopt));
  CHECK(f.exam_id == "e-1");
  CHECK(f.student_id == "s-1");
}

TEST_CASE("exam codec: every bad field is INVALID_PAYLOAD naming it",
          "[exam]") {
  struct row {
    const char* name;
    std::string args;
    const char* says;
  };
  std::string long_id(129, 'x');
  std::string big_info = R"({"examId":"e","deviceInfo":")"
                         + std::string(4096, 'd') + "\"}";
  std::string big_answer = R"({"questionId":"q","answer":")"
                           + std::string(65536, 'a') + "\"}";
  std::string deep = R"({"examId":"e","deviceInfo":)" + std::string(40, '[')
                     + std::string(40, ']') + "}";
  for (const auto& r : {
         row{"join-exam-session", "", "payload"},
         row{"join-exam-session", "42", "payload"},
         row{"join-exam-session", R"("e-1")", "payload"},
         row{"join-exam-session", "{", "payload"},
         row{"join-exam-session", "{}", "examId"},
         row{"join-exam-session", R"({"examId":7})", "examId"},
         row{"join-exam-session", R"({"examId":""})", "examId"},
         row{"join-exam-session", "{\"examId\":\"" + long_id + "\"}", "examId"},
         row{"join-exam-session", R"({"examId":"e","sessionId":5})", "sessionId"},
         row{"join-exam-session", big_info, "deviceInfo"},
         row{"join-exam-session", deep, "nested"},
         row{"submit-answer", "", "payload"},
         row{"submit-answer", R"({"answer":1})", "questionId"},
         row{"submit-answer", R"({"questionId":3,"answer":1})", "questionId"},
         row{"submit-answer", R"({"questionId":"q","examId":true,"answer":1})",
             "examId"},
         row{"submit-answer", R"({"questionId":"q"})", "answer"},
         row{"submit-answer", big_answer, "answer"},
         row{"submit-answer", R"({"questionId":"q","answer":1,"timeSpent":"3"})",
             "timeSpent"},
         row{"submit-answer", R"({"questionId":"q","answer":1,"timeSpent":-1})",
             "timeSpent"},
         row{"end-exam", "[]", "payload"},
         row{"end-exam", R"({"submissionType":"timeout"})", "submissionType"},
         row{"end-exam", R"({"submissionType":"forced"})", "submissionType"},
         row{"end-exam", R"({"finalScore":"90"})", "finalScore"},
         row{"end-exam", R"({"examId":1})", "examId"},
         row{"join-monitoring", "{}", "examId"},
         row{"join-monitoring", "", "payload"},
         row{"leave-monitoring", R"({"examId":[]})", "examId"},
         row{"force-end-exam", R"({"examId":"e"})", "studentId"},
         row{"force-end-exam", R"({"studentId":"s"})", "examId"},
       }) {
    INFO(r.name << " " << r.args.substr(0, 80));
    auto c = ex::decode(r.name, r.args, 4);
    auto bad = as<ex::cmd::invalid>(c);
    CHECK_THAT(bad.message, Catch::Contains(r.says));
    CHECK(c->ack == std::optional<std::uint64_t>{4});
  }
}

TEST_CASE("exam codec: events exams do not know are ignored", "[exam]") {
  CHECK_FALSE(ex::decode("chat", R"({"text":"hi"})", std::nullopt));
  CHECK_FALSE(ex::decode("join-room", R"({"userId":"u"})", std::nullopt));
  CHECK_FALSE(ex::decode("", "", 1));
}

TEST_CASE("exam codec: the student's events", "[exam]") {
  CHECK(ex::encode(ex::event{ex::evt::exam_session_joined{
                     "e-1", "s-9", t0, t0 + 3600000, 3600, 2}})
          .name
        == "exam-session-joined");
  CHECK(args_of(ex::evt::exam_session_joined{"e-1", "s-9", t0, t0 + 3600000,
                                             3600, 2})
        == R"({"examId":"e-1","sessionId":"s-9","startedAt":"2026-11-30T11:00:00.000Z",)"
           R"("endsAt":"2026-11-30T12:00:00.000Z","timeRemaining":3600,"answeredCount":2})");
  CHECK(args_of(ex::evt::answer_submitted{"e-1", "q1", t0 + 5, 3})
        == R"({"examId":"e-1","questionId":"q1","savedAt":"2026-11-30T11:00:00.005Z",)"
           R"("answeredCount":3})");
  CHECK(args_of(ex::evt::exam_ended{"e-1", "", t0, ex::submission::manual})
        == R"({"examId":"e-1","endedAt":"2026-11-30T11:00:00.000Z","submissionType":"manual"})");
  CHECK(args_of(ex::evt::student_time{"e-1", 59, t0})
        == R"({"examId":"e-1","timeRemaining":59,"endsAt":"2026-11-30T11:00:00.000Z"})");
  auto err = ex::encode(ex::evt::error{ex::error_code::not_in_exam, "join first"});
  CHECK(err.name == "exam-error");
  CHECK(err.args == R"({"code":"NOT_IN_EXAM","message":"join first"})");
}

TEST_CASE("exam codec: the teachers' events", "[exam]") {
  ex::student_session s;
  s.student_id = "s-1";
  s.name = "Ann \"A\"";
  s.session_id = "sess";
  s.at = ex::status::disconnected;
  s.connected = false;
  s.answered_count = 4;
  s.last_question_id = "q4";
  s.started_at = t0;
  s.ends_at = t0 + 600000;
  s.last_seen_at = t0 + 1000;
  s.device_info = R"({"os":"Linux"})";
  const std::string session
    = R"({"studentId":"s-1","name":"Ann \"A\"","sessionId":"sess","status":"disconnected",)"
      R"("connected":false,"answeredCount":4,"lastQuestionId":"q4",)"
      R"("startedAt":"2026-11-30T11:00:00.000Z","endsAt":"2026-11-30T11:10:00.000Z",)"
      R"("lastSeenAt":"2026-11-30T11:00:01.000Z","deviceInfo":{"os":"Linux"},"networkInfo":null})";
  auto joined = ex::encode(ex::evt::monitoring_joined{"e-1", {s}});
  CHECK(joined.name == "monitoring-joined");
  CHECK(joined.args == R"({"examId":"e-1","students":[)" + session + "]}");
  CHECK(args_of(ex::evt::monitoring_joined{"e-1", {}})
        == R"({"examId":"e-1","students":[]})");
  CHECK(args_of(ex::evt::student_joined{"e-1", s})
        == R"({"examId":"e-1","student":)" + session + "}");
  ex::student_session fresh;
  fresh.student_id = "s-2";
  CHECK_THAT(args_of(ex::evt::student_joined{"e-1", fresh}),
             Catch::Contains(R"("lastQuestionId":null)"));
  CHECK(args_of(ex::evt::student_disconnected{"e-1", "s-1", t0})
        == R"({"examId":"e-1","studentId":"s-1","at":"2026-11-30T11:00:00.000Z"})");
  CHECK(args_of(ex::evt::progress_update{"e-1", "s-1", 3, "q3", 42.5, 120,
                                         ex::status::active})
        == R"({"examId":"e-1","studentId":"s-1","answeredCount":3,"lastQuestionId":"q3",)"
           R"("timeSpent":42.5,"timeRemaining":120,"status":"active"})");
  CHECK(args_of(ex::evt::exam_ended{"e-1", "s-1", t0, ex::submission::forced})
        == R"({"examId":"e-1","studentId":"s-1","endedAt":"2026-11-30T11:00:00.000Z",)"
           R"("submissionType":"forced"})");
  auto clock = ex::encode(ex::evt::monitor_time{
    "e-1", t0, {{"s-1", 30, t0 + 30000}, {"s-2", 0, t0}}});
  CHECK(clock.name == "time-update");
  CHECK(clock.args
        == R"({"examId":"e-1","serverTime":"2026-11-30T11:00:00.000Z","students":[)"
           R"({"studentId":"s-1","timeRemaining":30,"endsAt":"2026-11-30T11:00:30.000Z"},)"
           R"({"studentId":"s-2","timeRemaining":0,"endsAt":"2026-11-30T11:00:00.000Z"}]})");
}

TEST_CASE("exam codec: the acknowledgements", "[exam]") {
  CHECK(ex::ack_saved(t0, 2)
        == R"({"ok":true,"savedAt":"2026-11-30T11:00:00.000Z","answeredCount":2})");
  CHECK(ex::ack_refused(ex::error_code::store_unavailable, "try again")
        == R"({"ok":false,"code":"STORE_UNAVAILABLE","message":"try again"})");
  CHECK(ex::ack_heartbeat(t0)
        == R"({"ok":true,"serverTime":"2026-11-30T11:00:00.000Z"})");
}

TEST_CASE("exam codec: every code and name", "[exam]") {
  using ec = ex::error_code;
  std::vector<std::string> codes;
  for (auto c : {ec::forbidden, ec::exam_not_found, ec::not_in_exam,
                 ec::exam_ended, ec::invalid_payload, ec::session_replaced,
                 ec::store_unavailable, ec::rate_limited})
    codes.emplace_back(ex::to_string(c));
  CHECK(codes
        == std::vector<std::string>{"FORBIDDEN", "EXAM_NOT_FOUND", "NOT_IN_EXAM",
                                    "EXAM_ENDED", "INVALID_PAYLOAD",
                                    "SESSION_REPLACED", "STORE_UNAVAILABLE",
                                    "RATE_LIMITED"});
  CHECK(ex::to_string(ex::submission::timeout) == "timeout");
  CHECK(ex::to_string(ex::status::ended) == "ended");
}

TEST_CASE("exam codec: a logged event's packet carries its offset last",
          "[exam]") {
  auto w = ex::encode(ex::evt::student_disconnected{"e-1", "s-1", t0});
  socketio::out::emit e{std::string{w.name}, w.args, {}, std::nullopt, "17"};
  CHECK(*socketio::encode("/", socketio::outgoing{e}).text
        == R"(42["student-disconnected",{"examId":"e-1","studentId":"s-1",)"
           R"("at":"2026-11-30T11:00:00.000Z"},"17"])");
}
