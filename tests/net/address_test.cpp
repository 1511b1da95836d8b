// Client addresses behind reverse proxies: only a trusted peer's
// X-Forwarded-For counts, read right to left.

#include "net/address.hpp"

#include <catch2/catch.hpp>

using proctord::net::address_set;
using proctord::net::client_address;
using proctord::net::http_request;

namespace {

http_request from(std::string ip, std::string xff = {}) {
  http_request r;
  r.remote_ip = std::move(ip);
  if (!xff.empty())
    r.headers.add("X-Forwarded-For", std::move(xff));
  return r;
}

address_set set(std::string_view list) {
  auto s = address_set::parse(list);
  REQUIRE(s);
  return *s;
}

} // namespace

TEST_CASE("address set: addresses and CIDR ranges of both families", "[address]") {
  auto s = set("10.0.0.0/8, 127.0.0.1,192.168.1.0/24,fd00::/8,::1");
  CHECK(s.contains("10.1.2.3"));
  CHECK(s.contains("127.0.0.1"));
  CHECK_FALSE(s.contains("127.0.0.2"));
  CHECK(s.contains("192.168.1.77"));
  CHECK_FALSE(s.contains("192.168.2.1"));
  CHECK(s.contains("fd12::1"));
  CHECK(s.contains("::1"));
  CHECK_FALSE(s.contains("fe80::1"));
  CHECK(s.contains("::ffff:10.9.8.7")); // IPv4-mapped counts as IPv4
  CHECK_FALSE(s.contains("not an address"));
}

TEST_CASE("address set: a bad entry is refused and named", "[address]") {
  for (auto bad : {"10.0.0.0/33", "1.2.3", "::1/129", "10.0.0.0/", "x/8",
                   "10.0.0.0/8a"}) {
    INFO(bad);
    std::string which;
    CHECK_FALSE(address_set::parse(std::string{"127.0.0.1,"} + bad, &which));
    CHECK(which == bad);
  }
  CHECK(address_set::parse("")->empty());
}

TEST_CASE("client address: X-Forwarded-For is ignored from an untrusted peer",
          "[address]") {
  CHECK(client_address(from("203.0.113.9", "1.2.3.4"), address_set{}) == "203.0.113.9");
  CHECK(client_address(from("203.0.113.9", "1.2.3.4"), set("10.0.0.0/8"))
        == "203.0.113.9");
}

TEST_CASE("client address: a trusted proxy names the client", "[address]") {
  auto trusted = set("10.0.0.0/8");
  CHECK(client_address(from("10.0.0.5", "198.51.100.7"), trusted) == "198.51.100.7");
  // Proxies in a chain are skipped; a spoofed leftmost entry is not reached.
  CHECK(client_address(from("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9"), trusted)
        == "198.51.100.7");
  // All trusted: the leftmost.
  CHECK(client_address(from("10.0.0.5", "10.1.1.1, 10.0.0.9"), trusted) == "10.1.1.1");
  // A hop we cannot read stops the walk at the last good one.
  CHECK(client_address(from("10.0.0.5", "198.51.100.7, garbage"), trusted) == "10.0.0.5");
  // No header: the proxy itself.
  CHECK(client_address(from("10.0.0.5"), trusted) == "10.0.0.5");
}

TEST_CASE("client address: IPv4-mapped peers are written as IPv4", "[address]") {
  CHECK(client_address(from("::ffff:127.0.0.2"), address_set{}) == "127.0.0.2");
}
