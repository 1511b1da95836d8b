#pragma once
// Which domain serves a Socket.IO namespace. Names are exact ("/",
// "/custom") or a prefix with one more path segment ("/public-room/" matches
// "/public-room/abc", not "/public-room/" nor "/public-room/a/b"). An exact
// name wins over a prefix; anything else is "Invalid namespace".

#include "actors/socketio/interfaces.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proctord {

class namespace_table {
public:
  /// Serves exactly `name` (starting with '/').
  void add_exact(std::string name, sio_domain_actor domain);
  /// Serves `prefix` + one segment of 1-128 characters from
  /// [A-Za-z0-9._~-] (`prefix` starts and ends with '/').
  void add_pattern(std::string prefix, sio_domain_actor domain);

  std::optional<sio_domain_actor> find(std::string_view nsp) const;

  bool empty() const noexcept { return routes_.empty(); }

private:
  struct entry {
    std::string name;
    bool prefix = false;
    sio_domain_actor domain;
  };
  std::vector<entry> routes_;
};

} // namespace proctord
