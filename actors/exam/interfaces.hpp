#pragma once
// Live exam monitoring (seed 004): the exam directory (the domain of
// namespace "/" on /socket.io/, and the REST API's counterpart) and one
// actor per exam.
//
//   connection ─(sio_join | sio_from+command | leave)─▶ exam directory
//     the token (authenticate), the pids (claim on a recovering CONNECT),
//     each socket's rate limit; a socket that has not joined an exam waits
//     here and is answered here
//   exam directory ─(exam_enter | exam_restore | exam_socket_cmd | leave)─▶ exam
//     the students' sittings and answers, the monitors, the exam's event log
//     and clocks; the only writer to its sockets once they are in
//   exam ─(exam_released | exam_pid_report)─▶ exam directory
//     a socket back to waiting (or gone), a pid seated or forgotten
//   REST (actors/exam/exam_api) ─exam_request─▶ directory ─▶ exam

#include "actors/config.hpp"
#include "actors/core/live_inspect.hpp"
#include "actors/core/variant_inspect.hpp"
#include "actors/interfaces.hpp"
#include "actors/socketio/interfaces.hpp"
#include "actors/socketio/live.hpp"
#include "protocol/exam_api.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace proctord::protocol::exam {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, student_session& x) {
  return f(caf::meta::type_name("exam.student_session"), x.student_id, x.name,
           x.session_id, x.at, x.connected, x.answered_count,
           x.last_question_id, x.started_at, x.ends_at, x.last_seen_at,
           x.device_info, x.network_info);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_info& x) {
  return f(caf::meta::type_name("exam.exam_info"), x.exam_id, x.title,
           x.duration_s, x.question_count, x.created_by, x.created_at,
           x.active, x.disconnected, x.ended);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, answer_view& x) {
  return f(caf::meta::type_name("exam.answer_view"), x.question_id, x.answer,
           x.time_spent, x.saved_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, student_result& x) {
  return f(caf::meta::type_name("exam.student_result"), x.session,
           x.time_spent, x.ended_at, x.type, x.final_score, x.answers);
}

} // namespace proctord::protocol::exam

namespace proctord {

/// Internal to an exam: time-update goes out.
using exam_tick_atom = caf::atom_constant<caf::atom("examtick")>;
/// Internal to the directory: forget the pids dropped too long ago.
using pid_expire_atom = caf::atom_constant<caf::atom("pidexpire")>;

/// A REST call, already authenticated and parsed.
struct exam_request {
  enum class op : std::uint8_t {
    create,  // title, duration_s, question_count, created_by
    get,     // exam_id
    results, // exam_id
  };
  op what = op::get;
  std::string exam_id;
  std::string title;
  std::int64_t duration_s = 0;
  std::int32_t question_count = 0;
  std::string created_by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_request& x) {
  return f(caf::meta::type_name("exam_request"), x.what, x.exam_id, x.title,
           x.duration_s, x.question_count, x.created_by);
}

/// The answer to an exam_request: an HTTP status, and either an error
/// (code, message) or what the op returns.
struct exam_reply {
  std::uint16_t status = 200;
  std::string code; // "" on success
  std::string message;
  protocol::exam::exam_info exam;                      // create (id), get, results
  std::vector<protocol::exam::student_result> students; // results
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_reply& x) {
  return f(caf::meta::type_name("exam_reply"), x.status, x.code, x.message,
           x.exam, x.students);
}

/// A waiting socket's join-exam-session or join-monitoring, handed to its
/// exam by the directory (role and exam already checked).
struct exam_enter {
  live_socket sock;
  protocol::exam::command cmd;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_enter& x) {
  return f(caf::meta::type_name("exam_enter"), x.sock, x.cmd);
}

/// A recovering socket whose pid the directory claimed: `sock` has the
/// old sid and the pid; the exam answers its CONNECT once it knows what to
/// replay (or hands it back to be connected afresh).
struct exam_restore {
  live_socket sock;
  std::int64_t offset = 0;
  bool monitor = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_restore& x) {
  return f(caf::meta::type_name("exam_restore"), x.sock, x.offset, x.monitor);
}

/// A command of a socket in the exam (or entering it), from the directory.
/// `rate_limited`: the socket's token bucket was empty (RATE_LIMITED).
struct exam_socket_cmd {
  sio_from from;
  protocol::exam::command cmd;
  bool rate_limited = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_socket_cmd& x) {
  return f(caf::meta::type_name("exam_socket_cmd"), x.from, x.cmd,
           x.rate_limited);
}

/// An exam lets go of a socket (exam → directory).
struct exam_released {
  enum class why : std::uint8_t {
    waiting, // it left monitoring, or its join was refused: it waits again
    fresh,   // its recovery cannot be served: connect it afresh
    gone,    // the exam disconnected it (SESSION_REPLACED)
  };
  sio_from from;
  why what = why::waiting;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_released& x) {
  return f(caf::meta::type_name("exam_released"), x.from, x.what);
}

/// A pid's seat, committed by an exam (exam → directory).
struct exam_pid_report {
  enum class op : std::uint8_t { seated, forgotten };
  op what = op::seated;
  std::string pid;
  std::string exam_id;
  std::string user_id;
  std::string sid;
  bool monitor = false;
  sio_from from;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_pid_report& x) {
  return f(caf::meta::type_name("exam_pid_report"), x.what, x.pid, x.exam_id,
           x.user_id, x.sid, x.monitor, x.from);
}

/// Internal to an exam: a student's time may be up.
struct exam_deadline {
  std::string student_id;
  std::int64_t ends_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exam_deadline& x) {
  return f(caf::meta::type_name("exam_deadline"), x.student_id, x.ends_at);
}

/// One actor per exam.
using exam_actor = caf::typed_actor<
  // A socket joins (as a student or a monitor), from the directory.
  caf::reacts_to<exam_enter>,
  // A socket recovers its seat, from the directory.
  caf::reacts_to<exam_restore>,
  // A command of one of its sockets, from the directory.
  caf::reacts_to<exam_socket_cmd>,
  // A socket left (DISCONNECT or its connection closed), from the directory.
  caf::reacts_to<sio_from, leave_atom>,
  // GET /api/exams/:id and .../results, from the directory.
  caf::replies_to<exam_request>::with<exam_reply>,
  // Internal: a student's deadline; the time-update tick.
  caf::reacts_to<exam_deadline>,
  caf::reacts_to<exam_tick_atom>>;

/// The exam directory: the domain of "/" on /socket.io/ and the REST API's
/// counterpart.
using exam_directory_actor = sio_domain_actor::extend<
  // Every REST call.
  caf::replies_to<exam_request>::with<exam_reply>,
  // An exam lets go of a socket.
  caf::reacts_to<exam_released>,
  // An exam seated or forgot a pid.
  caf::reacts_to<exam_pid_report>,
  // Internal: expire old pids.
  caf::reacts_to<pid_expire_atom>>;

/// A socket's key among a domain's sockets.
inline std::uint64_t exam_socket_key(const recipient& r) {
  return (r.conn_id << 16) | r.channel;
}

} // namespace proctord
