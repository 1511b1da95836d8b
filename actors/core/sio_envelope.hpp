#pragma once
// What a Socket.IO domain hands the relay: packets for namespace sockets,
// typed (protocol::socketio::outgoing), encoded once by the relay on the
// recipients' node. Pass-through arguments are raw JSON text: bytes the
// actors carry and never parse.

#include "actors/core/envelope.hpp"
#include "actors/core/live_inspect.hpp"
#include "actors/core/variant_inspect.hpp"
#include "protocol/socketio/messages.hpp"

#include <caf/meta/type_name.hpp>

#include <string>
#include <vector>

namespace proctord::protocol::socketio {

using proctord::variant_inspect::inspect;
using proctord::variant_inspect::optional_field;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raw_event& x) {
  return f(caf::meta::type_name("sio_raw_event"), x.name, x.args,
           x.attachments, optional_field(x.ack));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raw_ack& x) {
  return f(caf::meta::type_name("sio_raw_ack"), x.id, x.args, x.attachments);
}

namespace out {

using proctord::variant_inspect::inspect;
using proctord::variant_inspect::optional_field;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connected& x) {
  return f(caf::meta::type_name("sio_connected"), x.sid, x.pid);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refused& x) {
  return f(caf::meta::type_name("sio_refused"), x.message, x.data);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, emit& x) {
  return f(caf::meta::type_name("sio_emit"), x.name, x.args, x.attachments,
           optional_field(x.ack), x.offset);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ack& x) {
  return f(caf::meta::type_name("sio_ack"), x.id, x.args, x.attachments);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, disconnect&) {
  return f(caf::meta::type_name("sio_disconnect"));
}

} // namespace out
} // namespace proctord::protocol::socketio

namespace proctord::protocol::study {

using proctord::variant_inspect::inspect;

namespace cmd {
using proctord::variant_inspect::inspect;
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_room& x) {
  return f(caf::meta::type_name("study.join_room"), x.user_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leave_room& x) {
  return f(caf::meta::type_name("study.leave_room"), x.user_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pong&) {
  return f(caf::meta::type_name("study.pong"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, invalid& x) {
  return f(caf::meta::type_name("study.invalid"), x.message);
}
} // namespace cmd

namespace evt {
using proctord::variant_inspect::inspect;
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_joined& x) {
  return f(caf::meta::type_name("study.user_joined"), x.user_id, x.user_name,
           x.joined_at, x.current_occupancy);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_left& x) {
  return f(caf::meta::type_name("study.user_left"), x.user_id,
           x.current_occupancy);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, error& x) {
  return f(caf::meta::type_name("study.error"), x.code, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ping&) {
  return f(caf::meta::type_name("study.ping"));
}
} // namespace evt

} // namespace proctord::protocol::study

namespace proctord {

/// Packets for some namespace sockets of one node, all on namespace `nsp`:
/// the relay encodes them once.
struct sio_envelope {
  std::string nsp;
  std::vector<recipient> to;
  protocol::socketio::outgoing out;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sio_envelope& x) {
  using proctord::variant_inspect::inspect;
  return f(caf::meta::type_name("sio_envelope"), x.nsp, x.to, x.out);
}

} // namespace proctord
