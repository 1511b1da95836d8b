#pragma once
// inspect() overloads for the commands of the collaborative sessions
// (protocol/session.hpp) and the exams (protocol/exam.hpp), which travel
// from the Socket.IO door through a connection actor to their domain.

#include "actors/core/variant_inspect.hpp"
#include "protocol/exam.hpp"
#include "protocol/session.hpp"

#include <caf/meta/type_name.hpp>

namespace proctord::protocol::session {

using proctord::variant_inspect::inspect;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cursor& x) {
  return f(caf::meta::type_name("session.cursor"), x.line, x.column);
}

namespace cmd {
using proctord::variant_inspect::inspect;
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_session& x) {
  return f(caf::meta::type_name("session.join_session"), x.session_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leave_session&) {
  return f(caf::meta::type_name("session.leave_session"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cursor_update& x) {
  return f(caf::meta::type_name("session.cursor_update"), x.at);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, activity_status& x) {
  return f(caf::meta::type_name("session.activity_status"), x.is_active);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, invalid& x) {
  return f(caf::meta::type_name("session.invalid"), x.message);
}
} // namespace cmd

} // namespace proctord::protocol::session

namespace proctord::protocol::exam {

using proctord::variant_inspect::inspect;
using proctord::variant_inspect::optional_field;

namespace cmd {
using proctord::variant_inspect::inspect;
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_exam_session& x) {
  return f(caf::meta::type_name("exam.join_exam_session"), x.exam_id,
           x.session_id, x.device_info, x.network_info);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_answer& x) {
  return f(caf::meta::type_name("exam.submit_answer"), x.exam_id,
           x.question_id, x.answer, x.time_spent);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, end_exam& x) {
  return f(caf::meta::type_name("exam.end_exam"), x.exam_id, x.final_score);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat&) {
  return f(caf::meta::type_name("exam.heartbeat"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_monitoring& x) {
  return f(caf::meta::type_name("exam.join_monitoring"), x.exam_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leave_monitoring& x) {
  return f(caf::meta::type_name("exam.leave_monitoring"), x.exam_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, force_end_exam& x) {
  return f(caf::meta::type_name("exam.force_end_exam"), x.exam_id,
           x.student_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, invalid& x) {
  return f(caf::meta::type_name("exam.invalid"), x.message);
}
} // namespace cmd

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command& x) {
  return f(caf::meta::type_name("exam.command"), x.what, optional_field(x.ack));
}

} // namespace proctord::protocol::exam
