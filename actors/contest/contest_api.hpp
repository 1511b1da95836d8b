#pragma once
// The contest HTTP API (seed 001, issue 9):
//   POST /api/contests                      admin   201 {contestId}
//   POST /api/contests/:id/start|pause|resume admin 200 the contest
//   GET  /api/contests/:id                  any valid token
//   GET  /api/contests/:id/leaderboard?offset=&limit=  any valid token
// A bearer JWT (or ?token=) says who calls: 401 without a valid one, 403
// for a write by another role than admin. Every error body is
// {code, message, field?}. Requests are answered from a short-lived actor
// that asks the contests, never by blocking an Asio thread.

#include "actors/contest/interfaces.hpp"
#include "net/server.hpp"
#include "protocol/token.hpp"

#include <caf/actor_system.hpp>

#include <chrono>

namespace proctord {

class contest_api : public net::http_endpoint {
public:
  contest_api(caf::actor_system& sys, contests_actor contests,
              protocol::token_config tokens);

  void on_request(net::http_request req, net::responder res) override;

private:
  caf::actor_system& sys_;
  contests_actor contests_;
  protocol::token_config tokens_;
  std::chrono::seconds timeout_{10};
};

} // namespace proctord
