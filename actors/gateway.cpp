#include "actors/gateway.hpp"

#include "actors/connection.hpp"
#include "actors/doors/native_door.hpp"
#include "protocol/native_codec.hpp"

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <type_traits>

namespace proctord {

namespace {

using protocol::error_code;

std::string url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
          return c - '0';
        if (c >= 'a' && c <= 'f')
          return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
          return c - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]);
      int lo = hex(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i] == '+' ? ' ' : in[i]);
  }
  return out;
}

} // namespace

token_bucket::token_bucket(double rate, double burst)
  : rate_(rate), burst_(burst), tokens_(burst) {
}

bool token_bucket::take(double now_s) {
  if (last_ >= 0)
    tokens_ = std::min(burst_, tokens_ + (now_s - last_) * rate_);
  last_ = now_s;
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

std::string handshake_token(const std::string& target,
                            const std::string& authorization) {
  if (auto q = target.find('?'); q != std::string::npos) {
    std::string_view query{target};
    query.remove_prefix(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      if (pair.substr(0, 6) == "token=")
        return url_decode(pair.substr(6));
      if (amp == std::string_view::npos)
        break;
      query.remove_prefix(amp + 1);
    }
  }
  // The scheme is case-insensitive (RFC 7235).
  constexpr std::string_view bearer = "bearer ";
  if (authorization.size() <= bearer.size())
    return {};
  for (std::size_t i = 0; i < bearer.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != bearer[i])
      return {};
  return authorization.substr(bearer.size());
}

std::string make_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto hi = rng();
  auto lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL; // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; // variant 1
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF),
                static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

gateway::gateway(caf::actor_system& sys, directory_actor directory,
                 relay_actor relay, std::shared_ptr<socket_registry> sockets,
                 gateway_config cfg, std::function<std::string()> stats)
  : sys_(sys),
    directory_(std::move(directory)),
    relay_(std::move(relay)),
    sockets_(std::move(sockets)),
    cfg_(std::move(cfg)),
    tokens_(std::make_shared<const protocol::token_config>(cfg_.tokens)),
    stats_(std::move(stats)) {
}

net::upgrade_answer gateway::upgrade(const net::http_request& req,
                                     std::shared_ptr<net::outbound> out) {
  std::optional<protocol::identity> who;
  if (auto token = handshake_token(req.target, req.headers.get("Authorization"));
      !token.empty()) {
    auto result = protocol::verify_token(token, cfg_.tokens);
    if (auto rejected = std::get_if<protocol::token_rejection>(&result)) {
      spdlog::debug("gateway refuses {}: {}", req.remote_ip, rejected->reason);
      net::upgrade_answer no;
      no.status = 401;
      no.content_type = "application/json";
      no.body = R"({"code":"UNAUTHORIZED","message":"invalid token"})";
      return no;
    }
    who = std::get<protocol::identity>(std::move(result));
  }
  auto id = sockets_->next_id();
  sockets_->add(id, out, dialect::native);
  auto conn = sys_.spawn(connection, relay_, id, directory_, tokens_,
                         std::move(who), make_uuid());
  net::upgrade_answer yes;
  yes.handler = make_native_door(std::move(conn), std::move(out), cfg_,
                                 draining_, sockets_, id);
  return yes;
}

void gateway::drain() {
  draining_->store(true);
}

void gateway::on_request(net::http_request req, net::responder res) {
  // Every HTTP error body is {code, message} (DESIGN.md).
  auto answer = [](unsigned status, std::string body) {
    net::http_response r;
    r.status = status;
    r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
  };
  bool known = req.path == "/health" || (req.path == "/api/stats" && stats_);
  if (!known) {
    res.respond(answer(404, R"({"code":"NOT_FOUND","message":"no such endpoint"})"));
    return;
  }
  if (req.method != "GET") {
    auto r = answer(405, R"({"code":"METHOD_NOT_ALLOWED","message":")"
                           + req.path + R"( accepts GET only"})");
    r.headers.set("Allow", "GET");
    res.respond(std::move(r));
    return;
  }
  if (req.path == "/health")
    res.respond(answer(200, R"({"status":"ok"})"));
  else
    res.respond(answer(200, stats_()));
}

} // namespace proctord
