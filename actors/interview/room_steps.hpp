#pragma once
// The interview room's steps, one function per command, shared by the
// files of actors/interview/. Each runs inside the room actor, once the
// subjects it touches are free (see room.cpp's behavior).

#include "actors/interview/room_support.hpp"

namespace proctord::interview {

using room_support::self_ptr;
namespace cmd = protocol::cmd;
namespace evt = protocol::evt;

/// The subject of commands about one member: they wait for each other's
/// commits (actors/core/journal.hpp).
inline std::string about(const std::string& user_id) {
  return "user:" + user_id;
}
/// The subject of START/END and the deadline.
inline const std::string about_room = "room";

// -- membership and lifecycle (room.cpp) --------------------------------------

void on_join(self_ptr self, const caller& c);
void on_approve(self_ptr self, const caller& c, const cmd::approve_join& a);
void on_start(self_ptr self, const caller& c);
void on_leave(self_ptr self, const caller& c);
void end_room(self_ptr self, evt::end_reason reason);
void arm_deadline(self_ptr self);

// -- proctoring (room_proctoring.cpp) -----------------------------------------

void on_signal(self_ptr self, const caller& c, const cmd::proctor_signal& s);
void on_code(self_ptr self, const caller& c, cmd::code_change& cc);
/// The coalescing window for a user's CODE_CHANGE closed.
void on_code_window(self_ptr self, const std::string& user_id);
void on_submit(self_ptr self, const caller& c, cmd::submit_code& s);
void on_kick(self_ptr self, const caller& c, const cmd::kick_user& k);
void on_announce(self_ptr self, const caller& c, cmd::announce& a);
/// Counts, stores and (after the commit) shows a violation of `user_id`
/// that happened at `at` (0: now).
void record_violation(self_ptr self, step s, const std::string& user_id,
                      protocol::violation_type type, const caller* who,
                      std::string_view request_type, std::string key = {},
                      protocol::millis at = 0);

// -- presence (room_presence.cpp) ---------------------------------------------

void on_resume(self_ptr self, const caller& c, const cmd::resume& r);
/// A member's connection actor is gone (closed, or died): the presence
/// grace starts, or (without one) the member departs at once.
void on_down(self_ptr self, const caf::down_msg& dm);
/// The presence grace of absence number `absence` of `user_id` ran out:
/// unless the member is back (or that absence is over), it departs.
void on_grace_over(self_ptr self, const std::string& user_id,
                   std::uint64_t absence);

/// Stores the ENDED row again after a failed commit (room.cpp).
void persist_end(self_ptr self);

/// The behavior every room runs, created or restored (room_behavior.cpp).
room_actor::behavior_type behavior(self_ptr self);

/// Wires the journal to the room and sets the down handler.
void init(self_ptr self, room_config cfg, storage store,
          std::string room_id);

} // namespace proctord::interview
