// JWT verification, HS256 only.
//
// cpp-jwt does the standard checks, but it trusts its input more than a
// server facing the internet should: it reads bytes >= 0x80 in a token past
// the end of its base64 table, throws from inside its "non-throwing" decode
// when "alg" is not a string, checks claims before the signature, and
// compares signatures with ==. So a token goes through our own gate first:
// shape and alphabet, header (alg exactly "HS256"), a constant-time HMAC
// check, then the claims. Only a token that passed all of that reaches
// jwt::decode, and any error it reports still rejects the token.

#include "protocol/token.hpp"

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <strings.h>
#include <unordered_map>

namespace proctord::protocol {

namespace {

using json = nlohmann::json;

// Real tokens are a few hundred bytes; this bounds the work per attempt.
constexpr std::size_t max_token_bytes = 8 * 1024;
// The wire limit for ids (protocol/README.md): a longer sub could never be
// named in APPROVE_JOIN or KICK_USER.
constexpr std::size_t max_sub_bytes = 64;

token_rejection reject(std::string reason) {
  return token_rejection{std::move(reason)};
}

token_rejection expired() {
  auto r = reject("token expired");
  r.expired = true;
  return r;
}

int b64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

bool is_b64url(std::string_view s) noexcept {
  for (char c : s)
    if (b64url_value(c) < 0)
      return false;
  return s.size() % 4 != 1; // no base64 text has that length
}

/// Decodes unpadded base64url; the alphabet has been checked.
std::string b64url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    acc = (acc << 6) | static_cast<std::uint32_t>(b64url_value(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string b64url_encode(const unsigned char* data, std::size_t len) {
  static constexpr char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((len * 4 + 2) / 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < len; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0)
    out.push_back(alphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

/// A base64url JSON object, or nullopt.
std::optional<json> decode_object(std::string_view part) {
  auto text = b64url_decode(part);
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  return doc;
}

bool signature_matches(std::string_view signing_input,
                       std::string_view signature, const std::string& key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()),
           signing_input.size(), mac.data(), &mac_len)
      == nullptr)
    return false;
  auto expected = b64url_encode(mac.data(), mac_len);
  return expected.size() == signature.size()
         && CRYPTO_memcmp(expected.data(), signature.data(), expected.size())
              == 0;
}

enum class date_check : std::uint8_t { ok, absent, malformed };

/// Reads a NumericDate claim (seconds since the epoch) into `out`.
date_check numeric_date(const json& payload, const char* name, double& out) {
  auto it = payload.find(name);
  if (it == payload.end())
    return date_check::absent;
  if (!it->is_number())
    return date_check::malformed;
  out = it->get<double>();
  // Past 1e12 s (year 33658) is nonsense, and cpp-jwt would cast it badly.
  bool sane = std::isfinite(out) && out >= 0 && out < 1e12;
  return sane ? date_check::ok : date_check::malformed;
}

bool audience_matches(const json& payload, const std::string& audience) {
  auto it = payload.find("aud");
  if (it == payload.end())
    return false;
  if (it->is_string())
    return it->get_ref<const std::string&>() == audience;
  if (it->is_array())
    for (const auto& a : *it)
      if (a.is_string() && a.get_ref<const std::string&>() == audience)
        return true;
  return false;
}

std::string string_claim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it != payload.end() && it->is_string())
    return it->get<std::string>();
  return {};
}

/// The time claims of a verified token (seconds since the epoch).
struct validity {
  double exp = std::numeric_limits<double>::infinity();
  double nbf = -std::numeric_limits<double>::infinity();
};

verify_result verify_impl(std::string_view token, const token_config& cfg,
                          double now, validity& valid) {
  if (cfg.secret.empty())
    return reject("no secret configured");
  if (token.empty())
    return reject("missing token");
  if (token.size() > max_token_bytes)
    return reject("token too long");
  // Compact JWS: header.payload.signature, all three non-empty base64url.
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos
      || token.find('.', dot2 + 1) != std::string_view::npos)
    return reject("malformed token");
  auto header_part = token.substr(0, dot1);
  auto payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  auto signature_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty() || signature_part.empty()
      || !is_b64url(header_part) || !is_b64url(payload_part)
      || !is_b64url(signature_part))
    return reject("malformed token");
  auto header = decode_object(header_part);
  if (!header)
    return reject("malformed token header");
  auto alg = header->find("alg");
  // Case-sensitive (RFC 7518): "none", "HS512", "hs256" ... all fail here.
  if (alg == header->end() || !alg->is_string() || *alg != "HS256")
    return reject("unsupported algorithm");
  if (auto typ = header->find("typ"); typ != header->end()
      && (!typ->is_string()
          || strcasecmp(typ->get_ref<const std::string&>().c_str(), "JWT")
               != 0))
    return reject("unsupported token type");
  if (header->contains("crit")) // RFC 7515 4.1.11: we understand none
    return reject("unsupported critical header");
  if (!signature_matches(token.substr(0, dot2), signature_part, cfg.secret))
    return reject("bad signature");
  // From here on the token is ours (or someone has the secret).
  auto payload = decode_object(payload_part);
  if (!payload)
    return reject("malformed token payload");
  double t = 0;
  switch (numeric_date(*payload, "exp", t)) {
    case date_check::malformed:
      return reject("malformed exp");
    case date_check::ok:
      valid.exp = t;
      if (now >= t)
        return expired();
      break;
    case date_check::absent:
      break;
  }
  switch (numeric_date(*payload, "nbf", t)) {
    case date_check::malformed:
      return reject("malformed nbf");
    case date_check::ok:
      valid.nbf = t;
      if (now < t)
        return reject("token not yet valid");
      break;
    case date_check::absent:
      break;
  }
  if (numeric_date(*payload, "iat", t) == date_check::malformed)
    return reject("malformed iat");
  if (!cfg.issuer.empty() && string_claim(*payload, "iss") != cfg.issuer)
    return reject("wrong issuer");
  if (!cfg.audience.empty() && !audience_matches(*payload, cfg.audience))
    return reject("wrong audience");
  identity who;
  who.user_id = string_claim(*payload, "sub");
  if (who.user_id.empty())
    return reject("missing sub");
  if (who.user_id.size() > max_sub_bytes)
    return reject("sub too long");
  // The library's own verification, as a second opinion. iss and aud are
  // ours alone: cpp-jwt cannot read an "aud" array.
  std::error_code ec;
  jwt::decode(jwt::string_view{token.data(), token.size()},
              jwt::params::algorithms({"HS256"}), ec,
              jwt::params::secret(cfg.secret), jwt::params::verify(true));
  if (ec)
    return reject("rejected by jwt: " + ec.message());
  who.name = string_claim(*payload, "name");
  if (who.name.empty())
    who.name = string_claim(*payload, "username");
  if (who.name.empty())
    who.name = who.user_id;
  who.role = string_claim(*payload, "role");
  return who;
}

