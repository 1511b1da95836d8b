#pragma once
// The native dialect's door (seed 000: /ws and /). A door is where frames
// of one dialect become typed commands: on the session's strand it applies
// the connection's limits (token bucket, frame size and depth through the
// codec's decode limits, shedding live-only messages under overload),
// decodes with protocol/, answers what needs no actor (bad frames,
// HEARTBEAT) straight back on the socket, and sends each command to the
// connection actor as a message of its own type. A new dialect adds a door
// beside this one, a codec in protocol/ and a case in the relay.

#include "actors/config.hpp"
#include "actors/core/relay.hpp"
#include "actors/interfaces.hpp"
#include "net/server.hpp"

#include <atomic>
#include <cstdint>
#include <memory>

namespace proctord {

/// The inbound handler of one native session. `conn_id` is its socket's id
/// in `sockets`, removed when the session closes. While `draining`, frames
/// get a retryable STORE_UNAVAILABLE and a closing session stops its
/// connection actor with user_shutdown (no departure for the rooms).
std::shared_ptr<net::inbound>
make_native_door(connection_actor conn, std::shared_ptr<net::outbound> out,
                 const gateway_config& cfg,
                 std::shared_ptr<std::atomic<bool>> draining,
                 std::shared_ptr<socket_registry> sockets,
                 std::uint64_t conn_id);

} // namespace proctord
