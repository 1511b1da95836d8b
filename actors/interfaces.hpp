#pragma once
// Every typed actor handle of proctord, in one place.

#include "actors/messages.hpp"
#include "actors/core/relay.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <string>
#include <vector>

namespace proctord {

/// One actor per connection: the user's identity and, per channel, its
/// seat (a channel sits in at most one room; the native dialect uses channel
/// 0 only). Spawned by a door; lives until its socket closes. It holds no
/// socket: its own replies go through the node's relay like everything else.
using connection_actor = caf::typed_actor<
  // A decoded client command, from the door (session strand), on a channel
  // of the connection. One message type for every command: the connection
  // actor turns it into the typed room message (one per command type), and
  // one handler instead of thirteen keeps each idle connection lighter.
  caf::reacts_to<channel_id, protocol::command>,
  // A channel's seat in a room changed, from that room.
  caf::reacts_to<seat_changed>,
  // The socket is gone, from the door: the actor quits (rooms monitor it).
  caf::reacts_to<closed_atom>>;

/// Who sends a room command: the token's user, on which connection and
/// channel, and the relay that reaches that connection's socket.
struct caller {
  std::string user_id;
  std::string username;
  std::string socket_id;
  connection_actor conn;
  relay_actor relay;
  std::uint64_t conn_id = 0;
  channel_id channel = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, caller& x) {
  return f(caf::meta::type_name("caller"), x.user_id, x.username, x.socket_id,
           x.conn, x.relay, x.conn_id, x.channel);
}

/// One actor per room: owns its members, lifecycle, countdown and
/// proctoring state, and handles every command one at a time.
/// Frames go to members through their relays; seat changes to
/// `caller.conn`. The room monitors its members' connections.
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
  // internal: the countdown reached the room's deadline.
  caf::reacts_to<deadline_atom, std::uint64_t>,
  // internal: the coalescing window for a user's CODE_CHANGE closed.
  caf::reacts_to<code_atom, std::string>,
  // internal: an ended room stops answering and exits.
  caf::reacts_to<linger_atom>,
  // internal: store the ENDED room row again after a failed commit.
  caf::reacts_to<persist_atom>,
  // internal: a member's presence grace ran out (user id, its absence).
  caf::reacts_to<presence_atom, std::string, std::uint64_t>>;

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
  // Every contest row, and one contest with everything it needs to come
  // back after a restart.
  caf::replies_to<contests_atom>::with<
    std::vector<persistence::contest_record>>,
  caf::replies_to<contest_atom, std::string>::with<
    persistence::contest_snapshot>,
  // Every public user, room and membership (seed 002), to restore the
  // public study rooms after a restart.
  caf::replies_to<study_atom>::with<persistence::study_snapshot>,
  // Every open session, exam, student sitting, answer and pid, with each
  // room log's last seq (seeds 003, 004), to restore them after a restart.
  caf::replies_to<live_atom>::with<persistence::live_snapshot>,
  // A room's logged events after a seq (connection state recovery).
  caf::replies_to<persistence::live_replay_query>::with<
    std::vector<persistence::live_event_record>>,
  // internal: commit what has accumulated.
  caf::reacts_to<flush_atom>>;

/// Replays a room's log to one member, from its own read-only connection,
/// off the commit path.
using store_reader_actor = caf::typed_actor<
  // The events addressed to a member after a seq, bounded in count and
  // bytes; complete=false when a bound was hit (the room then answers
  // RESYNC_REQUIRED with a snapshot).
  caf::replies_to<events_atom, persistence::replay_query>::with<
    persistence::replay_page>>;

/// The store as a room uses it: commits through the writer, replays through
/// the reader.
struct storage {
  store_actor writer;
  store_reader_actor reader;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, storage& x) {
  return f(caf::meta::type_name("storage"), x.writer, x.reader);
}

/// Finds rooms by id and creates them; knows which ids are taken.
using directory_actor = caf::typed_actor<
  // CREATE_ROOM: spawn a room with a fresh id, hosted by the caller.
  caf::replies_to<caller, protocol::cmd::create_room>::with<room_actor>,
  // JOIN_ROOM: the room with that id (error ROOM_NOT_FOUND / ROOM_ENDED).
  caf::replies_to<lookup_atom, std::string>::with<room_actor>>;

} // namespace proctord
