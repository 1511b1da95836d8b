#pragma once
// Every typed actor handle of proctord, in one place.

#include "actors/messages.hpp"
#include "net/server.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <string>
#include <vector>

namespace proctord {

/// One actor per WebSocket connection: the user's identity and its seat.
/// Spawned by the gateway on an Asio thread; lives until its socket closes.
using connection_actor = caf::typed_actor<
  // A decoded client command, from the gateway (session strand).
  caf::reacts_to<protocol::command>,
  // An encoded event to write to the socket, from a room (or itself).
  caf::reacts_to<protocol::frame>,
  // The connection's seat in a room changed, from that room.
  caf::reacts_to<seat_changed>,
  // The socket is gone, from the gateway.
  caf::reacts_to<closed_atom>>;

/// Who sends a room command: the token's user, on which connection.
struct caller {
  std::string user_id;
  std::string username;
  std::string socket_id;
  connection_actor conn;
  /// The connection's socket: a room writes its frames here directly, so a
  /// broadcast costs one queue push per member, not one actor message.
  /// Local only (like frames); not part of the inspected fields.
  std::shared_ptr<net::outbound> out;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, caller& x) {
  return f(caf::meta::type_name("caller"), x.user_id, x.username, x.socket_id,
           x.conn);
}

/// One actor per room: owns its members, lifecycle, countdown and
/// proctoring state, and handles every command one at a time.
/// Replies go to `caller.conn` as frames and seat changes.
using room_actor = caf::typed_actor<
  // JOIN_ROOM: request a seat (or take back one held before).
  caf::reacts_to<caller, protocol::cmd::join_room>,
  // APPROVE_JOIN: the host decides on a pending participant.
  caf::reacts_to<caller, protocol::cmd::approve_join>,
  // START_ROOM: the host starts the countdown.
  caf::reacts_to<caller, protocol::cmd::start_room>,
  // LEAVE_ROOM: a member leaves.
  caf::reacts_to<caller, protocol::cmd::leave_room>,
  // END_ROOM: the host ends the room.
  caf::reacts_to<caller, protocol::cmd::end_room>,
  // GET_ROOM_STATUS: a member asks for a snapshot.
  caf::reacts_to<caller, protocol::cmd::get_room_status>,
  // FULLSCREEN_EXIT/ENTER, TAB_BLUR/FOCUS from an approved participant.
  caf::reacts_to<caller, protocol::cmd::proctor_signal>,
  // CODE_CHANGE: live code, coalesced towards the host.
  caf::reacts_to<caller, protocol::cmd::code_change>,
  // SUBMIT_CODE: acknowledged after commit.
  caf::reacts_to<caller, protocol::cmd::submit_code>,
  // KICK_USER: the host removes a participant.
  caf::reacts_to<caller, protocol::cmd::kick_user>,
  // ANNOUNCE: the host's message to the room, live only.
  caf::reacts_to<caller, protocol::cmd::announce>,
  // RESUME: a seat back after a dropped connection or a restart.
  caf::reacts_to<caller, protocol::cmd::resume>,
  // The caller's connection closed.
  caf::reacts_to<caller, closed_atom>,
  // internal: the countdown reached the room's deadline.
  caf::reacts_to<deadline_atom, std::uint64_t>,
  // internal: the coalescing window for a user's CODE_CHANGE closed.
  caf::reacts_to<code_atom, std::string>,
  // internal: an ended room stops answering and exits.
  caf::reacts_to<linger_atom>>;

/// The only owner of the database handle: batches concurrent write sets
/// into one transaction (group commit) and answers each after the commit.
using store_actor = caf::typed_actor<
  // Apply a write set atomically; the reply comes after COMMIT.
  caf::replies_to<persistence::write_set>::with<committed_atom>,
  // All rooms ever created (ids and status), for the directory.
  caf::replies_to<rooms_atom>::with<std::vector<persistence::room_record>>,
  // A room's members, pending requests, idempotency keys and last seq, to
  // restore it after a restart (the room row comes from rooms_atom).
  caf::replies_to<snapshot_atom, std::string>::with<persistence::room_snapshot>,
  // A room's events with seq > the given one, at most the given count.
  caf::replies_to<events_atom, std::string, std::int64_t, std::uint64_t>::with<
    std::vector<persistence::event_record>>,
  // internal: commit what has accumulated.
  caf::reacts_to<flush_atom>>;

/// Finds rooms by id and creates them; knows which ids are taken.
using directory_actor = caf::typed_actor<
  // CREATE_ROOM: spawn a room with a fresh id, hosted by the caller.
  caf::replies_to<caller, protocol::cmd::create_room>::with<room_actor>,
  // JOIN_ROOM: the room with that id (error ROOM_NOT_FOUND / ROOM_ENDED).
  caf::replies_to<lookup_atom, std::string>::with<room_actor>>;

} // namespace proctord
