#pragma once
// The CONNECT payload of a Socket.IO client (its `auth` option, plus what
// the client adds itself): the token, and the pid and offset of connection
// state recovery.

#include <optional>
#include <string>
#include <string_view>

namespace proctord::protocol::socketio {

struct connect_auth {
  std::string token;                 // "" when absent or not a string
  std::string pid;                   // "" when absent or not a string
  std::optional<std::string> offset; // nullopt when absent or not a string
};

/// Reads the raw JSON object of a CONNECT ("" for none). Never throws;
/// fields of the wrong type, and a payload that is not a JSON object, read
/// as absent. Fields longer than `max_field` bytes read as absent.
connect_auth parse_connect_auth(std::string_view raw,
                                std::size_t max_field = 4096);

} // namespace proctord::protocol::socketio
