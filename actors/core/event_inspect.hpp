#pragma once
// inspect() for the typed events of protocol/ (protocol/ itself knows no
// CAF), so that a room's envelope of events can cross a node unchanged.

#include "actors/core/variant_inspect.hpp"
#include "protocol/commands.hpp"
#include "protocol/contest.hpp"

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
PROCTORD_INSPECT(proctoring_update, x.user_id, x.username, x.what, x.timestamp,
                 x.reconnected, x.away_ms)
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

} // namespace proctord::protocol::evt

// The contest dialect's commands, views, events and definitions (seed 001).
namespace proctord::protocol::contest {

using proctord::variant_inspect::inspect;
using proctord::variant_inspect::optional_field;

PROCTORD_INSPECT(standing, x.rank, x.user_id, x.username, x.score)
PROCTORD_INSPECT(you_view, x.rank, x.score)
PROCTORD_INSPECT(question_view, x.contest_id, x.question_id, x.index, x.text,
                 optional_field(x.options), x.points, x.time_limit, x.ends_at)
PROCTORD_INSPECT(question_def, x.id, x.text, optional_field(x.options), x.answer, x.points,
                 x.time_limit)
PROCTORD_INSPECT(contest_def, x.title, x.questions, x.start_time, x.score_rule,
                 x.freeze_before_end)
PROCTORD_INSPECT(contest_info, x.contest_id, x.title, x.state, x.score_rule,
                 x.freeze_before_end, x.start_time, x.end_time,
                 x.estimated_duration, x.questions, x.current_question,
                 x.remaining, x.participants, x.frozen)
PROCTORD_INSPECT(leaderboard_page, x.contest_id, x.frozen, x.total, x.offset,
                 x.standings)

namespace cmd {
PROCTORD_INSPECT(join_contest, x.contest_id)
PROCTORD_INSPECT(submit_answer, x.contest_id, x.question_id, x.answer,
                 x.idempotency_key)
PROCTORD_INSPECT(resync, x.contest_id)
} // namespace cmd

namespace evt {
using proctord::variant_inspect::inspect;
PROCTORD_INSPECT(contest_start, x.contest_id, x.title, x.start_time,
                 x.total_questions, x.estimated_duration, x.at)
PROCTORD_INSPECT(question_broadcast, x.question, x.at)
PROCTORD_INSPECT(timer_update, x.contest_id, x.question_id, x.remaining,
                 x.ends_at, x.at)
PROCTORD_INSPECT(question_change, x.contest_id, x.previous_question_id,
                 optional_field(x.next_question_id), x.at)
PROCTORD_INSPECT(submission_result, x.contest_id, x.question_id, x.accepted,
                 x.correct, x.points_awarded, x.total_score, x.at)
PROCTORD_INSPECT(leaderboard_update, x.contest_id, x.top, x.total_participants,
                 x.you, x.at)
PROCTORD_INSPECT(contest_paused, x.contest_id, x.remaining, x.at)
PROCTORD_INSPECT(contest_resumed, x.contest_id, x.remaining, x.at)
PROCTORD_INSPECT(contest_end, x.contest_id, x.end_time, x.standings, x.you,
                 x.at)
PROCTORD_INSPECT(contest_state, x.contest_id, x.title, x.state,
                 x.current_question, x.remaining, x.total_questions, x.you,
                 x.answered, x.top, x.at)
PROCTORD_INSPECT(error, x.code, x.message, x.at)
PROCTORD_INSPECT(pong, x.at)
} // namespace evt

} // namespace proctord::protocol::contest

#undef PROCTORD_INSPECT
