#pragma once
// The exams' HTTP API (seed 004, issue 11):
//   POST /api/exams               teacher or admin   201 {examId}
//   GET  /api/exams/:id           any valid token    200 the exam and how many
//                                                    students are in each state
//   GET  /api/exams/:id/results   teacher or admin   200 every student's sitting,
//                                                    answers and end
// A bearer JWT (or ?token=) says who calls: 401 UNAUTHORIZED without a
// valid one, 403 FORBIDDEN for a student (or any other role) on the
// teachers' endpoints. GET /api/exams/:id shows no student by name, so a
// student may read it (its title, duration and question count are what
// its client shows before it joins). Then 404 NOT_FOUND / 405 for an
// unknown path or method, 400 for a bad body, 404 EXAM_NOT_FOUND.
// Every error body is {code, message, field?}. Requests are answered from a
// short-lived actor that asks the directory, never by blocking an Asio
// thread; a directory that does not answer in time is 503 UNAVAILABLE.

#include "actors/exam/interfaces.hpp"
#include "net/server.hpp"
#include "protocol/token.hpp"

#include <caf/actor_system.hpp>

#include <chrono>

namespace proctord {

class exam_api : public net::http_endpoint {
public:
  exam_api(caf::actor_system& sys, exam_directory_actor directory,
           protocol::token_config tokens, exam_config limits);

  void on_request(net::http_request req, net::responder res) override;

private:
  caf::actor_system& sys_;
  exam_directory_actor directory_;
  protocol::token_config tokens_;
  exam_config limits_;
  std::chrono::seconds timeout_{10};
};

/// The HTTP answer to `req` once the directory replied `reply` (exposed for
/// tests): the reply's status, its error when `code` is set, else the op's
/// body.
net::http_response exam_answer(const exam_request& req, const exam_reply& reply);

} // namespace proctord
