#pragma once
// The reference domains that the public Engine.IO and Socket.IO protocol
// test suites expect of a server under test; proctord's own domains are
// not here.
//
// Engine.IO (/engine.io/): every message comes back as it came (text as
// text, binary as binary).
//
// Socket.IO (namespaces "/" and "/custom"): on connect the socket gets
// `auth` with its CONNECT payload ({} for none); on "/" only, `message` is answered
// `message-back` with the same arguments (and attachments);
// `message-with-ack` is acknowledged with its arguments. Beyond the suites,
// to exercise acknowledgements from the server: `ask` makes the server emit
// `question` with the same arguments and an ack id, and the client's ack
// comes back as `answered` with the ack's arguments.

#include "actors/socketio/interfaces.hpp"
#include "net/engineio.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <memory>

namespace proctord::conformance {

/// The Engine.IO echo.
class engineio_echo : public net::engineio_handler {
public:
  std::shared_ptr<net::inbound> open(const net::http_request& handshake,
                                     std::shared_ptr<net::outbound> out) override;
};

struct echo_state {
  static constexpr const char* name = "sio_echo";
  relay_actor relay;
  std::uint64_t next_ack = 0;
};

sio_domain_actor::behavior_type
echo_domain(sio_domain_actor::stateful_pointer<echo_state> self, relay_actor relay);

} // namespace proctord::conformance
