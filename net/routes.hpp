#pragma once
// Internal to net/: the route table (the matching rule is documented at
// net::route in server.hpp). Beast-free.

#include "net/server.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace proctord::net::detail {

/// Built on the owning thread before start(), read-only afterwards (so the
/// io threads read it without a lock: starting them orders the writes first).
class route_table {
public:
  /// Throws std::logic_error for a bad or duplicate route.
  void add(route r);
  void set_fallback(std::shared_ptr<http_endpoint> ep) {
    fallback_ = std::move(ep);
  }

  /// The route for `path`, or null.
  const route* find(std::string_view path) const;

  const std::shared_ptr<http_endpoint>& fallback() const noexcept {
    return fallback_;
  }

private:
  struct entry {
    route r;
    std::string prefix; // the path without its '*'
    bool subtree = false;
  };
  std::vector<entry> entries_;
  std::shared_ptr<http_endpoint> fallback_;
};

} // namespace proctord::net::detail
