#pragma once
// Domain messages exchanged between actors, with the inspect() overloads CAF
// needs. Commands are the typed structs of protocol/commands.hpp; what the
// actors add is who sends them (`caller`) and the replies between actors.

#include "actors/core/variant_inspect.hpp"
#include "actors/store_messages.hpp"
#include "persistence/records.hpp"
#include "protocol/commands.hpp"

#include <caf/atom.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace proctord {

// -- atoms --------------------------------------------------------------------

using closed_atom = caf::atom_constant<caf::atom("closed")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using code_atom = caf::atom_constant<caf::atom("code")>;
using linger_atom = caf::atom_constant<caf::atom("linger")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
/// A member's presence grace ran out (user id, number of the absence).
using presence_atom = caf::atom_constant<caf::atom("presence")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using committed_atom = caf::atom_constant<caf::atom("committed")>;
using rooms_atom = caf::atom_constant<caf::atom("rooms")>;
using events_atom = caf::atom_constant<caf::atom("events")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using contests_atom = caf::atom_constant<caf::atom("contests")>;
using contest_atom = caf::atom_constant<caf::atom("contest")>;
using study_atom = caf::atom_constant<caf::atom("study")>;
/// Load the sessions, exams and pids (live_snapshot).
using live_atom = caf::atom_constant<caf::atom("live")>;

/// A connection's channel: 0 for dialects with one room per connection.
using channel_id = std::uint16_t;

// -- errors -------------------------------------------------------------------

/// Domain errors travel as caf::error in the "proctord" category; the code
/// is a protocol::error_code.
caf::error make_error(protocol::error_code code);

/// The protocol error code of `err`, or `internal` for foreign errors.
protocol::error_code to_error_code(const caf::error& err);

// -- seats --------------------------------------------------------------------

/// What a room tells a connection about its seat.
enum class seat_state : std::uint8_t {
  pending,  // waiting for the host's approval
  seated,   // a member: host or approved participant
  released, // no longer in the room (left, rejected, replaced)
  ended,    // the room ended: commands about it now get ROOM_ENDED
  kicked,   // removed by the host (the room closes the socket with 4003)
  refused,  // a CREATE_ROOM / JOIN_ROOM / RESUME was refused (an error says why)
};

struct seat_changed {
  std::string room_id;
  /// The connection's channel the seat belongs to.
  channel_id channel = 0;
  seat_state state = seat_state::released;
  protocol::member_role role = protocol::member_role::participant;
  /// The member's name as the room knows it (a RESUME brings no token).
  std::string username;
  /// The room actor (a room_actor; untyped here because the room's interface
  /// refers to the connection's).
  caf::strong_actor_ptr room;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, seat_changed& x) {
  return f(caf::meta::type_name("seat_changed"), x.room_id, x.channel,
           x.state, x.role, x.username, x.room);
}

} // namespace proctord

namespace proctord::protocol::cmd {

// protocol::command (a std::variant of these) crosses a node as one byte of
// alternative, then the command.
using proctord::variant_inspect::inspect;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat&) {
  return f(caf::meta::type_name("heartbeat"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_room& x) {
  return f(caf::meta::type_name("create_room"), x.token, x.roomname,
           x.max_guests, x.question, x.duration, x.is_public);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_room& x) {
  return f(caf::meta::type_name("join_room"), x.token, x.room_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approve_join& x) {
  return f(caf::meta::type_name("approve_join"), x.room_id, x.user_id,
           x.approve);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, start_room& x) {
  return f(caf::meta::type_name("start_room"), x.room_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leave_room& x) {
  return f(caf::meta::type_name("leave_room"), x.room_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, end_room& x) {
  return f(caf::meta::type_name("end_room"), x.room_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_room_status& x) {
  return f(caf::meta::type_name("get_room_status"), x.room_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proctor_signal& x) {
  return f(caf::meta::type_name("proctor_signal"), x.room_id, x.what,
           x.idempotency_key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resume& x) {
  return f(caf::meta::type_name("resume"), x.resume_token, x.last_seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, code_change& x) {
  return f(caf::meta::type_name("code_change"), x.room_id, x.code, x.language);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_code& x) {
  return f(caf::meta::type_name("submit_code"), x.room_id, x.code, x.language,
           x.idempotency_key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kick_user& x) {
  return f(caf::meta::type_name("kick_user"), x.room_id, x.user_id, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, announce& x) {
  return f(caf::meta::type_name("announce"), x.room_id, x.message);
}

} // namespace proctord::protocol::cmd

namespace proctord::persistence {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_record& x) {
  return f(caf::meta::type_name("room_record"), x.room_id, x.host_id,
           x.host_name, x.roomname, x.max_guests, x.question, x.duration,
           x.is_public, x.status, x.created_at, x.started_at, x.ends_at,
           x.ended_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_record& x) {
  return f(caf::meta::type_name("member_record"), x.room_id, x.user_id,
           x.username, x.status, x.violation_count, x.has_submitted,
           x.joined_at, x.left_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, violation_record& x) {
  return f(caf::meta::type_name("violation_record"), x.room_id, x.user_id,
           x.type, x.timestamp, x.violation_count, x.idempotency_key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submission_record& x) {
  return f(caf::meta::type_name("submission_record"), x.room_id, x.user_id,
           x.code, x.language, x.submitted_at, x.idempotency_key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_attempt_record& x) {
  return f(caf::meta::type_name("join_attempt_record"), x.room_id, x.user_id,
           x.username, x.status, x.requested_at, x.decided_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kick_record& x) {
  return f(caf::meta::type_name("kick_record"), x.room_id, x.user_id, x.reason,
           x.kicked_at);
}

// event_record, replay_query, replay_page, the contest rows and the public
// study rooms' rows: actors/store_messages.hpp.

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, idempotency_record& x) {
  return f(caf::meta::type_name("idempotency_record"), x.user_id, x.kind,
           x.key, x.at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_set& x) {
  return f(caf::meta::type_name("write_set"), x.rooms, x.members,
           x.violations, x.submissions, x.join_attempts, x.kicks, x.events,
           x.contests, x.contest_questions, x.contest_participants,
           x.contest_answers, x.contest_standings, x.public_users,
           x.public_rooms, x.public_members, x.collab_sessions,
           x.collab_participants, x.exams, x.exam_students, x.exam_answers,
           x.live_events, x.live_pids, x.live_log_drops);
}

/// Everything a room needs to come back after a restart.
struct room_snapshot {
  room_record room;
  std::vector<member_record> members;
  std::vector<join_attempt_record> pending;
  std::vector<idempotency_record> keys;
  std::int64_t last_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_snapshot& x) {
  return f(caf::meta::type_name("room_snapshot"), x.room, x.members, x.pending,
           x.keys, x.last_seq);
}

} // namespace proctord::persistence
