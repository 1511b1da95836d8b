#pragma once
// What the exam actor's parts share (actors/exam/exam*.cpp): steps and
// their commit, sending to sockets, a student's state as the wire shows
// it, clocks and the stats. Internal to actors/exam/.

#include "actors/exam/exam.hpp"

#include <caf/error.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace proctord::exam_detail {

namespace px = protocol::exam;
namespace sio = protocol::socketio;
using persistence::live_audience;

constexpr std::string_view domain = "exam";
constexpr std::string_view nsp = "/";

/// Epoch milliseconds by the actor's clock.
std::int64_t now_ms(exam_self self);

/// Whole seconds left until `ends_at` (rounded up; 0 once it passed).
std::int64_t remaining_s(std::int64_t ends_at, std::int64_t now);

// -- steps ------------------------------------------------------------------

/// Runs `fn` now, or after the commit in flight (and the steps before it).
void run(exam_self self, std::function<void()> fn);

/// One change: its rows and its logged events, committed together.
struct step {
  persistence::write_set ws;
  std::vector<persistence::live_event_record> events;
};

/// Adds `e` to the step's log entries (numbered now), for `to`.
void stage(exam_self self, step& s, live_audience to, std::string user_id,
           const px::event& e);

struct hooks {
  /// After COMMIT, before the step's events go out: the memory changes.
  std::function<void()> apply;
  /// After the events went out.
  std::function<void()> after;
  /// The store refused: memory stays as it was.
  std::function<void(const caf::error&)> failed;
};

/// Commits `s`; then applies, publishes in seq order and runs `after`, or
/// runs `failed`. The next step runs after either.
void commit(exam_self self, step s, hooks h);

// -- sockets ----------------------------------------------------------------

void send_to(exam_self self, std::vector<recipient> to, sio::outgoing o);

/// A live-only event (time-update): no offset, not logged.
void send_live(exam_self self, std::vector<recipient> to, const px::event& e);

/// exam-error to `from` (and the refusal as the ack when the client asked
/// for one). When the socket is one of the exam's and has a pid, the error
/// carries the last seq it was sent as its offset.
void error_to(exam_self self, const sio_from& from,
              std::optional<std::uint64_t> ack, px::error_code code,
              std::string message);

/// Sends the logged events the socket has not had yet and is addressed to.
void deliver(exam_self self, exam_socket& s,
             const std::vector<persistence::live_event_record>& events);

/// The exam lets go of a socket (the directory takes it back).
void release(exam_self self, const sio_from& from, exam_released::why why);

/// Tells the directory about a pid.
void report(exam_self self, exam_pid_report::op what, const exam_socket& s);

/// The stored row of a socket's pid.
persistence::live_pid_record pid_of(exam_self self, const exam_socket& s,
                                    std::int64_t disconnected_at = 0,
                                    bool removed = false);

/// A socket of the same user and role that a new one takes the place of:
/// SESSION_REPLACED, then DISCONNECT; its pid is forgotten.
void replace(exam_self self, std::uint64_t key);

/// The live socket of a monitor `user_id` other than `except`, 0 for none.
std::uint64_t monitor_of(exam_self self, const std::string& user_id,
                         std::uint64_t except);

// -- state --------------------------------------------------------------------

px::status status_of(const persistence::exam_student_record& row);
px::student_session session_of(exam_self self, const exam_student& s);

/// A student's deadline message, at its ends_at.
void arm_deadline(exam_self self, const exam_student& s);

/// time-update ticks while the exam has live sockets.
void arm_tick(exam_self self);

/// Brings `stats` up to date with this exam.
void update_stats(exam_self self);

} // namespace proctord::exam_detail
