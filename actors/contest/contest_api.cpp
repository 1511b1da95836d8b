#include "actors/contest/contest_api.hpp"

#include "actors/gateway.hpp" // handshake_token
#include "protocol/contest_api.hpp"

#include <caf/event_based_actor.hpp>

#include <charconv>
#include <string_view>
#include <vector>

namespace proctord {

namespace {

namespace pc = protocol::contest;

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
  return json(status, pc::encode_api_error(pc::api_error{
                        std::move(code), std::move(message), std::move(field)}));
}

/// The answer for an actor's refusal.
net::http_response from_error(const caf::error& err) {
  switch (to_error_code(err)) {
    case protocol::error_code::room_not_found:
      return fail(404, "CONTEST_NOT_FOUND", "no such contest");
    case protocol::error_code::invalid_state:
      return fail(409, "INVALID_STATE",
                  "the contest's lifecycle does not allow this now");
    case protocol::error_code::store_unavailable:
      return fail(503, "STORE_UNAVAILABLE",
                  "the change was not stored; try again");
    default:
      return fail(500, "INTERNAL", "the server could not answer");
  }
}

/// The value of `key` in a query string, if present.
std::optional<std::string> query_value(std::string_view query,
                                       std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (pair.substr(0, key.size()) == key && pair.size() > key.size()
        && pair[key.size()] == '=')
      return std::string{pair.substr(key.size() + 1)};
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool parse_count(const std::optional<std::string>& text, std::int64_t& out,
                 std::int64_t max) {
  if (!text)
    return true;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc{} || end != text->data() + text->size() || v < 0
      || v > max)
    return false;
  out = v;
  return true;
}

} // namespace

contest_api::contest_api(caf::actor_system& sys, contests_actor contests,
                         protocol::token_config tokens)
  : sys_(sys), contests_(std::move(contests)), tokens_(std::move(tokens)) {
}

void contest_api::on_request(net::http_request req, net::responder res) {
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
  bool admin = who.role == "admin";
  auto parts = net::path_segments(req.path, "/api/contests");
  bool write = req.method == "POST";
  if (!write && req.method != "GET") {
    auto r = fail(405, "METHOD_NOT_ALLOWED", "use GET or POST");
    r.headers.set("Allow", "GET, POST");
    res.respond(std::move(r));
    return;
  }
  bool known = parts.size() <= 1
               || (parts.size() == 2
                   && (parts[1] == "start" || parts[1] == "pause"
                       || parts[1] == "resume" || parts[1] == "leaderboard"));
  if (!known) {
    res.respond(fail(404, "NOT_FOUND", "no such endpoint"));
    return;
  }
  // Which resource, and may this method reach it.
  enum class what { create, lifecycle, info, board } kind;
  if (parts.empty() && write)
    kind = what::create;
  else if (parts.size() == 1 && !write)
    kind = what::info;
  else if (parts.size() == 2 && write
           && (parts[1] == "start" || parts[1] == "pause"
               || parts[1] == "resume"))
    kind = what::lifecycle;
  else if (parts.size() == 2 && !write && parts[1] == "leaderboard")
    kind = what::board;
  else {
    // A known resource, the wrong method.
    bool post_only = parts.empty()
                     || (parts.size() == 2 && parts[1] != "leaderboard");
    auto r = fail(405, "METHOD_NOT_ALLOWED",
                  req.method + " is not allowed on " + req.path);
    r.headers.set("Allow", post_only ? "POST" : "GET");
    res.respond(std::move(r));
    return;
  }
  if (write && !admin) {
    res.respond(fail(403, "FORBIDDEN", "only an admin may do this"));
    return;
  }
  auto contests = contests_;
  auto timeout = timeout_;
  if (kind == what::create) {
    auto def = pc::parse_contest_def(req.body);
    if (auto err = std::get_if<pc::api_error>(&def)) {
      res.respond(json(400, pc::encode_api_error(*err)));
      return;
    }
    // (CAF 0.17 dereferences a null pointer when a function-based actor is
    // spawned without arguments: each of these gets the responder as one.)
    sys_.spawn([=, def = std::get<pc::contest_def>(std::move(def)),
                user = who.user_id](caf::event_based_actor* self,
                                    net::responder res) {
      self->request(contests, timeout, create_atom::value, def, user)
        .then([=](std::string& id) { res.respond(json(201, pc::encode_created(id))); },
              [=](caf::error& err) { res.respond(from_error(err)); });
    }, res);
    return;
  }
  board_query q;
  q.live = admin;
  if (kind == what::board) {
    if (!parse_count(query_value(req.query, "offset"), q.offset, 1LL << 40)) {
      res.respond(fail(400, "INVALID_FIELD",
                       "offset must be a whole number >= 0", "offset"));
      return;
    }
    if (!parse_count(query_value(req.query, "limit"), q.limit, 1000)) {
      res.respond(fail(400, "INVALID_FIELD",
                       "limit must be a whole number from 0 to 1000", "limit"));
      return;
    }
  }
  auto id = parts[0];
  auto action = parts.size() == 2 ? parts[1] : std::string{};
  sys_.spawn([=](caf::event_based_actor* self, net::responder res) {
    self->request(contests, timeout, lookup_atom::value, id)
      .then(
        [=](contest_actor& c) {
          auto on_info = [=](pc::contest_info& info) {
            res.respond(json(200, pc::encode_info(info)));
          };
          auto on_error = [=](caf::error& err) { res.respond(from_error(err)); };
          if (kind == what::board)
            self->request(c, timeout, board_atom::value, q)
              .then([=](pc::leaderboard_page& page) {
                      res.respond(json(200, pc::encode_leaderboard(page)));
                    },
                    on_error);
          else if (action == "start")
            self->request(c, timeout, start_atom::value).then(on_info, on_error);
          else if (action == "pause")
            self->request(c, timeout, pause_atom::value).then(on_info, on_error);
          else if (action == "resume")
            self->request(c, timeout, resume_atom::value).then(on_info, on_error);
          else
            self->request(c, timeout, info_atom::value).then(on_info, on_error);
        },
        [=](caf::error& err) { res.respond(from_error(err)); });
  }, res);
}

} // namespace proctord
