#pragma once
// The server's HTTP API for the load tool's run steps (/api/stats, the
// contest's POST /api/contests and /start): plain HTTP/1.1, one short
// connection per request, on the calling thread. Main thread only.

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

} // namespace proctord::load
