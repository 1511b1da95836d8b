#pragma once
// Client addresses behind reverse proxies. Beast-free.

#include "net/server.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::net {

/// A set of IPv4/IPv6 addresses and CIDR ranges ("10.0.0.0/8",
/// "127.0.0.1", "::1", "fd00::/8"). An IPv4-mapped IPv6 address
/// (::ffff:a.b.c.d) counts as its IPv4 address.
class address_set {
public:
  /// Parses a comma-separated list; nullopt (and `error` says which entry)
  /// when an entry is not an address or range.
  static std::optional<address_set> parse(std::string_view list,
                                          std::string* error = nullptr);

  bool contains(std::string_view ip) const;
  bool empty() const noexcept { return ranges_.empty(); }

private:
  struct range {
    unsigned char bytes[16] = {};
    unsigned prefix = 0; // bits, of 128 (IPv4 is mapped)
  };
  std::vector<range> ranges_;
};

/// The client's address: the peer's own, unless the peer is a trusted
/// proxy; then X-Forwarded-For is read right to left, skipping trusted
/// proxies, and the first address that is not one is the client (the
/// leftmost when all are). A malformed entry stops the walk at the last
/// good hop. IPv4-mapped IPv6 addresses are written as IPv4.
std::string client_address(const http_request& req, const address_set& trusted);

} // namespace proctord::net
