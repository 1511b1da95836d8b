#include "actors/exam/exam_api.hpp"

#include "actors/gateway.hpp" // handshake_token
#include "protocol/exam_api.hpp"

#include <caf/event_based_actor.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace proctord {

namespace {

namespace px = protocol::exam;
using op = exam_request::op;

constexpr std::string_view prefix = "/api/exams";

net::http_response json(unsigned status, std::string body) {
  net::http_response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.headers.set("Cache-Control", "no-store");
  r.body = std::move(body);
  return r;
}

net::http_response fail(unsigned status, std::string code, std::string message,
                        std::string field = {}) {
  return json(status, px::encode_api_error(px::api_error{
                        std::move(code), std::move(message), std::move(field)}));
}

net::http_response not_allowed(const net::http_request& req, const char* allow) {
  auto r = fail(405, "METHOD_NOT_ALLOWED",
                req.method + " is not allowed on " + req.path);
  r.headers.set("Allow", allow);
  return r;
}

net::http_response unavailable() {
  auto r = fail(503, "UNAVAILABLE", "the exams did not answer in time; try again");
  r.headers.set("Retry-After", "1");
  return r;
}

bool teacher(const protocol::identity& who) {
  return who.role == "teacher" || who.role == "admin";
}

} // namespace

net::http_response exam_answer(const exam_request& req, const exam_reply& reply) {
  if (!reply.code.empty()) {
    if (reply.status < 400 || reply.status > 599)
      return fail(500, "INTERNAL", "the server could not answer");
    return fail(reply.status, reply.code, reply.message);
  }
  if (reply.status < 200 || reply.status > 299)
    return fail(500, "INTERNAL", "the server could not answer");
  switch (req.what) {
    case op::create:
      return json(reply.status, px::encode_created(reply.exam.exam_id));
    case op::get:
      return json(reply.status, px::encode_info(reply.exam));
    case op::results:
      return json(reply.status, px::encode_results(reply.exam, reply.students));
  }
  return fail(500, "INTERNAL", "the server could not answer");
}

exam_api::exam_api(caf::actor_system& sys, exam_directory_actor directory,
                   protocol::token_config tokens, exam_config limits)
  : sys_(sys),
    directory_(std::move(directory)),
    tokens_(std::move(tokens)),
    limits_(std::move(limits)) {
}

void exam_api::on_request(net::http_request req, net::responder res) {
  auto token = handshake_token(req.target, req.headers.get("Authorization"));
  if (token.empty()) {
    res.respond(fail(401, "UNAUTHORIZED", "a bearer token is required"));
    return;
  }
  auto verified = protocol::verify_token(token, tokens_);
  if (std::holds_alternative<protocol::token_rejection>(verified)) {
    res.respond(fail(401, "UNAUTHORIZED", "invalid token"));
    return;
  }
  auto who = std::get<protocol::identity>(std::move(verified));
  if (req.path.compare(0, prefix.size(), prefix) != 0) {
    res.respond(fail(404, "NOT_FOUND", "no such endpoint"));
    return;
  }
  auto parts = net::path_segments(req.path, prefix);
  bool get = req.method == "GET";
  bool post = req.method == "POST";
  exam_request ask;
  if (parts.empty()) {
    if (!post)
      return res.respond(not_allowed(req, "POST"));
    ask.what = op::create;
  } else if (parts.size() == 1 || (parts.size() == 2 && parts[1] == "results")) {
    if (!get)
      return res.respond(not_allowed(req, "GET"));
    ask.what = parts.size() == 1 ? op::get : op::results;
    ask.exam_id = parts[0];
  } else {
    return res.respond(fail(404, "NOT_FOUND", "no such endpoint"));
  }
  if (ask.what != op::get && !teacher(who)) {
    res.respond(fail(403, "FORBIDDEN", "only a teacher or an admin may do this"));
    return;
  }
  if (ask.what == op::create) {
    px::api_limits lim;
    lim.max_duration_s = limits_.max_duration_s;
    lim.max_questions = limits_.max_questions;
    auto def = px::parse_exam_def(req.body, lim);
    if (auto* err = std::get_if<px::api_error>(&def)) {
      res.respond(json(400, px::encode_api_error(*err)));
      return;
    }
    auto& d = std::get<px::exam_def>(def);
    ask.title = std::move(d.title);
    ask.duration_s = d.duration_s;
    ask.question_count = d.question_count;
    ask.created_by = who.user_id;
  } else if (ask.exam_id.empty() || ask.exam_id.size() > 128) {
    // An id that cannot name an exam names none.
    res.respond(fail(404, "EXAM_NOT_FOUND", "no such exam"));
    return;
  }
  if (!directory_) {
    res.respond(unavailable());
    return;
  }
  auto directory = directory_;
  auto timeout = timeout_;
  // (CAF 0.17 dereferences a null pointer when a function-based actor is
  // spawned without arguments: this one gets the responder as one.)
  sys_.spawn([=, ask = std::move(ask)](caf::event_based_actor* self,
                                       net::responder res) {
    self->request(directory, timeout, ask)
      .then([=](exam_reply& reply) { res.respond(exam_answer(ask, reply)); },
            [=](caf::error&) { res.respond(unavailable()); });
  }, res);
}

} // namespace proctord
