#pragma once
// Rows of the collaborative sessions (seed 003), the exams (seed 004) and
// the Socket.IO connection state recovery that both share: each room's
// event log and the private session ids (pids) of its sockets. Times are
// milliseconds since the Unix epoch; raw JSON is stored as the client sent
// it (bounded by the codec).

#include <cstdint>
#include <string>
#include <vector>

namespace proctord::persistence {

// -- collaborative sessions ----------------------------------------------------

/// A session: written when an instructor opens it, again when it closes.
struct collab_session_record {
  std::string session_id;
  std::string created_by;    // user id of the instructor who opened it
  std::int64_t created_at = 0;
  std::int64_t closed_at = 0; // 0 while open
  std::string close_reason;   // "inactive", "" while open
};

/// A participant of a session: written when it joins (again on recovery),
/// deleted (`removed`) when it leaves or disconnects.
struct collab_participant_record {
  std::string session_id;
  std::string user_id;
  std::string name;
  std::string role; // "instructor" | "learner"
  bool is_active = true;
  std::int64_t joined_at = 0;
  bool removed = false;
};

// -- exams ---------------------------------------------------------------------

/// An exam, from POST /api/exams. Written once.
struct exam_record {
  std::string exam_id;
  std::string title;
  std::int64_t duration_s = 0;
  std::int32_t question_count = 0;
  std::string created_by;
  std::int64_t created_at = 0;
};

/// A student's sitting of an exam: written at its first join and at every
/// change of its state (upsert by exam_id, student_id).
struct exam_student_record {
  std::string exam_id;
  std::string student_id;
  std::string name;
  std::string session_id;
  std::string status = "active"; // "active" | "disconnected" | "ended"
  std::int32_t answered_count = 0;
  std::string last_question_id;
  double time_spent = 0; // seconds, the sum of the answers' timeSpent
  std::int64_t started_at = 0;
  std::int64_t ends_at = 0;
  std::int64_t last_seen_at = 0;
  std::int64_t ended_at = 0;      // 0 until ended
  std::string submission_type;    // "manual" | "timeout" | "forced", "" until ended
  std::string final_score;        // raw JSON number, "" for none
  std::string device_info = "null";
  std::string network_info = "null";
};

/// An answer (upsert by exam_id, student_id, question_id: a resubmitted
/// question replaces the earlier answer).
struct exam_answer_record {
  std::string exam_id;
  std::string student_id;
  std::string question_id;
  std::string answer; // raw JSON
  double time_spent = 0;
  std::int64_t saved_at = 0;
};

// -- connection state recovery --------------------------------------------------

/// Which sockets of a room a logged event is for.
enum class live_audience : std::uint8_t {
  all = 0,      // every socket in the room
  all_but = 1,  // every socket but `user_id`'s
  only = 2,     // `user_id`'s socket only
  monitors = 3, // the room's monitors (an exam's teachers)
};

/// One event of a room's log: its wire form (name and raw JSON arguments,
/// without the offset), as sent live. `domain` is "session" or "exam".
struct live_event_record {
  std::string domain;
  std::string room_id;
  std::int64_t seq = 0;
  live_audience audience = live_audience::all;
  std::string user_id;
  std::string name;
  std::string args;
  std::int64_t at = 0;
};

/// A socket's private session id (pid) and where it sits: upserted when the
/// socket is seated in a room (or restored), again when it drops
/// (disconnected_at set); deleted (`removed`) when it leaves on purpose.
struct live_pid_record {
  std::string pid;
  std::string domain;
  std::string room_id;
  std::string user_id;
  std::string sid;       // the socket id the client keeps across recovery
  bool monitor = false;  // seated as a monitor (an exam's teacher)
  std::int64_t disconnected_at = 0; // 0 while connected
  bool removed = false;
};

/// Events of one room with seq > after_seq, in seq order, at most `limit`
/// (filtered by audience in the room actor).
struct live_replay_query {
  std::string domain;
  std::string room_id;
  std::int64_t after_seq = 0;
  std::uint32_t limit = 10000;
};

/// The highest seq of a room's log.
struct live_room_seq {
  std::string domain;
  std::string room_id;
  std::int64_t seq = 0;
};

/// Everything stored of the sessions, exams and pids, loaded at start.
struct live_snapshot {
  std::vector<collab_session_record> sessions;         // open ones only
  std::vector<collab_participant_record> participants; // of open sessions
  std::vector<exam_record> exams;
  std::vector<exam_student_record> students;
  std::vector<exam_answer_record> answers;
  std::vector<live_pid_record> pids;
  std::vector<live_room_seq> seqs;
};

} // namespace proctord::persistence
