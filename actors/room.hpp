#pragma once
// The room actor: one per interview room. It owns the room's members,
// lifecycle, countdown and proctoring counters, and handles joins,
// approvals, violations and submissions one message at a time, so nothing
// here is shared and nothing is locked.
//
// Lifecycle:
//
//   spawn (CREATE_ROOM)    START_ROOM (host)        END_ROOM (host) or deadline
//   ─────────────────▶ WAITING ───────────────▶ LIVE ───────────────────────▶ ENDED
//                         │                                                   ▲
//                         └──────────────── END_ROOM (host) ─────────────────┘
//
//   ENDED rooms answer ROOM_ENDED for `room_config::linger`, then exit.
//
// Persist, then publish: every state change is staged into one write set
// together with the durable events that show it, each numbered with the
// room's sequence; the events go out only once the store has committed them,
// in sequence order. The event log is what RESUME replays, after a dropped
// connection or a restart.

#include "actors/config.hpp"
#include "actors/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace proctord {

struct member {
  std::string user_id;
  std::string username;
  std::string socket_id;
  connection_actor conn; // null while disconnected
  // conn's socket, set and cleared with it. Weak: the session belongs to
  // its socket and connection actor, and must not outlive the io threads.
  std::weak_ptr<net::outbound> out;
  protocol::member_role role = protocol::member_role::participant;
  protocol::member_status status = protocol::member_status::pending;
  bool was_approved = false; // keeps the seat across LEAVE_ROOM / reconnects
  std::int32_t violations = 0;
  bool has_submitted = false;
  protocol::millis joined_at = 0;
  protocol::millis left_at = 0;
  protocol::millis requested_at = 0;
  // The live code view: the latest CODE_CHANGE, and the coalescing window.
  std::string code;
  std::string language;
  bool code_dirty = false;
  bool code_window_open = false;
  /// When the connection dropped (or the server restarted); 0 while here.
  protocol::millis away_since = 0;
  /// A RESUME is replaying the log: live frames wait in the buffer.
  bool replaying = false;
  std::vector<std::pair<std::int64_t, protocol::frame>> replay_buffer;
  /// Idempotency keys already used, with the submission time.
  std::unordered_map<std::string, protocol::millis> submission_keys;
  std::unordered_set<std::string> violation_keys;
};

struct room_state {
  static constexpr const char* name = "room";
  room_config cfg;
  store_actor store;
  std::string room_id;
  std::string roomname;
  std::string question;
  std::int32_t max_guests = 0;
  std::int32_t duration = 0; // minutes
  bool is_public = false;
  std::string host_id;
  protocol::room_status status = protocol::room_status::waiting;
  protocol::millis created_at = 0;
  protocol::millis started_at = 0;
  protocol::millis ends_at = 0;
  protocol::millis ended_at = 0;
  /// Every user that ever asked to join, and the host; ordered by user id.
  std::map<std::string, member> members;
  /// Bumped whenever the deadline changes, so a stale timer is ignored.
  std::uint64_t deadline_generation = 0;
  /// The last sequence number given to a durable event.
  std::int64_t last_seq = 0;
};

/// Spawned by the directory for CREATE_ROOM. The host is seated once the
/// room is committed (ROOM_CREATED); if the store fails, the host gets
/// STORE_UNAVAILABLE and the room exits.
room_actor::behavior_type room(room_actor::stateful_pointer<room_state> self,
                               room_config cfg, store_actor store,
                               std::string room_id, caller host,
                               protocol::cmd::create_room spec);

/// Spawned by the directory at start for every room the store holds that
/// has not ended. Every member starts away; a live room keeps its absolute
/// deadline (ending at once if it passed while the server was down).
room_actor::behavior_type
restored_room(room_actor::stateful_pointer<room_state> self, room_config cfg,
              store_actor store, persistence::room_snapshot snap);

} // namespace proctord
