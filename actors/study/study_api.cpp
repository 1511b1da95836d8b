#include "actors/study/study_api.hpp"

#include "actors/gateway.hpp" // handshake_token
#include "protocol/study_api.hpp"

#include <caf/event_based_actor.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace proctord {

namespace {

namespace ps = protocol::study;
using op = study_request::op;

constexpr std::string_view prefix = "/api/public";

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
  return json(status, ps::encode_api_error(ps::api_error{
                        std::move(code), std::move(message), std::move(field)}));
}

net::http_response not_allowed(const net::http_request& req,
                               const char* allow) {
  auto r = fail(405, "METHOD_NOT_ALLOWED",
                req.method + " is not allowed on " + req.path);
  r.headers.set("Allow", allow);
  return r;
}

/// The directory did not answer (timeout, or it is gone): the client may
/// try again.
net::http_response unavailable() {
  auto r = fail(503, "UNAVAILABLE",
                "the study rooms did not answer in time; try again");
  r.headers.set("Retry-After", "1");
  return r;
}

/// nullopt for an admin; else the 401 or 403 answer.
std::optional<net::http_response>
refuse_non_admin(const net::http_request& req,
                 const protocol::token_config& tokens) {
  auto token = handshake_token(req.target, req.headers.get("Authorization"));
  if (token.empty())
    return fail(401, "UNAUTHORIZED", "a bearer token is required");
  auto verified = protocol::verify_token(token, tokens);
  if (std::holds_alternative<protocol::token_rejection>(verified))
    return fail(401, "UNAUTHORIZED", "invalid token");
  if (std::get<protocol::identity>(verified).role != "admin")
    return fail(403, "FORBIDDEN", "only an admin may do this");
  return std::nullopt;
}

/// The body's parse as a request field, or the 400 answer.
template <class T>
const T* body_or_answer(const ps::parsed<T>& p, const net::responder& res) {
  if (auto* err = std::get_if<ps::api_error>(&p)) {
    res.respond(json(400, ps::encode_api_error(*err)));
    return nullptr;
  }
  return &std::get<T>(p);
}

} // namespace

net::http_response study_answer(const study_request& req,
                                const study_reply& reply) {
  if (!reply.code.empty()) {
    if (reply.status < 400 || reply.status > 599)
      return fail(500, "INTERNAL", "the server could not answer");
    return json(reply.status, ps::encode_api_error(ps::api_error{
                                reply.code, reply.message, reply.field}));
  }
  if (reply.status < 200 || reply.status > 299)
    return fail(500, "INTERNAL", "the server could not answer");
  switch (req.what) {
    case op::create_user:
      return json(reply.status,
                  ps::encode_user(reply.user.user_id, reply.user.user_name,
                                  reply.user.created_at));
    case op::create_room:
      return json(reply.status, ps::encode_room(reply.room.room_id,
                                                reply.room.name,
                                                reply.room.capacity));
    case op::list_rooms: {
      std::vector<ps::room_entry> rooms;
      rooms.reserve(reply.rooms.size());
      for (const auto& r : reply.rooms)
        rooms.push_back(
          ps::room_entry{r.room_id, r.name, r.capacity, r.occupancy, r.created_at});
      return json(reply.status, ps::encode_rooms(rooms));
    }
    // The room and the user are the request's: the directory answered for
    // them. The name is shown when the directory gives it.
    case op::join:
      return json(reply.status,
                  ps::encode_join(req.room_id, req.user_id,
                                  reply.user.user_name, reply.joined_at,
                                  reply.room.occupancy));
    case op::leave:
      return json(reply.status, ps::encode_leave(req.room_id, req.user_id,
                                                 reply.room.occupancy));
    case op::broadcast:
      return json(reply.status, ps::encode_broadcast(req.room_id, req.event,
                                                     reply.recipients));
  }
  return fail(500, "INTERNAL", "the server could not answer");
}

study_api::study_api(caf::actor_system& sys, study_actor directory,
                     protocol::token_config tokens,
                     net::address_set trusted_proxies,
                     std::int32_t max_capacity)
  : sys_(sys),
    directory_(std::move(directory)),
    tokens_(std::move(tokens)),
    trusted_(std::move(trusted_proxies)),
    max_capacity_(max_capacity) {
}

void study_api::on_request(net::http_request req, net::responder res) {
  if (req.path.compare(0, prefix.size(), prefix) != 0) {
    res.respond(fail(404, "NOT_FOUND", "no such endpoint"));
    return;
  }
  auto parts = net::path_segments(req.path, prefix);
  bool get = req.method == "GET";
  bool post = req.method == "POST";
  study_request ask;
  bool admin_only = false;
  if (parts.size() == 1 && parts[0] == "users") {
    if (!post) {
      res.respond(not_allowed(req, "POST"));
      return;
    }
    ask.what = op::create_user;
  } else if (parts.size() == 1 && parts[0] == "rooms") {
    if (!get && !post) {
      res.respond(not_allowed(req, "GET, POST"));
      return;
    }
    ask.what = get ? op::list_rooms : op::create_room;
    admin_only = post;
  } else if (parts.size() == 3 && parts[0] == "rooms"
             && (parts[2] == "join" || parts[2] == "leave"
                 || parts[2] == "broadcast")) {
    if (!post) {
      res.respond(not_allowed(req, "POST"));
      return;
    }
    ask.what = parts[2] == "join"    ? op::join
               : parts[2] == "leave" ? op::leave
                                     : op::broadcast;
    admin_only = ask.what == op::broadcast;
    ask.room_id = parts[1];
  } else {
    res.respond(fail(404, "NOT_FOUND", "no such endpoint"));
    return;
  }
  if (admin_only) {
    if (auto refusal = refuse_non_admin(req, tokens_)) {
      res.respond(std::move(*refusal));
      return;
    }
  }
  // An id that cannot name a room names none: the directory would say so.
  if (!ask.room_id.empty() && !ps::valid_room_id(ask.room_id)) {
    res.respond(fail(404, "ROOM_NOT_FOUND", "no such room"));
    return;
  }
  ps::api_limits lim;
  lim.max_capacity = max_capacity_;
  switch (ask.what) {
    case op::create_user: {
      auto p = ps::parse_new_user(req.body, lim);
      auto* body = body_or_answer(p, res);
      if (body == nullptr)
        return;
      ask.name = body->user_name;
      ask.address = net::client_address(req, trusted_);
      break;
    }
    case op::create_room: {
      auto p = ps::parse_new_room(req.body, lim);
      auto* body = body_or_answer(p, res);
      if (body == nullptr)
        return;
      ask.name = body->name;
      ask.capacity = body->capacity;
      break;
    }
    case op::list_rooms:
      break;
    case op::join:
    case op::leave: {
      auto p = ps::parse_member(req.body, lim);
      auto* body = body_or_answer(p, res);
      if (body == nullptr)
        return;
      ask.user_id = body->user_id;
      ask.address = net::client_address(req, trusted_);
      break;
    }
    case op::broadcast: {
      auto p = ps::parse_broadcast(req.body, lim);
      auto* body = body_or_answer(p, res);
      if (body == nullptr)
        return;
      ask.event = body->event;
      ask.data = body->data;
      break;
    }
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
      .then([=](study_reply& reply) { res.respond(study_answer(ask, reply)); },
            [=](caf::error&) { res.respond(unavailable()); });
  }, res);
}

} // namespace proctord
