#pragma once
// Contest rows (seed 001), as the store writes and reads them. Times are
// milliseconds since the Unix epoch; 0 means "not set" (NULL).

#include <cstdint>
#include <string>
#include <vector>

namespace proctord::persistence {

/// One row per contest; written again whenever its lifecycle changes.
struct contest_record {
  std::string contest_id;
  std::string title;
  std::string scoring;                  // speed | fixed
  std::int32_t freeze_before_end = 0;   // seconds
  std::string status;                   // UPCOMING | ACTIVE | PAUSED | COMPLETED
  std::string created_by;               // the admin's user id
  std::int64_t created_at = 0;
  std::int64_t start_at = 0;            // scheduled start (startTime), 0: none
  std::int64_t started_at = 0;          // the schedule's origin
  std::int64_t paused_at = 0;           // while PAUSED
  std::int64_t paused_total_ms = 0;     // pauses that ended, added up
  std::int64_t ended_at = 0;
};

/// One row per question, written once with the contest.
struct contest_question_record {
  std::string contest_id;
  std::string question_id;
  std::int32_t position = 0; // 0-based order
  std::string text;
  bool has_options = false;
  std::vector<std::string> options;
  std::string answer;
  std::int64_t points = 0;
  std::int32_t time_limit = 0; // seconds
};

/// One row per (contest, user), written at the first join.
struct contest_participant_record {
  std::string contest_id;
  std::string user_id;
  std::string username;
  std::int64_t joined_at = 0;
};

/// One row per (contest, user, question): an answer and what it earned.
/// A second row for the same key fails its write set.
struct contest_answer_record {
  std::string contest_id;
  std::string user_id;
  std::string question_id;
  std::string answer;
  bool correct = false;
  std::int64_t points = 0;
  std::int64_t elapsed_ms = 0;  // from the question's opening, pauses excluded
  std::int64_t total_score = 0; // the user's score after this answer
  std::string idempotency_key;  // "" when the client sent none
  std::int64_t submitted_at = 0;
};

/// Final standings, written when the contest completes.
struct contest_standing_record {
  std::string contest_id;
  std::string user_id;
  std::string username;
  std::int32_t rank = 0;
  std::int64_t score = 0;
  std::int64_t time_ms = 0;
};

/// Everything a contest needs to come back after a restart.
struct contest_snapshot {
  contest_record contest;
  std::vector<contest_question_record> questions;       // by position
  std::vector<contest_participant_record> participants; // by joined_at
  std::vector<contest_answer_record> answers;           // by submitted_at
  std::vector<contest_standing_record> standings;       // by rank
};

} // namespace proctord::persistence
