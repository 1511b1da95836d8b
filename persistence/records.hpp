#pragma once
// Rows as the store writes and reads them. Times are milliseconds since the
// Unix epoch; 0 means "not set" (NULL in the database).

#include "persistence/contest_records.hpp"
#include "persistence/live_records.hpp"
#include "persistence/study_records.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace proctord::persistence {

using millis = std::int64_t;

struct room_record {
  std::string room_id;
  std::string host_id;
  std::string host_name;
  std::string roomname;
  std::int32_t max_guests = 0;
  std::string question;
  std::int32_t duration = 0; // minutes
  bool is_public = false;
  std::string status; // WAITING | LIVE | ENDED
  millis created_at = 0;
  millis started_at = 0;
  millis ends_at = 0;
  millis ended_at = 0;
};

/// One row per (room, user); written again whenever it changes.
struct member_record {
  std::string room_id;
  std::string user_id;
  std::string username;
  std::string status; // PENDING | APPROVED | REJECTED | KICKED | LEFT
  std::int32_t violation_count = 0;
  bool has_submitted = false;
  millis joined_at = 0;
  millis left_at = 0;
};

struct violation_record {
  std::string room_id;
  std::string user_id;
  std::string type; // FULLSCREEN_EXIT | TAB_SWITCH | DISCONNECT
  millis timestamp = 0;
  std::int32_t violation_count = 0; // the user's count including this one
  std::string idempotency_key;      // "" when the client sent none
};

struct submission_record {
  std::string room_id;
  std::string user_id;
  std::string code;
  std::string language;
  millis submitted_at = 0;
  std::string idempotency_key; // "" when the client sent none
};

/// One row per JOIN_ROOM request, keyed by (room, user, requested_at);
/// written again with the decision.
struct join_attempt_record {
  std::string room_id;
  std::string user_id;
  std::string username;
  std::string status; // PENDING | APPROVED | REJECTED
  millis requested_at = 0;
  millis decided_at = 0;
};

struct kick_record {
  std::string room_id;
  std::string user_id;
  std::string reason;
  millis kicked_at = 0;
};

/// A durable room event: the room's log, for replay after a reconnect or a
/// restart. `audience` says who received it. The store does not read the
/// payload; it is the event in protocol/event_log's encoding.
struct event_record {
  std::string room_id;
  std::int64_t seq = 0;    // per room, from 1, strictly increasing
  std::string audience;    // MEMBERS | HOST | USER | EVERYONE
  std::string user_id;     // the recipient when audience is USER, else ""
  std::string payload;     // the encoded event (protocol/event_log)
  millis created_at = 0;
  /// Writes only: the index, in the same write set's `submissions`, of the
  /// submission whose code and language the payload leaves out (a
  /// user_submitted event); -1 for none. Reads fill "d.code" and
  /// "d.language" of the payload back from that row (persistence/README.md,
  /// "Events"), and return -1.
  std::int32_t submission_index = -1;
};

/// Which events of a room's log a member may be replayed: those with
/// seq > after_seq addressed to it (the rule of room_detail::addressed_to):
/// EVERYONE; HOST if is_host; USER if user_id is the recipient; MEMBERS if
/// is_host or was_member.
struct replay_query {
  std::string room_id;
  std::int64_t after_seq = 0;
  std::string user_id;
  bool is_host = false;
  bool was_member = false; // approved when it saw after_seq
  std::uint32_t max_events = 1000;
  std::uint64_t max_bytes = 4u << 20; // sum of payload sizes
};

/// The answer to a replay_query, read in one snapshot of the log.
struct replay_page {
  /// The member's events in seq order; when `complete` is false, the ones
  /// that fitted the bounds (a prefix).
  std::vector<event_record> events;
  /// Whether `events` holds every event addressed to the member with
  /// seq > after_seq. False when max_events or max_bytes was reached: the
  /// room answers RESYNC_REQUIRED with a snapshot instead.
  bool complete = true;
  /// The highest seq in the room's whole log (any audience) in the same
  /// snapshot, 0 for none: what a complete replay covers.
  std::int64_t last_seq_in_log = 0;
};

/// A key a client attached to a submission or violation, with what it
/// produced, so that a resend is recognised after a restart.
struct idempotency_record {
  std::string user_id;
  std::string kind; // SUBMISSION | VIOLATION
  std::string key;
  millis at = 0;    // submittedAt / timestamp of the original
};

/// Everything one domain step writes; applied atomically (all or nothing).
struct write_set {
  std::vector<room_record> rooms;
  std::vector<member_record> members;
  std::vector<violation_record> violations;
  std::vector<submission_record> submissions;
  std::vector<join_attempt_record> join_attempts;
  std::vector<kick_record> kicks;
  std::vector<event_record> events;
  // contests (persistence/contest_records.hpp)
  std::vector<contest_record> contests;
  std::vector<contest_question_record> contest_questions;
  std::vector<contest_participant_record> contest_participants;
  std::vector<contest_answer_record> contest_answers;
  std::vector<contest_standing_record> contest_standings;
  // public study rooms (persistence/study_records.hpp)
  std::vector<public_user_record> public_users;
  std::vector<public_room_record> public_rooms;
  std::vector<public_member_record> public_members;
  // collaborative sessions, exams, recovery (persistence/live_records.hpp)
  std::vector<collab_session_record> collab_sessions;
  std::vector<collab_participant_record> collab_participants;
  std::vector<exam_record> exams;
  std::vector<exam_student_record> exam_students;
  std::vector<exam_answer_record> exam_answers;
  std::vector<live_event_record> live_events;
  std::vector<live_pid_record> live_pids;
  /// Drops a room's log (a closed session, an ended exam): (domain, room_id).
  std::vector<live_room_seq> live_log_drops;
};

} // namespace proctord::persistence
