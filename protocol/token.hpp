#pragma once
// JWT handling: HS256 only. `alg: none`, other algorithms, bad signatures,
// expired tokens and (when configured) wrong issuer or audience are rejected.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace proctord::protocol {

struct token_config {
  std::string secret;
  std::string issuer;   // checked when non-empty
  std::string audience; // checked when non-empty
};

/// Who a verified token says the caller is.
struct identity {
  std::string user_id; // "sub"
  std::string name;    // "name" (falls back to "username", then to sub)
  std::string role;    // "role", may be empty
};

/// Why a token was rejected (a human-readable reason, never the token).
struct token_rejection {
  std::string reason;
  /// A well-signed token whose `exp` has passed (the contest door closes
  /// with 4002 for it, 4001 for every other rejection).
  bool expired = false;
};

using verify_result = std::variant<identity, token_rejection>;

/// Verifies a compact JWS. Never throws. A token that verified once under
/// the same configuration is remembered (a bounded table, by its exact
/// bytes): presenting it again checks only its time claims (exp, nbf).
verify_result verify_token(std::string_view token, const token_config& cfg);

/// verify_token() at `now_s`, seconds since the epoch, instead of the
/// system clock's now.
verify_result verify_token_at(std::string_view token, const token_config& cfg,
                              double now_s);

/// Mints an HS256 token for `who`, valid for `ttl` from now (for proctorctl
/// and tests). Sets sub, name, role (if non-empty), iat, exp, and iss/aud
/// when configured.
std::string mint_token(const identity& who, const token_config& cfg,
                       std::chrono::seconds ttl = std::chrono::hours{24});

/// What a resume token says: this user's seat in this room.
struct resume_claims {
  std::string room_id;
  std::string user_id;
};

/// A resume token for `user_id` in `room_id`, signed with the secret.
std::string mint_resume_token(std::string_view room_id,
                              std::string_view user_id, const token_config& cfg);

/// The claims of a resume token minted with the same secret, or nullopt.
/// Never throws.
std::optional<resume_claims> verify_resume_token(std::string_view token,
                                                 const token_config& cfg);

/// A fresh random secret: 32 bytes from the OS, hex-encoded.
std::string random_secret();

} // namespace proctord::protocol
