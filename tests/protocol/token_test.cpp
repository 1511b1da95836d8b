// JWT verification: HS256 with the server's secret, nothing else.
// Hostile tokens are built by hand here (base64url + OpenSSL HMAC), not with
// the JWT library under test.

#include "protocol/token.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>
#include <vector>

using namespace proctord::protocol;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const token_config cfg{"test-secret-0123456789abcdef", "", ""};

std::string b64url(std::string_view in) {
  static constexpr char abc[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(abc[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0)
    out.push_back(abc[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::string hmac(const EVP_MD* md, const std::string& key,
                 const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &len);
  return b64url(std::string(reinterpret_cast<char*>(mac), len));
}

/// A compact JWS with the given header and payload text, signed with `md`
/// (nullptr: empty signature).
std::string make_token(const std::string& header, const std::string& payload,
                       const EVP_MD* md = EVP_sha256(),
                       const std::string& key = cfg.secret) {
  auto input = b64url(header) + "." + b64url(payload);
  return input + "." + (md != nullptr ? hmac(md, key, input) : "");
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

const std::string hs256 = R"({"alg":"HS256","typ":"JWT"})";

std::string claims(json extra) {
  json p = {{"sub", "user456"}, {"exp", now_s() + 3600}};
  p.update(extra);
  return p.dump();
}

identity accepted(std::string_view token, const token_config& c = cfg) {
  auto res = verify_token(token, c);
  if (auto* r = std::get_if<token_rejection>(&res))
    FAIL("rejected: " << r->reason);
  return std::get<identity>(res);
}

std::string rejected(std::string_view token, const token_config& c = cfg) {
  auto res = verify_token(token, c);
  REQUIRE(std::holds_alternative<token_rejection>(res));
  auto reason = std::get<token_rejection>(res).reason;
  CHECK_FALSE(reason.empty());
  return reason;
}

} // namespace

TEST_CASE("a minted token verifies") {
  auto tok = mint_token({"user456", "John Doe", "host"}, cfg);
  auto who = accepted(tok);
  CHECK(who.user_id == "user456");
  CHECK(who.name == "John Doe");
  CHECK(who.role == "host");

  auto plain = accepted(mint_token({"u1", "", ""}, cfg));
  CHECK(plain.name == "u1");
  CHECK(plain.role.empty());
}

TEST_CASE("name falls back to username, then to sub") {
  auto a = accepted(make_token(hs256, claims({{"name", "N"}, {"username", "U"}})));
  CHECK(a.name == "N");
  auto b = accepted(make_token(hs256, claims({{"username", "U"}})));
  CHECK(b.name == "U");
  auto c = accepted(make_token(hs256, claims({{"name", 7}, {"role", 1}})));
  CHECK(c.name == "user456");
  CHECK(c.role.empty());
  // Duplicate claims: the lexically last one counts (RFC 7519 section 4).
  auto dup = accepted(make_token(hs256, R"({"sub":"a","sub":"b"})"));
  CHECK(dup.user_id == "b");
  // No exp at all is allowed (the issuer decides); no typ either.
  auto d = accepted(make_token(R"({"alg":"HS256"})", R"({"sub":"s"})"));
  CHECK(d.user_id == "s");
}

TEST_CASE("forged, foreign and broken tokens are rejected") {
  auto good = mint_token({"user456", "John Doe", ""}, cfg);
  auto payload_start = good.find('.') + 1;
  auto payload_end = good.rfind('.');
  std::string none_header = R"({"alg":"none","typ":"JWT"})";
  auto body = claims({{"name", "John Doe"}});

  struct row {
    const char* what;
    std::string token;
  };
  const row rows[] = {
    {"wrong secret", mint_token({"user456", "x", ""}, {"other-secret", "", ""})},
    {"tampered payload",
     good.substr(0, payload_start)
       + b64url(claims({{"sub", "admin"}}))
       + good.substr(payload_end)},
    {"tampered signature", good.substr(0, good.size() - 2)
                             + (good.back() == 'A' ? "BB" : "AA")},
    {"signature dropped", good.substr(0, payload_end + 1)},
    {"expired", mint_token({"user456", "x", ""}, cfg, -60s)},
    {"alg none, empty signature", make_token(none_header, body, nullptr)},
    {"alg none, HS256 signature",
     b64url(none_header) + "." + b64url(body) + "."
       + hmac(EVP_sha256(), cfg.secret, b64url(hs256) + "." + b64url(body))},
    {"alg None", make_token(R"({"alg":"None"})", body, nullptr)},
    {"alg NONE", make_token(R"({"alg":"NONE"})", body, nullptr)},
    {"alg none, two parts", b64url(none_header) + "." + b64url(body)},
    {"HS512 with the right secret",
     make_token(R"({"alg":"HS512","typ":"JWT"})", body, EVP_sha512())},
    {"HS384 with the right secret",
     make_token(R"({"alg":"HS384","typ":"JWT"})", body, EVP_sha384())},
    {"HS512 header, HS256 signature",
     make_token(R"({"alg":"HS512","typ":"JWT"})", body, EVP_sha256())},
    {"alg in lower case", make_token(R"({"alg":"hs256"})", body)},
    {"RS256 header", make_token(R"({"alg":"RS256"})", body)},
    {"alg not a string", make_token(R"({"alg":256})", body)},
    {"alg missing", make_token(R"({"typ":"JWT"})", body)},
    {"typ not JWT", make_token(R"({"alg":"HS256","typ":"xml"})", body)},
    {"typ not a string", make_token(R"({"alg":"HS256","typ":1})", body)},
    {"crit header", make_token(R"({"alg":"HS256","crit":["exp"]})", body)},
    {"header is an array", make_token(R"(["HS256"])", body)},
    {"header not JSON", make_token("alg=HS256", body)},
    {"payload not JSON", make_token(hs256, "sub=admin")},
    {"payload is an array", make_token(hs256, R"(["user456"])")},
    {"payload not UTF-8", make_token(hs256, "{\"sub\":\"\xFF\"}")},
    {"missing sub", make_token(hs256, R"({"name":"x"})")},
    {"empty sub", make_token(hs256, claims({{"sub", ""}}))},
    {"sub not a string", make_token(hs256, claims({{"sub", 456}}))},
    {"sub too long", make_token(hs256, claims({{"sub", std::string(65, 's')}}))},
    {"exp not a number", make_token(hs256, claims({{"exp", "tomorrow"}}))},
    {"exp negative", make_token(hs256, claims({{"exp", -1}}))},
    {"exp absurd", make_token(hs256, claims({{"exp", 1e300}}))},
    {"nbf in the future", make_token(hs256, claims({{"nbf", now_s() + 3600}}))},
    {"iat not a number", make_token(hs256, claims({{"iat", "now"}}))},
    {"empty", ""},
    {"one part", "abc"},
    {"two parts", "abc.def"},
    {"four parts", good + ".x"},
    {"only dots", ".."},
    {"empty header", "." + good.substr(payload_start)},
    {"padding", good + "="},
    {"spaces", " " + good},
    {"bytes >= 0x80", "\xFF\xFE\xFD.\x80\x81.\xC3\xA9"},
    {"bearer prefix", "Bearer " + good},
    {"too long", make_token(hs256, claims({{"pad", std::string(9000, 'p')}}))},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    rejected(r.token);
    // Only a token we signed that has run out says "expired" (the contest
    // door's 4002); a forged or broken one never does.
    CHECK(std::get<token_rejection>(verify_token(r.token, cfg)).expired
          == (std::string_view{r.what} == "expired"));
  }
  // Sanity: the unmodified token is fine.
  accepted(good);
}

TEST_CASE("a token presented again is still checked for time and secret") {
  auto now = static_cast<double>(now_s());
  auto tok = mint_token({"again", "Again", "host"}, cfg, 60s);
  CHECK(accepted(tok).name == "Again");
  // Remembered now; the same bytes again give the same identity.
  auto twice = accepted(tok);
  CHECK(twice.user_id == "again");
  CHECK(twice.role == "host");

  // Its exp still ends it.
  auto late = verify_token_at(tok, cfg, now + 120);
  REQUIRE(std::holds_alternative<token_rejection>(late));
  CHECK(std::get<token_rejection>(late).expired);
  CHECK(std::holds_alternative<identity>(verify_token_at(tok, cfg, now)));

  // Another secret, issuer or audience verifies it afresh, and refuses it.
  rejected(tok, {"other-secret", "", ""});
  rejected(tok, {cfg.secret, "proctord", ""});
  rejected(tok, {cfg.secret, "", "exams"});
  // A byte changed is another token.
  rejected(tok.substr(0, tok.size() - 2) + (tok.back() == 'A' ? "BB" : "AA"));

  // nbf too.
  auto early = make_token(hs256, claims({{"sub", "early"}, {"nbf", now - 10}}));
  CHECK(accepted(early).user_id == "early");
  auto before = verify_token_at(early, cfg, now - 20);
  REQUIRE(std::holds_alternative<token_rejection>(before));
  CHECK_FALSE(std::get<token_rejection>(before).expired);
}

TEST_CASE("many callers' tokens all verify while the table starts over") {
  std::vector<std::string> tokens;
  for (int i = 0; i < 2500; ++i)
    tokens.push_back(mint_token({"user" + std::to_string(i), "", ""}, cfg));
  for (int round = 0; round < 2; ++round)
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      INFO("round " << round << " token " << i);
      CHECK(accepted(tokens[i]).user_id == "user" + std::to_string(i));
    }
}

TEST_CASE("issuer and audience are checked when configured") {
  token_config strict{cfg.secret, "proctord", "exams"};
  auto good = mint_token({"u", "U", ""}, strict);
  CHECK(accepted(good, strict).user_id == "u");
  CHECK(accepted(good, cfg).user_id == "u"); // not configured: not checked

  rejected(mint_token({"u", "U", ""}, {cfg.secret, "evil", "exams"}), strict);
  rejected(mint_token({"u", "U", ""}, {cfg.secret, "proctord", "other"}),
           strict);
  rejected(mint_token({"u", "U", ""}, cfg), strict); // neither claim
  rejected(make_token(hs256, claims({{"iss", 1}, {"aud", "exams"}})), strict);

  // aud may be an array (RFC 7519 4.1.3).
  auto list = make_token(
    hs256, claims({{"iss", "proctord"}, {"aud", {"web", "exams"}}}));
  CHECK(accepted(list, strict).user_id == "user456");
  rejected(make_token(hs256,
                      claims({{"iss", "proctord"}, {"aud", {"web", "app"}}})),
           strict);
}

TEST_CASE("a server without a secret accepts nothing") {
  auto tok = mint_token({"u", "U", ""}, cfg);
  rejected(tok, token_config{});
  // A token "signed" with the empty key is no better.
  rejected(make_token(hs256, claims(json::object()), EVP_sha256(), ""), token_config{});
  CHECK_THROWS(mint_token({"u", "U", ""}, token_config{}));
}

TEST_CASE("random_secret gives 32 fresh random bytes in hex") {
  auto a = random_secret();
  auto b = random_secret();
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
  // A random secret works end to end.
  token_config c{a, "", ""};
  CHECK(accepted(mint_token({"u", "U", ""}, c), c).user_id == "u");
  rejected(mint_token({"u", "U", ""}, c), token_config{b, "", ""});
}

TEST_CASE("resume tokens are bound to one user in one room") {
  auto t = mint_resume_token("A7x9K2", "user456", cfg);
  auto claims = verify_resume_token(t, cfg);
  REQUIRE(claims);
  CHECK(claims->room_id == "A7x9K2");
  CHECK(claims->user_id == "user456");
  // Another secret, another user's or room's id under the same MAC, and
  // broken shapes are all refused.
  CHECK_FALSE(verify_resume_token(t, token_config{"other-secret", "", ""}));
  auto other = mint_resume_token("A7x9K2", "user789", cfg);
  auto mac = t.substr(t.rfind('.'));
  auto forged = other.substr(0, other.rfind('.')) + mac;
  CHECK_FALSE(verify_resume_token(forged, cfg));
  CHECK_FALSE(verify_resume_token(t.substr(0, t.size() - 1), cfg));
  CHECK_FALSE(verify_resume_token("", cfg));
  CHECK_FALSE(verify_resume_token("r1...", cfg));
  CHECK_FALSE(verify_resume_token(t + ".x", cfg));
  CHECK_FALSE(verify_resume_token(t, token_config{}));
  // A JWT is not a resume token, and a resume token is not a JWT.
  CHECK_FALSE(verify_resume_token(mint_token({"user456", "J", ""}, cfg), cfg));
  CHECK(std::holds_alternative<token_rejection>(verify_token(t, cfg)));
}
