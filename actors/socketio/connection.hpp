#pragma once
// The Socket.IO connection actor: one per Engine.IO connection. Each
// namespace socket is a channel with its own state:
//
//          CONNECT                  sio_seated(true)
//   (none) ───────▶ joining ──────────────────────▶ seated
//      ▲              │ sio_seated(false)              │ DISCONNECT / sio_seated(false)
//      └──────────────┴────────────────────────────────┘
//
// A CONNECT to a namespace no domain serves is answered CONNECT_ERROR
// "Invalid namespace" (through the relay, in order with everything else).
// A connection with no namespace joined within connect_timeout is closed.
// When the connection closes, every channel's domain hears the socket
// leave, and the actor quits.

#include "actors/socketio/interfaces.hpp"
#include "actors/socketio/namespaces.hpp"

#include <caf/stateful_actor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace proctord {

struct sio_connection_config {
  std::chrono::milliseconds connect_timeout{45'000};
  namespace_table namespaces;
};

struct sio_channel {
  enum class phase : std::uint8_t { joining, seated };
  phase at = phase::joining;
  std::string nsp;
  sio_domain_actor domain;
};

struct sio_connection_state {
  static constexpr const char* name = "sio_connection";
  relay_actor relay;
  std::uint64_t conn_id = 0;
  std::shared_ptr<const sio_connection_config> cfg;
  std::string address;
  std::string token;
  std::map<channel_id, sio_channel> channels;
  bool ever_seated = false;
};

/// `address` is the client's address as the door resolved it; `token` the
/// handshake's `token` query parameter ("" for none).
sio_connection_actor::behavior_type
sio_connection(sio_connection_actor::stateful_pointer<sio_connection_state> self,
               relay_actor relay, std::uint64_t conn_id,
               std::shared_ptr<const sio_connection_config> cfg,
               std::string address, std::string token);

} // namespace proctord
