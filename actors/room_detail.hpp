#pragma once
// Internal to the room actor: reading its state, staging durable events,
// delivering them, and the views and rows it builds. Everything here runs
// inside the room actor, one message at a time.

#include "actors/room.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::room_detail {

using self_ptr = room_actor::stateful_pointer<room_state>;
using protocol::error_code;

protocol::millis now_ms();

// -- sending right away (replies that are not part of the log) ---------------

void send_frame(self_ptr self, const connection_actor& to,
                const protocol::frame& f);
/// A frame to a seated member's socket, directly (in order with every
/// other frame the room sends it: all go this way).
void send_member(self_ptr self, const member& m, const protocol::frame& f);
void send_event(self_ptr self, const connection_actor& to,
                const protocol::event& e);
void send_error(self_ptr self, const connection_actor& to, error_code code,
                std::string message, std::string_view request_type);
void send_seat(self_ptr self, const connection_actor& to, seat_state state,
               protocol::member_role role);

// -- durable events -----------------------------------------------------------

/// Who receives a durable event (stored with it, for replay).
enum class audience : std::uint8_t {
  members,  // the host and approved participants
  host,
  user,     // one member
  everyone, // every connected member, pending ones too
};

struct outgoing {
  audience to = audience::members;
  std::string user_id; // for audience::user
  std::int64_t seq = 0;
  protocol::frame frame;
};

/// One domain step: its rows and its events, committed together.
struct staged {
  persistence::write_set ws;
  std::vector<outgoing> out;
};

/// Numbers `e` with the room's next seq, encodes it once, and adds it to the
/// step's rows and outbox.
void stage(self_ptr self, staged& step, audience to, const std::string& user_id,
           const protocol::event& e);

/// Commits the step; then delivers its events in order and runs `done`. If
/// the store fails, `who` (if any) gets STORE_UNAVAILABLE and `failed` runs.
void commit(self_ptr self, staged step, connection_actor who,
            std::string_view request_type, std::function<void()> done,
            std::function<void()> failed = {});

/// Sends one durable event to whoever of its audience is connected now
/// (members in the middle of a replay get it after the replay).
void deliver(self_ptr self, const outgoing& o);

/// Sends a live-only event (no seq, not stored, never replayed) to whoever of
/// `to` is connected now: encoded once, the same frame for every recipient
/// (members in the middle of a replay get it after the replay).
void publish_live(self_ptr self, audience to, const protocol::event& e);

/// Whether member `m` was among the audience of a stored event.
bool addressed_to(const member& m, std::string_view audience_name,
                  const std::string& user_id);

// -- reading the state --------------------------------------------------------

member* host(self_ptr self);
bool in_audience(const member& m);
std::int32_t connected_count(self_ptr self);
std::int32_t approved_count(self_ptr self);

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

} // namespace proctord::room_detail
