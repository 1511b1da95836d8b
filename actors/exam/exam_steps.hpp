#pragma once
// The exam actor's handlers, by who sends them (actors/exam/exam*.cpp).
// Each runs as a step (exam_detail::run): after the commit in flight.
// Internal to actors/exam/.

#include "actors/exam/exam_support.hpp"

namespace proctord::exam_detail {

// -- students (exam_students.cpp) ----------------------------------------------

/// join-exam-session; `entering`: the socket comes from the directory (a
/// refusal hands it back).
void student_join(exam_self self, const live_socket& sock,
                  const px::cmd::join_exam_session& c,
                  std::optional<std::uint64_t> ack, bool entering);
void submit(exam_self self, std::uint64_t key, const px::cmd::submit_answer& c,
            std::optional<std::uint64_t> ack);
void end_by_student(exam_self self, std::uint64_t key, const px::cmd::end_exam& c,
                    std::optional<std::uint64_t> ack);
void heartbeat(exam_self self, std::uint64_t key,
               std::optional<std::uint64_t> ack);
/// Ends a student's exam; a refusal of the store goes to `by` (a command's
/// socket), or retries later (a timeout).
void end_student(exam_self self, const std::string& student_id,
                 px::submission type, std::string final_score,
                 std::optional<sio_from> by, std::optional<std::uint64_t> ack);
void on_deadline(exam_self self, const exam_deadline& d);
/// A socket of the exam is gone (transport closed or DISCONNECT).
void drop(exam_self self, std::uint64_t key);

// -- monitors (exam_monitors.cpp) ------------------------------------------------

void monitor_join(exam_self self, const live_socket& sock,
                  std::optional<std::uint64_t> ack, bool entering);
void leave_monitoring(exam_self self, std::uint64_t key,
                      const px::cmd::leave_monitoring& c,
                      std::optional<std::uint64_t> ack);
void force_end(exam_self self, std::uint64_t key, const px::cmd::force_end_exam& c,
               std::optional<std::uint64_t> ack);
/// time-update to every live socket; lastSeenAt written lazily.
void tick(exam_self self);

// -- recovery (exam_recovery.cpp) ------------------------------------------------

void restore(exam_self self, exam_restore r);

} // namespace proctord::exam_detail
