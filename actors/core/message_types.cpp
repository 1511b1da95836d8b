#include "actors/core/message_types.hpp"

namespace proctord {

namespace {

template <class... Ts>
void add_all(caf::actor_system_config& cfg, caf::detail::type_list<Ts...>,
             const std::vector<const char*>& names) {
  std::size_t i = 0;
  (cfg.add_message_type<Ts>(names[i++]), ...);
}

} // namespace

const std::vector<const char*>& message_type_names() {
  static const std::vector<const char*> names{
    "proctord.cmd.create_room", "proctord.cmd.join_room",
    "proctord.cmd.approve_join", "proctord.cmd.start_room",
    "proctord.cmd.leave_room", "proctord.cmd.end_room",
    "proctord.cmd.get_room_status", "proctord.cmd.proctor_signal",
    "proctord.cmd.code_change", "proctord.cmd.submit_code",
    "proctord.cmd.kick_user", "proctord.cmd.announce", "proctord.cmd.resume",
    "proctord.command",
    "proctord.caller", "proctord.seat_changed", "proctord.recipient",
    "proctord.envelope", "proctord.close_order", "proctord.event",
    "proctord.write_set", "proctord.room_record",
    "proctord.room_records", "proctord.room_snapshot",
    "proctord.replay_query", "proctord.replay_page", "proctord.storage",
    "proctord.connection_actor", "proctord.room_actor",
    "proctord.store_actor", "proctord.store_reader_actor",
    "proctord.directory_actor", "proctord.relay_actor",
    "proctord.contest.cmd.join_contest", "proctord.contest.cmd.submit_answer",
    "proctord.contest.cmd.resync", "proctord.contest_caller",
    "proctord.board_query", "proctord.contest_envelope",
    "proctord.contest.event", "proctord.contest_def", "proctord.contest_info",
    "proctord.leaderboard_page", "proctord.contest_records",
    "proctord.contest_snapshot", "proctord.contest_connection_actor",
    "proctord.contest_actor", "proctord.contest_timer_actor",
    "proctord.contests_actor",
    "proctord.sio_connect", "proctord.sio_from", "proctord.sio_envelope",
    "proctord.sio_seated", "proctord.sio_join", "proctord.sio.command",
    "proctord.sio_connection_actor", "proctord.sio_domain_actor",
    "proctord.study_snapshot", "proctord.study_request", "proctord.study_reply",
    "proctord.study_attach", "proctord.study_socket_cmd",
    "proctord.study_occupancy", "proctord.study_room_actor",
    "proctord.study_actor",
    "proctord.exam_request", "proctord.exam_reply", "proctord.exam_enter",
    "proctord.exam_restore", "proctord.exam_socket_cmd",
    "proctord.exam_released", "proctord.exam_pid_report",
    "proctord.exam_deadline", "proctord.exam_actor",
    "proctord.exam_directory_actor",
    "proctord.live_snapshot", "proctord.live_replay_query",
    "proctord.live_event_records",
    "proctord.session.command", "proctord.session_join",
    "proctord.session_restore", "proctord.session_pid_update",
    "proctord.session_released", "proctord.session_ended",
    "proctord.session_actor", "proctord.session_directory_actor"};
  static_assert(caf::detail::tl_size<message_types>::value == 86,
                "one name per type");
  return names;
}

void add_message_types(caf::actor_system_config& cfg) {
  add_all(cfg, message_types{}, message_type_names());
}

} // namespace proctord
