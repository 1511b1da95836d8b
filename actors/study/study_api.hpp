#pragma once
// The study rooms' HTTP API (seed 002, "Integration with REST API"):
//   POST /api/public/users                      anyone  201 {userId, userName, createdAt}
//   POST /api/public/rooms                      admin   201 {roomId, name, capacity}
//   GET  /api/public/rooms                      anyone  200 {rooms: [...]}
//   POST /api/public/rooms/:roomId/join         anyone  200 {roomId, userId, userName?, joinedAt, currentOccupancy}
//   POST /api/public/rooms/:roomId/leave        anyone  200 {roomId, userId, currentOccupancy}
//   POST /api/public/rooms/:roomId/broadcast    admin   200 {roomId, event, recipients}
// Users are anonymous: the caller's address (client_address, honoring
// --trusted-proxies) goes with create_user, join and leave, and the study
// directory binds a user to it. Admin calls need a bearer JWT (or ?token=)
// whose role is "admin": 401 UNAUTHORIZED without a valid token, 403
// FORBIDDEN for another role. The directory (study_actor) decides every
// other answer: its study_reply's status, and its code when it refuses.
// Every error body is {code, message, field?}. Requests are answered from a
// short-lived actor that asks the directory, never by blocking an Asio
// thread; a directory that does not answer in time is 503 UNAVAILABLE.

#include "actors/study/interfaces.hpp"
#include "net/address.hpp"
#include "net/server.hpp"
#include "protocol/token.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>

namespace proctord {

class study_api : public net::http_endpoint {
public:
  /// `max_capacity` bounds a new room's capacity (study_config's).
  study_api(caf::actor_system& sys, study_actor directory,
            protocol::token_config tokens, net::address_set trusted_proxies,
            std::int32_t max_capacity = study_config{}.max_capacity);

  void on_request(net::http_request req, net::responder res) override;

private:
  caf::actor_system& sys_;
  study_actor directory_;
  protocol::token_config tokens_;
  net::address_set trusted_;
  std::int32_t max_capacity_;
  std::chrono::seconds timeout_{10};
};

/// The HTTP answer to `req` once the directory replied `reply` (exposed for
/// tests): the reply's status, its error when `code` is set, else the op's
/// body. A status that does not fit (not 2xx on success, not 4xx/5xx on
/// error) is the directory's bug: 500 INTERNAL.
net::http_response study_answer(const study_request& req,
                                const study_reply& reply);

} // namespace proctord
