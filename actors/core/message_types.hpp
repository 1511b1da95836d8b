#pragma once
// Every type that an actor of proctord receives, registered with the actor
// system under a stable name so that it can cross a node through the CAF
// middleman. A unit test round-trips each through CAF's binary serializer.

#include "actors/contest/interfaces.hpp"
#include "actors/exam/interfaces.hpp"
#include "actors/interfaces.hpp"
#include "actors/session/interfaces.hpp"
#include "actors/socketio/interfaces.hpp"
#include "actors/study/interfaces.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/detail/type_list.hpp>

#include <vector>

namespace proctord {

/// The message types, in registration order (the names are in
/// message_types.cpp).
using message_types = caf::detail::type_list<
  // commands, as the connection and the rooms receive them
  protocol::cmd::create_room, protocol::cmd::join_room,
  protocol::cmd::approve_join, protocol::cmd::start_room,
  protocol::cmd::leave_room, protocol::cmd::end_room,
  protocol::cmd::get_room_status, protocol::cmd::proctor_signal,
  protocol::cmd::code_change, protocol::cmd::submit_code,
  protocol::cmd::kick_user, protocol::cmd::announce, protocol::cmd::resume,
  protocol::command,
  // the core
  caller, seat_changed, recipient, envelope, close_order, protocol::event,
  // the store
  persistence::write_set, persistence::room_record,
  std::vector<persistence::room_record>, persistence::room_snapshot,
  persistence::replay_query, persistence::replay_page, storage,
  // actor handles
  connection_actor, room_actor, store_actor, store_reader_actor,
  directory_actor, relay_actor,
  // contests (seed 001)
  protocol::contest::cmd::join_contest, protocol::contest::cmd::submit_answer,
  protocol::contest::cmd::resync, contest_caller, board_query,
  contest_envelope, protocol::contest::event, protocol::contest::contest_def,
  protocol::contest::contest_info, protocol::contest::leaderboard_page,
  std::vector<persistence::contest_record>, persistence::contest_snapshot,
  contest_connection_actor, contest_actor, contest_timer_actor,
  contests_actor,
  // the Socket.IO door
  sio_connect, sio_from, sio_envelope, sio_seated, sio_join,
  protocol::socketio::command, sio_connection_actor, sio_domain_actor,
  // public study rooms (seed 002)
  persistence::study_snapshot, study_request, study_reply, study_attach,
  study_socket_cmd, study_occupancy, study_room_actor, study_actor,
  // exam monitoring (seed 004)
  exam_request, exam_reply, exam_enter, exam_restore, exam_socket_cmd,
  exam_released, exam_pid_report, exam_deadline, exam_actor,
  exam_directory_actor,
  // connection state recovery (the store's reads, shared by both)
  persistence::live_snapshot, persistence::live_replay_query,
  std::vector<persistence::live_event_record>,
  // collaborative sessions (seed 003)
  protocol::session::command, session_join, session_restore,
  session_pid_update, session_released, session_ended, session_actor,
  session_directory_actor>;

/// Registers every type of message_types with `cfg`.
void add_message_types(caf::actor_system_config& cfg);

/// The registered name of each type of message_types, in order.
const std::vector<const char*>& message_type_names();

} // namespace proctord
