// The gateway's pure helpers: where a handshake's token comes from, the
// socket ids it makes, and the per-connection rate limit.

#include "actors/gateway.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

using proctord::handshake_token;
using proctord::make_uuid;
using proctord::token_bucket;

TEST_CASE("gateway: the handshake token comes from the query, else a "
          "Bearer header",
          "[gateway]") {
  struct row {
    std::string target;
    std::string authorization;
    std::string expected;
  };
  const row rows[] = {
    {"/ws?token=abc.def.ghi", "", "abc.def.ghi"},
    {"/?token=abc", "", "abc"},
    {"/ws?room=1&token=abc&x=2", "", "abc"},
    // url-encoded
    {"/ws?token=a%2Eb%2ec", "", "a.b.c"},
    {"/ws?token=a%2", "", "a%2"},      // a cut escape stays as it is
    {"/ws?token=a%zzb", "", "a%zzb"},  // so does a bad one
    // only a parameter named exactly "token"
    {"/ws?xtoken=abc", "", ""},
    {"/ws?tokens=abc", "", ""},
    // the header
    {"/ws", "Bearer abc.def.ghi", "abc.def.ghi"},
    {"/ws?room=1", "Bearer abc", "abc"},
    {"/ws", "Basic dXNlcjpwYXNz", ""},
    {"/ws", "Bearer ", ""},
    // the query wins over the header
    {"/ws?token=fromquery", "Bearer fromheader", "fromquery"},
    // none
    {"/ws", "", ""},
    {"/ws?", "", ""},
  };
  for (const auto& r : rows) {
    INFO("target " << r.target << ", authorization '" << r.authorization
                   << "'");
    CHECK(handshake_token(r.target, r.authorization) == r.expected);
  }
}

TEST_CASE("gateway: socket ids are random version-4 UUIDs", "[gateway]") {
  const std::regex v4{
    "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"};
  std::set<std::string> seen;
  constexpr int n = 1000;
  for (int i = 0; i < n; ++i) {
    auto id = make_uuid();
    INFO(id);
    CHECK(std::regex_match(id, v4));
    seen.insert(id);
  }
  CHECK(seen.size() == n);
}

namespace {

/// How many tokens `b` gives at `now_s` before it refuses one.
int take_all(token_bucket& b, double now_s) {
  int n = 0;
  while (b.take(now_s) && n < 1'000'000)
    ++n;
  return n;
}

} // namespace

TEST_CASE("gateway: the token bucket allows a burst, then its rate",
          "[gateway]") {
  // The defaults: 30 messages per second, bursts of 60.
  token_bucket b{30, 60};
  const double t0 = 1000.0; // seconds on some steady clock
  CHECK(take_all(b, t0) == 60);
  CHECK_FALSE(b.take(t0));
  // Half a second refills 15 tokens.
  CHECK(take_all(b, t0 + 0.5) == 15);
  // A quarter of a second: 7.5 tokens, so 7 now ...
  CHECK(take_all(b, t0 + 0.75) == 7);
  // ... and the half token is kept: 1/16 s more adds 1.875, so 2 (not 1).
  CHECK(take_all(b, t0 + 0.8125) == 2);
  // A long pause refills no more than the burst.
  CHECK(take_all(b, t0 + 3600) == 60);
}

TEST_CASE("gateway: the token bucket keeps fractions of a token",
          "[gateway]") {
  token_bucket b{1, 1};
  CHECK(b.take(10.0));
  CHECK_FALSE(b.take(10.5)); // half a token
  CHECK(b.take(11.0));       // the other half
  CHECK_FALSE(b.take(11.0));
  // Refused attempts do not cost a token.
  CHECK_FALSE(b.take(11.25));
  CHECK_FALSE(b.take(11.75));
  CHECK(b.take(12.0));
}

TEST_CASE("gateway: the first take may be at time zero", "[gateway]") {
  token_bucket b{10, 2};
  CHECK(b.take(0.0));
  CHECK(b.take(0.0));
  CHECK_FALSE(b.take(0.0));
  CHECK(b.take(0.1));
}
