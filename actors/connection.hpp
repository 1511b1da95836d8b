#pragma once
// The connection actor: one per connection, whatever its dialect. It holds
// the connection's identity (from a token, never from message fields) and,
// per channel, its seat, and turns decoded commands into typed room
// messages. Its own replies (errors) go through the node's relay, the path
// every frame to this client takes.
//
// A channel's seat:
//
//            CREATE_ROOM / JOIN_ROOM / RESUME          seat_changed(pending|seated)
//   idle ───────────────────────────────────▶ joining ─────────────────────────▶ seated
//    ▲                                           │                                  │
//    └──── seat_changed(refused) / lookup ◀──────┘                                  │
//    │     failed / the room died                                                  │
//    └──────────────── seat_changed(released|ended|kicked) / the room died ◀───────┘
//
// While joining, another CREATE_ROOM / JOIN_ROOM / RESUME on the channel gets
// ALREADY_IN_ROOM: a channel never sits in two rooms.

#include "actors/interfaces.hpp"
#include "protocol/token.hpp"

#include <caf/stateful_actor.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace proctord {

struct channel_seat {
  enum class phase : std::uint8_t { idle, joining, seated };
  phase at = phase::idle;
  /// The room joined or being joined (null while the directory looks it up).
  room_actor room;
  std::string room_id;
  /// The last room this channel sat in that has ended since.
  std::string ended_room_id;
};

struct connection_state {
  static constexpr const char* name = "connection";
  relay_actor relay;
  std::uint64_t conn_id = 0;
  directory_actor directory;
  /// The node's token settings, shared by every connection (not copied).
  std::shared_ptr<const protocol::token_config> tokens;
  std::optional<protocol::identity> who;
  std::string socket_id;
  std::map<channel_id, channel_seat> channels;
};

/// `who` is set when the handshake carried a valid token. `conn_id` is the
/// connection's id in the node's socket registry, which `relay` writes to.
connection_actor::behavior_type
connection(connection_actor::stateful_pointer<connection_state> self,
           relay_actor relay, std::uint64_t conn_id, directory_actor directory,
           std::shared_ptr<const protocol::token_config> tokens,
           std::optional<protocol::identity> who,
           std::string socket_id);

} // namespace proctord