/// Tokens that verified, by their exact bytes and the configuration that
/// verified them. A caller that presents the same token again (an admin's
/// REST calls, a client's reconnects) costs a hash and a compare instead of
/// two HMACs and three JSON parses; only the time claims are checked again.
/// Only a token signed with the secret gets in, and the table is bounded:
/// when it is full it starts over.
class verified_tokens {
public:
  static constexpr std::size_t capacity = 1024;

  /// Whether `token` verified under `cfg`; fills `who` and `valid` if so.
  bool find(std::string_view token, const token_config& cfg, identity& who,
            validity& valid) const {
    auto h = std::hash<std::string_view>{}(token);
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = map_.find(h);
    if (i == map_.end() || !i->second.matches(token, cfg))
      return false;
    who = i->second.who;
    valid = i->second.valid;
    return true;
  }

  void add(std::string_view token, const token_config& cfg, const identity& who,
           const validity& valid) {
    auto h = std::hash<std::string_view>{}(token);
    std::lock_guard<std::mutex> guard{mtx_};
    if (map_.size() >= capacity)
      map_.clear();
    map_[h] = entry{std::string{token}, cfg, who, valid};
  }

private:
  struct entry {
    std::string token;
    token_config cfg;
    identity who;
    validity valid;

    bool matches(std::string_view t, const token_config& c) const {
      return token == t && cfg.secret == c.secret && cfg.issuer == c.issuer
             && cfg.audience == c.audience;
    }
  };
  mutable std::mutex mtx_;
  std::unordered_map<std::size_t, entry> map_;
};

verified_tokens& verified() {
  static verified_tokens table;
  return table;
}

} // namespace

