#pragma once
// The interview room (seed 000): one actor per room. It owns the room's
// members, lifecycle, countdown and proctoring counters, and handles joins,
// approvals, violations and submissions one message at a time, so nothing
// here is shared and nothing is locked. What every domain shares (sequence
// numbers, commit-then-publish, subjects, seats, delivery) is in
// actors/core/; this folder holds the interview's rules.
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
// Every step is staged (rows and the events that show it), committed, and
// only then applied to memory and published. Commands about one member (and
// START/END about the room) wait for the commit of the previous one, so a
// retry never meets a half-applied state.

#include "actors/config.hpp"
#include "actors/core/journal.hpp"
#include "actors/core/seats.hpp"
#include "actors/interfaces.hpp"

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace proctord {

/// A member's idempotency keys on record, with each submission's time.
struct member_keys {
  std::unordered_map<std::string, protocol::millis> submissions;
  std::unordered_set<std::string> violations;
};

/// member_keys made on first use; a copy of a member copies its keys.
class lazy_keys {
public:
  lazy_keys() = default;
  lazy_keys(const lazy_keys& other)
    : p_(other.p_ ? std::make_unique<member_keys>(*other.p_) : nullptr) {}
  lazy_keys(lazy_keys&&) noexcept = default;
  lazy_keys& operator=(const lazy_keys& other) {
    if (this != &other)
      p_ = other.p_ ? std::make_unique<member_keys>(*other.p_) : nullptr;
    return *this;
  }
  lazy_keys& operator=(lazy_keys&&) noexcept = default;
  ~lazy_keys() = default;

  const member_keys* get() const noexcept { return p_.get(); }
  member_keys& made() {
    if (!p_)
      p_ = std::make_unique<member_keys>();
    return *p_;
  }

private:
  std::unique_ptr<member_keys> p_;
};

struct member {
  std::string user_id;
  std::string username;
  seat place;
  protocol::member_role role = protocol::member_role::participant;
  protocol::member_status status = protocol::member_status::pending;
  bool was_approved = false; // keeps the seat across LEAVE_ROOM / reconnects
  std::int32_t violations = 0;
  bool has_submitted = false;
  protocol::millis joined_at = 0;
  protocol::millis left_at = 0;
  protocol::millis requested_at = 0;
  /// The connection dropped and the presence grace runs: the room has not
  /// been told (no USER_LEFT yet) and still counts the member as connected.
  bool in_grace = false;
  /// Counts the member's drops: a grace timer carries the number of the
  /// absence it was armed for, so one of an earlier absence does nothing.
  std::uint64_t absences = 0;
  // The live code view: the latest CODE_CHANGE, and the coalescing window.
  std::string code;
  std::string language;
  bool code_dirty = false;
  bool code_window_open = false;
  /// Idempotency keys already on record; made with the first one (most
  /// members hold none, and two empty hash tables cost ~110 bytes each).
  lazy_keys keys;

  member_keys& keys_made() { return keys.made(); }
  bool has_violation_key(const std::string& k) const {
    return keys.get() && keys.get()->violations.count(k) > 0;
  }
  /// The submission time on record for key `k`, or nullptr.
  const protocol::millis* submission_key(const std::string& k) const {
    auto* ks = keys.get();
    if (!ks)
      return nullptr;
    auto i = ks->submissions.find(k);
    return i == ks->submissions.end() ? nullptr : &i->second;
  }
};

struct room_state {
  static constexpr const char* name = "room";
  room_config cfg;
  storage store;
  journal log;
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
  /// Admissions staged and not committed yet: they hold a place, so two
  /// concurrent admissions never overfill the room.
  std::int32_t admitting = 0;
  /// Of those, the ones whose member is connected and not counted yet:
  /// USER_JOINED counts them, so joins committed together count up 2, 3, 4
  /// as the members see them arrive.
  std::int32_t arriving = 0;
  /// The room ended but its ENDED row did not commit yet (retried every
  /// second; the room lingers until it is stored).
  bool end_unsaved = false;
  /// Bumped whenever the deadline changes, so a stale timer is ignored.
  std::uint64_t deadline_generation = 0;

  const std::string& room_id() const { return log.room_id; }
};

/// Spawned by the directory for CREATE_ROOM. The host is seated once the
/// room is committed (ROOM_CREATED); if the store fails, the host gets
/// STORE_UNAVAILABLE and the room exits.
room_actor::behavior_type room(room_actor::stateful_pointer<room_state> self,
                               room_config cfg, storage store,
                               std::string room_id, caller host,
                               protocol::cmd::create_room spec);

/// Spawned by the directory at start for every room the store holds that
/// has not ended. Every member starts away; a live room keeps its absolute
/// deadline (ending at once if it passed while the server was down).
room_actor::behavior_type
restored_room(room_actor::stateful_pointer<room_state> self, room_config cfg,
              storage store, persistence::room_snapshot snap);

} // namespace proctord
