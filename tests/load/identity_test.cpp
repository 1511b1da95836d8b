#include <catch2/catch.hpp>

#include <set>
#include <variant>

#include "identity.hpp"
#include "options.hpp"
#include "protocol/token.hpp"

using namespace proctord::load;
namespace protocol = proctord::protocol;

TEST_CASE("load users are distinct across instances, rooms and roles") {
  std::set<std::string> ids;
  for (unsigned instance : {0u, 1u})
    for (std::size_t room : {0u, 1u, 11u})
      for (auto who : {role::host, role::participant})
        for (std::size_t i : {0u, 1u, 10u})
          ids.insert(identity_for(instance, room, who, i).user_id);
  CHECK(ids.size() == 2 * 3 * 2 * 3);
  auto h = identity_for(3, 12, role::host, 0);
  CHECK(h.user_id == "i3-r12-h0");
  CHECK(h.role == "host");
  CHECK(identity_for(3, 12, role::participant, 7).user_id == "i3-r12-p7");
}

TEST_CASE("minted tokens verify with the server's secret and carry the identity") {
  auto who = identity_for(0, 4, role::participant, 2);
  auto token = mint_client_token(who, "load-secret", "", "", std::chrono::hours(1));
  auto ok = protocol::verify_token(token, {"load-secret", "", ""});
  REQUIRE(std::holds_alternative<protocol::identity>(ok));
  auto& id = std::get<protocol::identity>(ok);
  CHECK(id.user_id == who.user_id);
  CHECK(id.name == who.name);
  CHECK(id.role == "participant");
}

TEST_CASE("a token minted with another secret, issuer or audience is refused") {
  auto who = identity_for(0, 0, role::host, 0);
  auto token = mint_client_token(who, "one", "iss-a", "aud-a", std::chrono::hours(1));
  CHECK(std::holds_alternative<protocol::identity>(
    protocol::verify_token(token, {"one", "iss-a", "aud-a"})));
  CHECK(std::holds_alternative<protocol::token_rejection>(
    protocol::verify_token(token, {"two", "iss-a", "aud-a"})));
  CHECK(std::holds_alternative<protocol::token_rejection>(
    protocol::verify_token(token, {"one", "iss-b", "aud-a"})));
  CHECK(std::holds_alternative<protocol::token_rejection>(
    protocol::verify_token(token, {"one", "iss-a", "aud-b"})));
}

TEST_CASE("an expired load token is refused") {
  auto who = identity_for(0, 0, role::host, 0);
  auto token = mint_client_token(who, "s", "", "", std::chrono::seconds(-120));
  CHECK(std::holds_alternative<protocol::token_rejection>(
    protocol::verify_token(token, {"s", "", ""})));
}

TEST_CASE("source address lists and ranges expand") {
  auto a = expand_addresses("127.0.0.2-127.0.0.9");
  REQUIRE(a.size() == 8);
  CHECK(a.front() == "127.0.0.2");
  CHECK(a.back() == "127.0.0.9");
  CHECK(expand_addresses("127.0.0.1,127.0.0.5").size() == 2);
  CHECK_THROWS_AS(expand_addresses("127.0.0.9-127.0.0.2"), usage_error);
  CHECK_THROWS_AS(expand_addresses("127.0.0.0-127.0.255.255"), usage_error);
  CHECK_THROWS_AS(expand_addresses("localhost"), usage_error);
  CHECK_THROWS_AS(expand_addresses("127.0.0.1,,127.0.0.2"), usage_error);
}

TEST_CASE("load goes to loopback only unless allowed") {
  CHECK(is_loopback("127.0.0.1"));
  CHECK(is_loopback("127.3.4.5"));
  CHECK(is_loopback("::1"));
  CHECK(is_loopback("::ffff:127.0.0.1"));
  CHECK_FALSE(is_loopback("10.0.0.1"));
  CHECK_FALSE(is_loopback("::ffff:10.0.0.1"));
  CHECK_FALSE(is_loopback("not an address"));

  CHECK(check_targets({"127.0.0.1"}, {}, false).empty());
  CHECK(check_targets({"127.0.0.1"}, {"127.0.0.2", "127.0.0.3"}, false).empty());
  CHECK_THAT(check_targets({"192.168.1.20"}, {}, false),
             Catch::Contains("not a loopback address"));
  CHECK_THAT(check_targets({"127.0.0.1", "10.1.1.1"}, {}, false),
             Catch::Contains("10.1.1.1"));
  CHECK_THAT(check_targets({"127.0.0.1"}, {"10.0.0.5"}, false),
             Catch::Contains("source address 10.0.0.5"));
  CHECK(check_targets({"192.168.1.20"}, {}, true).empty());
  CHECK_FALSE(check_targets({}, {}, true).empty());
}
