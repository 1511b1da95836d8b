#pragma once
// One collaborative session (seed 003): its participants, its sockets, its
// event log and its pids. Every change is committed (participant row, pid
// row and logged events in one write set) before it is sent; the actor
// waits for each commit (`await`), so its changes are stored in the order
// it makes them.
//
//            instructor's join-session (session row committed with it)
//   opening ───────────────────────────▶ open ──no connected participant
//      │ the first commit fails           │    active for idle_close──▶ closed
//      ▼                                  │                               │
//   closed ◀──────────────────────────────┘                      retire: exits
//
// A socket in the session:
//
//   join-session ─commit─▶ seated ─leave-session─▶ (gone; pid forgotten)
//                            │ drop: user-left at once, pid kept (dropped)
//   recovery ─▶ restoring ───┘ (CONNECT answered, missed events replayed,
//                               then user-joined to the others)
//
// A participant is present (in `participants`) while a socket of its user
// is seated, away while its pid may still recover, and gone after.
//
// "Active" (idle close): the session is active while at least one seated
// participant has isActive true; it closes once it has not been for
// idle_close. Joining sets isActive true; cursors alone do not count.

#include "actors/contest/wall_clock.hpp"
#include "actors/session/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace proctord {

/// What a session starts from: a new one (opening), or one stored.
struct session_seed {
  persistence::collab_session_record row;
  bool opening = false;
  std::int64_t last_seq = 0;
  std::vector<persistence::collab_participant_record> participants;
  std::vector<persistence::live_pid_record> pids;
  contest::wall_clock clock;
};

struct session_socket {
  enum class phase : std::uint8_t { restoring, seated };
  live_socket s;
  phase at = phase::seated;
  /// The last logged seq this socket was sent (or skipped past).
  std::int64_t last_seq = 0;
  /// restoring: its CONNECT is answered (the replay has begun).
  bool answered = false;
  /// restoring: the sid to connect it with if it cannot be restored.
  std::string fresh_sid;
};

struct session_member {
  protocol::session::participant info;
  /// Key of its seated socket; 0 while away.
  std::uint64_t socket = 0;
  std::string pid;
  /// Away: the others heard user-left (a drop), or not (a restart).
  bool told_left = false;
};

struct cursor_window {
  std::optional<protocol::session::cursor> pending;
};

struct session_state {
  static constexpr const char* name = "session";
  enum class lifecycle : std::uint8_t { opening, open, closed };

  session_config cfg;
  store_actor store;
  relay_actor relay;
  session_directory_actor directory;
  persistence::collab_session_record row;
  lifecycle at = lifecycle::opening;
  std::optional<live_log> log;
  contest::wall_clock clock;
  std::map<std::uint64_t, session_socket> sockets;
  std::map<std::string, session_member> members;
  /// pid → user id: every pid of the session (seated or dropped).
  std::map<std::string, std::string> pids;
  /// Users whose cursor window is open.
  std::map<std::string, cursor_window> cursors;
  /// When the session stopped being active (0 while it is).
  std::int64_t idle_since = 0;
  std::uint64_t idle_gen = 0;

  std::int64_t now(caf::actor_clock& c) const { return clock.now(c); }
};

using session_self = session_actor::stateful_pointer<session_state>;

session_actor::behavior_type session(session_self self, session_config cfg,
                                     store_actor store, relay_actor relay,
                                     session_directory_actor directory,
                                     session_seed seed);

} // namespace proctord