verify_result verify_token_at(std::string_view token, const token_config& cfg,
                              double now) {
  try {
    identity who;
    validity valid;
    if (!cfg.secret.empty() && verified().find(token, cfg, who, valid)) {
      if (now >= valid.exp)
        return expired();
      if (now < valid.nbf)
        return reject("token not yet valid");
      return who;
    }
    auto result = verify_impl(token, cfg, now, valid);
    if (auto* ok = std::get_if<identity>(&result))
      verified().add(token, cfg, *ok, valid);
    return result;
  } catch (...) {
    return reject("malformed token");
  }
}

verify_result verify_token(std::string_view token, const token_config& cfg) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  return verify_token_at(token, cfg, static_cast<double>(now));
}

std::string mint_token(const identity& who, const token_config& cfg,
                       std::chrono::seconds ttl) {
  if (cfg.secret.empty())
    throw std::invalid_argument("mint_token: empty secret");
  if (who.user_id.empty())
    throw std::invalid_argument("mint_token: empty user id");
  auto now = std::chrono::system_clock::now();
  jwt::jwt_object obj{jwt::params::algorithm("HS256"),
                      jwt::params::secret(cfg.secret)};
  obj.add_claim("sub", who.user_id);
  obj.add_claim("name", who.name.empty() ? who.user_id : who.name);
  if (!who.role.empty())
    obj.add_claim("role", who.role);
  obj.add_claim("iat", now);
  obj.add_claim("exp", now + ttl);
  if (!cfg.issuer.empty())
    obj.add_claim("iss", cfg.issuer);
  if (!cfg.audience.empty())
    obj.add_claim("aud", cfg.audience);
  std::error_code ec;
  auto token = obj.signature(ec);
  if (ec)
    throw std::runtime_error("mint_token: " + ec.message());
  return token;
}

std::string random_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // OpenSSL could not seed itself; ask the kernel directly.
    std::FILE* f = std::fopen("/dev/urandom", "rb");
    bool ok = f != nullptr
              && std::fread(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (f != nullptr)
      std::fclose(f);
    if (!ok)
      throw std::runtime_error("random_secret: no source of randomness");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xF]);
  }
  return out;
}



// -- resume tokens ------------------------------------------------------------
//
// "r1.<room b64url>.<user b64url>.<HMAC-SHA256 b64url>", the MAC over
// "proctord-resume\n<room>\n<user>" with the server's secret. Opaque to
// clients; bound to one user in one room; valid as long as the room lives.

namespace {

constexpr std::string_view resume_prefix = "r1.";

std::string resume_signing_input(std::string_view room_id,
                                 std::string_view user_id) {
  std::string in{"proctord-resume\n"};
  in.append(room_id).append("\n").append(user_id);
  return in;
}

std::string b64url_of(std::string_view s) {
  return b64url_encode(reinterpret_cast<const unsigned char*>(s.data()),
                       s.size());
}

} // namespace

std::string mint_resume_token(std::string_view room_id,
                              std::string_view user_id,
                              const token_config& cfg) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  auto input = resume_signing_input(room_id, user_id);
  HMAC(EVP_sha256(), cfg.secret.data(), static_cast<int>(cfg.secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(),
       mac.data(), &mac_len);
  std::string token{resume_prefix};
  token += b64url_of(room_id);
  token += '.';
  token += b64url_of(user_id);
  token += '.';
  token += b64url_encode(mac.data(), mac_len);
  return token;
}

std::optional<resume_claims> verify_resume_token(std::string_view token,
                                                 const token_config& cfg) {
  try {
    if (cfg.secret.empty() || token.size() > 1024
        || token.substr(0, resume_prefix.size()) != resume_prefix)
      return std::nullopt;
    token.remove_prefix(resume_prefix.size());
    auto dot1 = token.find('.');
    if (dot1 == std::string_view::npos)
      return std::nullopt;
    auto dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos
        || token.find('.', dot2 + 1) != std::string_view::npos)
      return std::nullopt;
    auto room_part = token.substr(0, dot1);
    auto user_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
    auto mac_part = token.substr(dot2 + 1);
    if (room_part.empty() || user_part.empty() || !is_b64url(room_part)
        || !is_b64url(user_part) || !is_b64url(mac_part))
      return std::nullopt;
    resume_claims claims{b64url_decode(room_part), b64url_decode(user_part)};
    if (!signature_matches(resume_signing_input(claims.room_id, claims.user_id),
                           mac_part, cfg.secret))
      return std::nullopt;
    return claims;
  } catch (...) {
    return std::nullopt;
  }
}

} // namespace proctord::protocol
