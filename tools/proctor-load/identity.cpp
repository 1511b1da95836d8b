#include "identity.hpp"

#include "protocol/token.hpp"

namespace proctord::load {

client_identity identity_for(unsigned instance, std::size_t room, role who,
                             std::size_t index) {
  auto tag = who == role::host ? "h" : "p";
  auto id = "i" + std::to_string(instance) + "-r" + std::to_string(room) + "-"
            + tag + std::to_string(index);
  return {id, "load " + id, who == role::host ? "host" : "participant"};
}

std::string mint_client_token(const client_identity& who,
                              const std::string& secret,
                              const std::string& issuer,
                              const std::string& audience,
                              std::chrono::seconds ttl) {
  protocol::token_config cfg{secret, issuer, audience};
  return protocol::mint_token({who.user_id, who.name, who.role}, cfg, ttl);
}

} // namespace proctord::load
