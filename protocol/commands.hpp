#pragma once
// Typed commands (client -> server) and events (server -> client) of the
// native dialect (seed 000). Plain structs: no JSON, no CAF, no Asio. The
// codecs in protocol/ turn frames into these and these into frames; actors/
// works on them and never sees JSON.
//
// Identity never comes from these structs: a command carries at most a token,
// and the connection actor derives the user from it. A "userId" that a client
// puts into FULLSCREEN_EXIT, SUBMIT_CODE ... is ignored.

#include "protocol/errors.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace proctord::protocol {

/// An encoded outbound frame: encoded once, shared by every recipient.
using frame = std::shared_ptr<const std::string>;

/// Milliseconds since the Unix epoch (the seeds' "timestamp").
using millis = std::int64_t;

// -- commands -----------------------------------------------------------------

namespace cmd {

struct create_room {
  std::string token;
  std::string roomname;
  std::int32_t max_guests = 0;
  std::string question;
  std::int32_t duration = 0; // minutes
  bool is_public = false;
};

struct join_room {
  std::string token;
  std::string room_id;
};

// For the commands below an empty room_id means "the room this connection is
// in"; a non-empty one must name that room.

struct approve_join {
  std::string room_id;
  std::string user_id; // the participant to decide on (not the sender)
  bool approve = true;
};

struct start_room {
  std::string room_id;
};

struct leave_room {
  std::string room_id;
};

struct end_room {
  std::string room_id;
};

struct get_room_status {
  std::string room_id;
};

enum class signal : std::uint8_t {
  fullscreen_exit,
  fullscreen_enter,
  tab_blur,
  tab_focus,
};

/// FULLSCREEN_EXIT, FULLSCREEN_ENTER, TAB_BLUR, TAB_FOCUS.
struct proctor_signal {
  std::string room_id;
  signal what = signal::fullscreen_exit;
  std::string idempotency_key; // optional; a resend with it counts once
};

struct code_change {
  std::string room_id;
  std::string code;
  std::string language;
};

struct submit_code {
  std::string room_id;
  std::string code;
  std::string language;
  std::string idempotency_key; // optional; a resend with it is acked again
};

struct kick_user {
  std::string room_id;
  std::string user_id; // the participant to remove
  std::string reason;
};

/// ANNOUNCE (proctord): the host's message to the room ("10 minutes left").
struct announce {
  std::string room_id;
  std::string message;
};

struct heartbeat {};

/// RESUME (proctord): take a seat back with a resume token, and get the
/// durable events with seq > last_seq addressed to this user.
struct resume {
  std::string resume_token;
  std::int64_t last_seq = 0;
};

} // namespace cmd

using command
  = std::variant<cmd::create_room, cmd::join_room, cmd::approve_join,
                 cmd::start_room, cmd::leave_room, cmd::end_room,
                 cmd::get_room_status, cmd::proctor_signal, cmd::code_change,
                 cmd::submit_code, cmd::kick_user, cmd::announce,
                 cmd::heartbeat, cmd::resume>;

/// The wire name of a command, e.g. "CREATE_ROOM" (for error envelopes).
std::string_view type_name(const command& c) noexcept;

/// Whether the command's effect is live only (no seq, nothing stored):
/// CODE_CHANGE and ANNOUNCE. Such a command may be shed under overload;
/// the others must not be.
bool live_only(const command& c) noexcept;

// -- events -------------------------------------------------------------------

enum class room_status : std::uint8_t { waiting, live, ended };
enum class member_status : std::uint8_t {
  pending,
  approved,
  rejected,
  kicked,
  left,
};
enum class violation_type : std::uint8_t {
  fullscreen_exit,
  tab_switch,
  disconnect,
};
enum class member_role : std::uint8_t { host, participant };

std::string_view to_string(room_status x) noexcept;
std::string_view to_string(member_status x) noexcept;
std::string_view to_string(violation_type x) noexcept;
std::string_view to_string(member_role x) noexcept;

