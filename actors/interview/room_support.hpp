#pragma once
// Internal to the interview room: reading its state, staging and publishing
// its events, and the views and rows it builds. Everything here runs inside
// the room actor, one message at a time.

#include "actors/interview/room.hpp"

#include <string>
#include <string_view>

namespace proctord::room_support {

using self_ptr = room_actor::stateful_pointer<room_state>;
using protocol::error_code;

protocol::millis now_ms();

// -- audiences (stored with each event, for replay) ---------------------------

/// The host and approved participants.
inline constexpr std::string_view to_members = "MEMBERS";
inline constexpr std::string_view to_host = "HOST";
/// One member (the entry's user_id).
inline constexpr std::string_view to_user = "USER";
/// Every connected member, pending ones too.
inline constexpr std::string_view to_everyone = "EVERYONE";

/// Whether member `m`, connected now, receives an event for `audience`.
bool receives(const member& m, std::string_view audience,
              const std::string& user_id);

// -- steps and delivery -------------------------------------------------------

/// Numbers `e` with the room's next seq and adds it to the step, stored
/// with time `at` (0: now).
void stage(self_ptr self, step& s, std::string_view audience,
           const std::string& user_id, protocol::event e,
           protocol::millis at = 0);

/// Commits the step; a store failure tells `who` STORE_UNAVAILABLE (and
/// runs hooks.failed too).
void commit(self_ptr self, step s, const caller* who,
            std::string_view request_type, commit_hooks hooks);

/// Sends one committed event to whoever of its audience is connected now.
void publish(self_ptr self, const journal_entry& e);

/// A live-only event (no seq, not stored, never replayed) to whoever of
/// `audience` is connected now: one envelope per relay.
void publish_live(self_ptr self, std::string_view audience,
                  const protocol::event& e);

/// An error to `c`: through its seat if it holds one here (in order with
/// the rest), else straight to its connection.
void error_to(self_ptr self, const caller& c, error_code code,
              std::string message, std::string_view request_type);

// -- reading the state --------------------------------------------------------

member* host(self_ptr self);
member* find(self_ptr self, const std::string& user_id);
/// Connected now, and the host or an approved participant: receives what
/// goes to the members.
bool in_audience(const member& m);
/// Whether the room counts `m` as connected: in the audience, or away
/// within the presence grace (the room was not told it left).
bool present(const member& m);
/// The members present.
std::int32_t connected_count(self_ptr self);
std::int32_t approved_count(self_ptr self);
/// Approved participants plus admissions being committed.
bool full(self_ptr self);

/// The caller's member entry if its connection is the one holding the seat.
member* seat_of(self_ptr self, const caller& c);

bool reject_if_ended(self_ptr self, const caller& c, std::string_view rt);
member* require_host(self_ptr self, const caller& c, std::string_view rt,
                     const char* what);
member* require_participant(self_ptr self, const caller& c,
                            std::string_view rt);

// -- rows and views -----------------------------------------------------------

persistence::room_record room_row(self_ptr self);
persistence::member_record member_row(self_ptr self, const member& m);
persistence::join_attempt_record attempt_row(self_ptr self, const member& m,
                                             std::string_view status,
                                             protocol::millis decided_at);
protocol::evt::join_approved approved_event(self_ptr self, const member& m);
protocol::evt::join_request request_event(const member& m);
protocol::evt::room_status_view status_view(self_ptr self, const member& asker);
std::string resume_token(self_ptr self, const member& m);

} // namespace proctord::room_support
