#pragma once
// Collaborative coding sessions (seed 003): the session directory (the
// domain of namespace "/" at /api/socket/) and one actor per session.
//
//   connection ─(sio_join | sio_from+command | leave)─▶ session directory
//     authenticates each CONNECT, answers it (or hands a recovery to its
//     session), holds the sockets that are in no session, rate-limits
//     every socket, knows which session each socket is in and every pid
//   session directory ─(session_join | session_restore | command | leave)─▶ session
//     participants, the session's sockets, its event log, its pids; commits
//     every change (participant row + pid row + logged events, one write
//     set) before anyone hears of it
//   session ─(session_pid_update | session_released | session_ended |
//             bounce)─▶ session directory
//     keeps the directory's socket places and pid table in step
//
// A socket leaving a session on purpose (leave-session, or join-session of
// another one) is "leaving" in the directory until its session released
// it: its further commands wait, so that the session's removal of the pid
// row is committed before another session stores it again.

#include "actors/config.hpp"
#include "actors/core/live_inspect.hpp"
#include "actors/interfaces.hpp"
#include "actors/socketio/interfaces.hpp"
#include "actors/socketio/live.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace proctord {

/// A socket sent more events than its token bucket allows.
using limited_atom = caf::atom_constant<caf::atom("limited")>;
/// Pids whose recovery window is over (directory → session).
using expire_atom = caf::atom_constant<caf::atom("expire")>;
/// A session is done with the directory's messages and exits.
using retire_atom = caf::atom_constant<caf::atom("retire")>;
/// A join or recovery a closed session hands back to the directory.
using bounce_atom = caf::atom_constant<caf::atom("bounce")>;
/// Internal to a session: a user's cursor window closes.
using cursor_atom = caf::atom_constant<caf::atom("cursor")>;
/// Internal to a session: the idle check (with its generation).
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// A socket joins a session (join-session). `s.who.role` is already the
/// session role ("instructor" for an instructor or admin, "learner").
struct session_join {
  live_socket s;
  std::string session_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_join& x) {
  return f(caf::meta::type_name("session_join"), x.s, x.session_id);
}

/// A socket recovers its place: `s.sid` and `s.pid` are the old ones, the
/// pid already claimed. `fresh_sid` is the sid to connect it with when the
/// session cannot restore it after all.
struct session_restore {
  live_socket s;
  std::int64_t offset = 0;
  std::string fresh_sid;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_restore& x) {
  return f(caf::meta::type_name("session_restore"), x.s, x.offset,
           x.fresh_sid);
}

/// A committed change of one of a session's pids, for the directory's
/// pid_table.
struct session_pid_update {
  enum class op : std::uint8_t { seated, dropped, forget };
  op what = op::seated;
  std::string pid;
  std::string session_id;
  std::string user_id;
  std::string sid;
  std::int64_t at = 0; // dropped: when
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_pid_update& x) {
  return f(caf::meta::type_name("session_pid_update"), x.what, x.pid,
           x.session_id, x.user_id, x.sid, x.at);
}

/// A session lets go of a socket: back to no session (it left, or its join
/// failed), or disconnected by the session (replaced by a newer socket of
/// its user).
struct session_released {
  enum class kind : std::uint8_t { to_lobby, disconnected };
  sio_from from;
  std::string session_id;
  kind how = kind::to_lobby;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_released& x) {
  return f(caf::meta::type_name("session_released"), x.from, x.session_id,
           x.how);
}

/// A session closed (or never opened): its sockets are in no session, its
/// pids are forgotten. The directory answers retire_atom.
struct session_ended {
  std::string session_id;
  std::vector<std::string> pids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_ended& x) {
  return f(caf::meta::type_name("session_ended"), x.session_id, x.pids);
}

/// The session directory: the domain of "/" at /api/socket/.
using session_directory_actor = sio_domain_actor::extend<
  // A session's pid changed (after its commit).
  caf::reacts_to<session_pid_update>,
  // A session let go of a socket.
  caf::reacts_to<session_released>,
  // A session closed.
  caf::reacts_to<session_ended>,
  // A join or recovery that reached a session after it closed.
  caf::reacts_to<bounce_atom, session_join>,
  caf::reacts_to<bounce_atom, session_restore>,
  // Internal: expire the pids whose recovery window is over.
  caf::reacts_to<tick_atom>>;

/// One actor per collaborative session.
using session_actor = caf::typed_actor<
  // A socket joins, from the directory.
  caf::reacts_to<session_join>,
  // A socket recovers its place, from the directory.
  caf::reacts_to<session_restore>,
  // A command of a socket in the session, from the directory.
  caf::reacts_to<sio_from, protocol::session::command>,
  // A socket of the session dropped, from the directory.
  caf::reacts_to<sio_from, leave_atom>,
  // A socket of the session is over its rate, from the directory.
  caf::reacts_to<sio_from, limited_atom>,
  // Pids of the session whose window is over, from the directory.
  caf::reacts_to<expire_atom, std::vector<std::string>>,
  // After session_ended: the directory sends the session nothing more.
  caf::reacts_to<retire_atom>,
  // Internal: a user's cursor window closes.
  caf::reacts_to<cursor_atom, std::string>,
  // Internal: the idle check.
  caf::reacts_to<idle_atom, std::uint64_t>>;

/// A socket's key among a domain's sockets.
inline std::uint64_t live_key(const recipient& r) {
  return (r.conn_id << 16) | r.channel;
}

} // namespace proctord