namespace evt {

struct room_created {
  std::string room_id;
  std::string roomname;
  std::string resume_token;
};

struct waiting_approval {
  std::string room_id;
  std::string resume_token;
};

struct join_request {
  std::string user_id;
  std::string username;
  std::string socket_id;
  millis timestamp = 0;
};

struct join_approved {
  std::string room_id;
  std::string roomname;
  std::string question;
  std::int32_t duration = 0;
  std::string host_name;
  member_role role = member_role::participant;
  room_status status = room_status::waiting;
  millis started_at = 0; // 0: not started
  millis ends_at = 0;    // 0: not started
  std::string resume_token;
};

struct join_rejected {
  std::string room_id;
};

struct user_joined {
  std::string user_id;
  std::string username;
  std::int32_t connected_count = 0;
  bool resumed = false; // back after a dropped connection
};

enum class leave_reason : std::uint8_t { left, disconnected };

struct user_left {
  std::string user_id;
  std::string username;
  leave_reason reason = leave_reason::left;
  std::int32_t connected_count = 0;
};

struct room_started {
  std::string room_id;
  millis started_at = 0;
  millis ends_at = 0;
  std::int32_t duration = 0;
  millis server_time = 0;
};

enum class end_reason : std::uint8_t { host, time_up };

struct room_ended {
  std::string room_id;
  end_reason reason = end_reason::host;
  millis ended_at = 0;
};

struct member_view {
  std::string user_id;
  std::string username;
  member_status status = member_status::pending;
  bool connected = false;
  std::int32_t violation_count = 0;
  bool has_submitted = false;
};

struct room_status_view {
  std::string room_id;
  std::string roomname;
  room_status status = room_status::waiting;
  std::string host_id;
  std::string host_name;
  bool host_connected = false;
  std::string question;
  std::int32_t duration = 0;
  std::int32_t max_guests = 0;
  bool is_public = false;
  millis created_at = 0;
  millis started_at = 0;
  millis ends_at = 0;
  millis server_time = 0;
  std::int32_t connected_count = 0;
  member_role your_role = member_role::participant;
  member_status your_status = member_status::pending;
  /// Every participant, for the host; only the caller, for a participant.
  std::vector<member_view> participants;
};

struct violation_detected {
  std::string user_id;
  std::string username;
  violation_type type = violation_type::fullscreen_exit;
  std::int32_t violation_count = 0;
  millis timestamp = 0;
};

/// FULLSCREEN_ENTER / TAB_FOCUS reported to the host; or RECONNECTED: a
/// participant whose connection dropped resumed within the presence grace
/// (the room saw no USER_LEFT), away for `away_ms`.
struct proctoring_update {
  std::string user_id;
  std::string username;
  cmd::signal what = cmd::signal::fullscreen_enter; // unused if reconnected
  millis timestamp = 0;
  bool reconnected = false;
  millis away_ms = 0; // RECONNECTED: from the drop to the RESUME
};

struct code_update {
  std::string user_id;
  std::string username;
  std::string code;
  std::string language;
  millis timestamp = 0;
};

/// ANNOUNCEMENT (proctord): the host's ANNOUNCE, to the host and approved
/// participants. Live only, like code_update: no seq, never stored.
struct announcement {
  std::string room_id;
  std::string message;
  std::string from; // the host's name
  millis timestamp = 0;
};

struct submission_received {
  std::string room_id;
  millis submission_time = 0;
};

struct user_submitted {
  std::string user_id;
  std::string username;
  millis submission_time = 0;
  std::string code;
  std::string language;
};

struct kicked {
  std::string room_id;
  std::string reason;
};

struct user_kicked {
  std::string user_id;
  std::string username;
  std::string reason;
};

struct heartbeat_ack {
  millis timestamp = 0;
};

/// The answer to a successful RESUME; the replayed events follow it.
struct resumed {
  std::string room_id;
  member_role role = member_role::participant;
  member_status status = member_status::approved;
  std::int64_t last_seq = 0; // what the replay covers; later events are newer
  std::int32_t replayed = 0; // how many events follow
};

enum class resync_reason : std::uint8_t { grace_expired, events_unavailable };

/// The answer to a RESUME that cannot replay: a full snapshot instead.
struct resync_required {
  resync_reason reason = resync_reason::grace_expired;
  room_status_view snapshot;
};

struct error {
  error_code code = error_code::internal;
  std::string message;
  std::string request_type; // the "type" of the message that failed, if known
};

} // namespace evt

using event
  = std::variant<evt::room_created, evt::waiting_approval, evt::join_request,
                 evt::join_approved, evt::join_rejected, evt::user_joined,
                 evt::user_left, evt::room_started, evt::room_ended,
                 evt::room_status_view, evt::violation_detected,
                 evt::proctoring_update, evt::code_update,
                 evt::announcement, evt::submission_received,
                 evt::user_submitted, evt::kicked, evt::user_kicked,
                 evt::heartbeat_ack, evt::error, evt::resumed,
                 evt::resync_required>;

} // namespace proctord::protocol
