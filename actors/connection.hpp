#pragma once
// The connection actor: one per WebSocket. It holds the connection's
// identity (from a token, never from message fields) and its seat, turns
// decoded commands into typed room messages, and writes the frames rooms
// send it to the socket.

#include "actors/interfaces.hpp"
#include "net/server.hpp"
#include "protocol/token.hpp"

#include <caf/stateful_actor.hpp>

#include <memory>
#include <optional>
#include <string>

namespace proctord {

struct connection_state {
  static constexpr const char* name = "connection";
  std::shared_ptr<net::outbound> out;
  directory_actor directory;
  protocol::token_config tokens;
  std::optional<protocol::identity> who;
  std::string socket_id;
  /// The room this connection has a seat in (pending or seated), if any.
  room_actor room;
  std::string room_id;
  /// The last room this connection sat in that has ended since.
  std::string ended_room_id;
};

/// `who` is set when the handshake carried a valid token.
connection_actor::behavior_type
connection(connection_actor::stateful_pointer<connection_state> self,
           std::shared_ptr<net::outbound> out, directory_actor directory,
           protocol::token_config tokens, std::optional<protocol::identity> who,
           std::string socket_id);

} // namespace proctord
