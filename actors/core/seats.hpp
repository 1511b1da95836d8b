#pragma once
// Seats: which connection holds a member's place in a room, shared by every
// domain. A seat is bound to a connection's channel (bind), loses it when the
// connection drops (away, with the time for the resume grace), gets it back
// with RESUME, and is taken over when the same user binds from another
// connection (replaced: the old connection is told). The room monitors every
// bound connection, so a connection actor that dies for any reason leaves
// its seat away instead of "connected" forever.
//
// Delivery goes through the recipients' relays: one envelope per relay (per
// node), never one message per member. While a RESUME replays what a member
// missed, what else is sent to it waits in the seat's buffer, so the member
// sees everything in order.

#include "actors/core/envelope.hpp"
#include "actors/core/relay.hpp"
#include "actors/interfaces.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace proctord {

struct seat {
  connection_actor conn; // null while away
  relay_actor relay;
  std::uint64_t conn_id = 0;
  std::uint16_t channel = 0;
  std::string socket_id;
  /// When the connection dropped (or the server restarted); 0 while here.
  protocol::millis away_since = 0;
  /// A RESUME is replaying the log: what is sent meanwhile waits in buffer.
  bool replaying = false;
  std::vector<std::pair<std::int64_t, protocol::event>> buffer;
  /// The last seq a replay sent this connection. The reader may see a
  /// commit before the room has published it: the live copy of an event
  /// the replay already carried is not sent again.
  std::int64_t replayed_through = 0;

  bool connected() const { return static_cast<bool>(conn); }
  bool holds(const caller& c) const {
    return conn && socket_id == c.socket_id;
  }
  recipient where() const { return recipient{conn_id, channel}; }
};

/// Sends one event to one seat (buffered while it replays).
void send_to(seat& s, const std::string& room_id, protocol::event e,
             std::int64_t seq = 0);

/// Sends one event to a caller's channel right away (a reply to a command
/// from a connection that holds no seat, e.g. an error).
void reply_to(const caller& c, const std::string& room_id, protocol::event e);

/// An ERROR frame to `c`.
void reply_error(const caller& c, const std::string& room_id,
                 protocol::error_code code, std::string message,
                 std::string_view request_type);

/// Collects recipients by relay, to send one envelope per relay.
class fanout {
public:
  fanout(std::string room_id, std::int64_t seq, const protocol::event& e)
    : room_id_(std::move(room_id)), seq_(seq), event_(e) {
  }
  /// Adds `s` (a replaying seat buffers its copy instead).
  void add(seat& s);
  /// Sends the envelopes.
  void send();

private:
  std::string room_id_;
  std::int64_t seq_;
  const protocol::event& event_;
  std::vector<std::pair<relay_actor, std::vector<recipient>>> groups_;
};

/// Ends a replay: sends what waited, in order (events with a seq at or below
/// `replayed_up_to` were in the replay already and are skipped).
void flush_buffer(seat& s, const std::string& room_id,
                  std::int64_t replayed_up_to);

/// What `self`'s room tells a connection about its seat.
template <class Self>
seat_changed seat_message(Self self, channel_id ch, seat_state state,
                          protocol::member_role role, std::string username) {
  seat_changed msg;
  msg.room_id = self->state.room_id();
  msg.channel = ch;
  msg.state = state;
  msg.role = role;
  msg.username = std::move(username);
  msg.room = caf::actor_cast<caf::strong_actor_ptr>(self);
  return msg;
}

/// Binds `s` to the caller's connection. A different connection that held
/// it is told SESSION_REPLACED and released. The room monitors the new
/// connection.
template <class Self>
void bind_seat(Self self, seat& s, const caller& c,
               std::string_view request_type) {
  if (s.conn && s.socket_id != c.socket_id) {
    send_to(s, self->state.room_id(),
            protocol::evt::error{protocol::error_code::session_replaced,
                                 "you joined this room from another connection",
                                 std::string{request_type}});
    self->send(s.conn, seat_message(self, s.channel, seat_state::released,
                                    protocol::member_role::participant, {}));
  }
  if (c.conn && s.conn != c.conn)
    self->monitor(c.conn);
  s.conn = c.conn;
  s.relay = c.relay;
  s.conn_id = c.conn_id;
  s.channel = c.channel;
  s.socket_id = c.socket_id;
  s.away_since = 0;
  s.replaying = false;
  s.buffer.clear();
  s.replayed_through = 0;
}

/// The seat no longer belongs to any connection (left, kicked, rejected).
void unbind(seat& s);

/// The seat's connection dropped: away from `now`.
void set_away(seat& s, protocol::millis now);

/// Tells the connection holding `s` about its seat.
template <class Self>
void send_seat(Self self, const seat& s, seat_state state,
               protocol::member_role role, std::string username) {
  if (s.conn)
    self->send(s.conn,
               seat_message(self, s.channel, state, role, std::move(username)));
}

/// Tells a caller that its CREATE_ROOM / JOIN_ROOM / RESUME was refused,
/// after an ERROR that says why.
template <class Self>
void refuse(Self self, const caller& c, protocol::error_code code,
            std::string message, std::string_view request_type) {
  reply_error(c, self->state.room_id(), code, std::move(message),
              request_type);
  if (c.conn)
    self->send(c.conn, seat_message(self, c.channel, seat_state::refused,
                                    protocol::member_role::participant, {}));
}

/// Closes the seat's connection after what was sent to it (e.g. 4003 after
/// KICKED).
void close_seat(const seat& s, std::uint16_t code, std::string reason);

} // namespace proctord
