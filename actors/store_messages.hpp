#pragma once
// inspect() overloads for the store's replay types (persistence/records.hpp),
// so that they travel in CAF messages between a room and the store reader,
// for the contest rows (persistence/contest_records.hpp) that a contest
// writes and loads through the store, and for the public study rooms' rows
// (persistence/study_records.hpp). Included by actors/messages.hpp.

#include "persistence/records.hpp"

#include <caf/meta/type_name.hpp>

namespace proctord::persistence {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_query& x) {
  return f(caf::meta::type_name("replay_query"), x.room_id, x.after_seq,
           x.user_id, x.is_host, x.was_member, x.max_events, x.max_bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_record& x) {
  return f(caf::meta::type_name("event_record"), x.room_id, x.seq, x.audience,
           x.user_id, x.payload, x.created_at, x.submission_index);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_page& x) {
  return f(caf::meta::type_name("replay_page"), x.events, x.complete,
           x.last_seq_in_log);
}

// -- contests -----------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contest_record& x) {
  return f(caf::meta::type_name("contest_record"), x.contest_id, x.title,
           x.scoring, x.freeze_before_end, x.status, x.created_by,
           x.created_at, x.start_at, x.started_at, x.paused_at,
           x.paused_total_ms, x.ended_at);
}

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, contest_question_record& x) {
  return f(caf::meta::type_name("contest_question_record"), x.contest_id,
           x.question_id, x.position, x.text, x.has_options, x.options,
           x.answer, x.points, x.time_limit);
}

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, contest_participant_record& x) {
  return f(caf::meta::type_name("contest_participant_record"), x.contest_id,
           x.user_id, x.username, x.joined_at);
}

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, contest_answer_record& x) {
  return f(caf::meta::type_name("contest_answer_record"), x.contest_id,
           x.user_id, x.question_id, x.answer, x.correct, x.points,
           x.elapsed_ms, x.total_score, x.idempotency_key, x.submitted_at);
}

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, contest_standing_record& x) {
  return f(caf::meta::type_name("contest_standing_record"), x.contest_id,
           x.user_id, x.username, x.rank, x.score, x.time_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contest_snapshot& x) {
  return f(caf::meta::type_name("contest_snapshot"), x.contest, x.questions,
           x.participants, x.answers, x.standings);
}

// -- public study rooms -------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, public_user_record& x) {
  return f(caf::meta::type_name("public_user_record"), x.user_id, x.user_name,
           x.address_hash, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, public_room_record& x) {
  return f(caf::meta::type_name("public_room_record"), x.room_id, x.name,
           x.capacity, x.created_at);
}

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, public_member_record& x) {
  return f(caf::meta::type_name("public_member_record"), x.room_id, x.user_id,
           x.joined_at, x.removed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_snapshot& x) {
  return f(caf::meta::type_name("study_snapshot"), x.users, x.rooms,
           x.members);
}

// -- sessions, exams, recovery ------------------------------------------------

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, collab_session_record& x) {
  return f(caf::meta::type_name("collab_session_record"), x.session_id,
           x.created_by, x.created_at, x.closed_at, x.close_reason);
}

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, collab_participant_record& x) {
  return f(caf::meta::type_name("collab_participant_record"), x.session_id,
           x.user_id, x.name, x.role, x.is_active, x.joined_at, x.removed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_record& x) {
  return f(caf::meta::type_name("exam_record"), x.exam_id, x.title,
           x.duration_s, x.question_count, x.created_by, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_student_record& x) {
  return f(caf::meta::type_name("exam_student_record"), x.exam_id,
           x.student_id, x.name, x.session_id, x.status, x.answered_count,
           x.last_question_id, x.time_spent, x.started_at, x.ends_at,
           x.last_seen_at, x.ended_at, x.submission_type, x.final_score,
           x.device_info, x.network_info);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_answer_record& x) {
  return f(caf::meta::type_name("exam_answer_record"), x.exam_id,
           x.student_id, x.question_id, x.answer, x.time_spent, x.saved_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_event_record& x) {
  return f(caf::meta::type_name("live_event_record"), x.domain, x.room_id,
           x.seq, x.audience, x.user_id, x.name, x.args, x.at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_pid_record& x) {
  return f(caf::meta::type_name("live_pid_record"), x.pid, x.domain,
           x.room_id, x.user_id, x.sid, x.monitor, x.disconnected_at,
           x.removed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_replay_query& x) {
  return f(caf::meta::type_name("live_replay_query"), x.domain, x.room_id,
           x.after_seq, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_room_seq& x) {
  return f(caf::meta::type_name("live_room_seq"), x.domain, x.room_id, x.seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_snapshot& x) {
  return f(caf::meta::type_name("live_snapshot"), x.sessions, x.participants,
           x.exams, x.students, x.answers, x.pids, x.seqs);
}

} // namespace proctord::persistence
