#pragma once
// The server's HTTP API for the load tool's run steps (/api/stats, the
// contest's POST /api/contests and /start, the study rooms' users and
// broadcasts): plain HTTP/1.1, on the calling thread.

#include <cstdint>
#include <memory>
#include <string>

#include "dialect.hpp"

namespace proctord::load {

/// Requests go to `address`:`port` (the address the WebSocket target
/// resolved to), with `host_header` as Host. Each gives up after 10 s.
std::unique_ptr<http_api> make_http_api(const std::string& address,
                                        std::uint16_t port,
                                        std::string host_header);

/// The same over one keep-alive connection (opened again when the server
/// closes it), bound to the local address `source` unless it is empty.
/// One thread at a time.
std::unique_ptr<http_api> make_keepalive_http_api(const std::string& address,
                                                  std::uint16_t port,
                                                  std::string host_header,
                                                  const std::string& source);

} // namespace proctord::load
