#pragma once
// What a room hands the delivery side: typed events addressed to
// connections, never encoded frames. A relay on the recipients' node turns
// an envelope into frames, once per dialect, and writes them to its sockets;
// so the same envelope could come from a room on another node.

#include "actors/core/event_inspect.hpp"
#include "protocol/commands.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace proctord {

/// A connection's channel on one node: the socket (by the node-local id the
/// door gave it) and, where the dialect multiplexes, the channel on it.
struct recipient {
  std::uint64_t conn_id = 0;
  std::uint16_t channel = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recipient& x) {
  return f(caf::meta::type_name("recipient"), x.conn_id, x.channel);
}

/// One event for some connections of one node.
struct envelope {
  /// The room the event belongs to ("" for a connection's own replies).
  std::string room_id;
  /// The room's sequence number of a durable event; 0 for live-only events
  /// and direct replies.
  std::int64_t seq = 0;
  std::vector<recipient> to;
  protocol::event event;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, envelope& x) {
  return f(caf::meta::type_name("envelope"), x.room_id, x.seq, x.to, x.event);
}

/// One contest event for some connections of one node (the contest
/// dialect). When `yous` is not empty it holds each recipient's own `you`
/// (same order as `to`): the relay encodes the shared part once and adds
/// each recipient's place to it.
struct contest_envelope {
  std::string contest_id;
  std::vector<recipient> to;
  protocol::contest::event event;
  std::vector<protocol::contest::you_view> yous;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contest_envelope& x) {
  return f(caf::meta::type_name("contest_envelope"), x.contest_id, x.to,
           x.event, x.yous);
}

/// Closes one connection's socket, after the frames already sent to it.
struct close_order {
  recipient to;
  /// A WebSocket close code (1000-4999).
  std::uint16_t code = 1000;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, close_order& x) {
  return f(caf::meta::type_name("close_order"), x.to, x.code, x.reason);
}

} // namespace proctord
