#pragma once
// Who each load connection is, and its token, minted from the secret the
// server verifies with (so the server treats load users as real users).

#include <chrono>
#include <cstddef>
#include <string>

#include "dialect.hpp"

namespace proctord::load {

struct client_identity {
  std::string user_id;
  std::string name;
  std::string role; // "host" or "participant": informational claim
};

/// Distinct per instance, room, role and index: "i0-r12-p7", "i0-r12-h0".
client_identity identity_for(unsigned instance, std::size_t room, role who,
                             std::size_t index);

/// An HS256 token for `who`, valid for `ttl`.
std::string mint_client_token(const client_identity& who,
                              const std::string& secret,
                              const std::string& issuer,
                              const std::string& audience,
                              std::chrono::seconds ttl);

} // namespace proctord::load
