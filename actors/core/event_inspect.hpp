#pragma once
// inspect() for the typed events of protocol/ (protocol/ itself knows no
// CAF), so that a room's envelope of events can cross a node unchanged.

#include "actors/core/variant_inspect.hpp"
#include "protocol/commands.hpp"

#include <caf/meta/type_name.hpp>

namespace proctord::protocol::evt {

using proctord::variant_inspect::inspect;

#define PROCTORD_INSPECT(type, ...)                                           \
  template <class Inspector>                                                  \
  typename Inspector::result_type inspect(Inspector& f, type& x) {            \
    return f(caf::meta::type_name(#type), __VA_ARGS__);                       \
  }

PROCTORD_INSPECT(room_created, x.room_id, x.roomname, x.resume_token)
PROCTORD_INSPECT(waiting_approval, x.room_id, x.resume_token)
PROCTORD_INSPECT(join_request, x.user_id, x.username, x.socket_id, x.timestamp)
PROCTORD_INSPECT(join_approved, x.room_id, x.roomname, x.question, x.duration,
                 x.host_name, x.role, x.status, x.started_at, x.ends_at,
                 x.resume_token)
PROCTORD_INSPECT(join_rejected, x.room_id)
PROCTORD_INSPECT(user_joined, x.user_id, x.username, x.connected_count,
                 x.resumed)
PROCTORD_INSPECT(user_left, x.user_id, x.username, x.reason, x.connected_count)
PROCTORD_INSPECT(room_started, x.room_id, x.started_at, x.ends_at, x.duration,
                 x.server_time)
PROCTORD_INSPECT(room_ended, x.room_id, x.reason, x.ended_at)
PROCTORD_INSPECT(member_view, x.user_id, x.username, x.status, x.connected,
                 x.violation_count, x.has_submitted)
PROCTORD_INSPECT(room_status_view, x.room_id, x.roomname, x.status, x.host_id,
                 x.host_name, x.host_connected, x.question, x.duration,
                 x.max_guests, x.is_public, x.created_at, x.started_at,
                 x.ends_at, x.server_time, x.connected_count, x.your_role,
                 x.your_status, x.participants)
PROCTORD_INSPECT(violation_detected, x.user_id, x.username, x.type,
                 x.violation_count, x.timestamp)
PROCTORD_INSPECT(proctoring_update, x.user_id, x.username, x.what, x.timestamp)
PROCTORD_INSPECT(code_update, x.user_id, x.username, x.code, x.language,
                 x.timestamp)
PROCTORD_INSPECT(announcement, x.room_id, x.message, x.from, x.timestamp)
PROCTORD_INSPECT(submission_received, x.room_id, x.submission_time)
PROCTORD_INSPECT(user_submitted, x.user_id, x.username, x.submission_time,
                 x.code, x.language)
PROCTORD_INSPECT(kicked, x.room_id, x.reason)
PROCTORD_INSPECT(user_kicked, x.user_id, x.username, x.reason)
PROCTORD_INSPECT(heartbeat_ack, x.timestamp)
PROCTORD_INSPECT(resumed, x.room_id, x.role, x.status, x.last_seq, x.replayed)
PROCTORD_INSPECT(resync_required, x.reason, x.snapshot)
PROCTORD_INSPECT(error, x.code, x.message, x.request_type)

#undef PROCTORD_INSPECT

} // namespace proctord::protocol::evt
