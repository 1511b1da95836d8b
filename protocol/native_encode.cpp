// Events -> text frames of the native dialect (protocol/README.md, "Server ->
// client"). Two shapes, as in seed 000: {"type", "data": {...}} for news about
// a user, flat {"type", "message", ...} for replies to the sender. "type" is
// always the first member, "seq" (when given) the last.

#include "protocol/json_writer.hpp"
#include "protocol/native_codec.hpp"

#include <type_traits>

namespace proctord::protocol::native {

namespace {

using detail::json_writer;

std::string_view leave_reason_name(evt::leave_reason r) noexcept {
  return r == evt::leave_reason::disconnected ? "DISCONNECTED" : "LEFT";
}

std::string_view end_reason_name(evt::end_reason r) noexcept {
  return r == evt::end_reason::time_up ? "TIME_UP" : "HOST";
}

std::string_view signal_name(cmd::signal s) noexcept {
  return type_name(command{cmd::proctor_signal{{}, s, {}}});
}

/// The text that goes with a violation or a proctoring signal.
std::string_view signal_text(cmd::signal s) noexcept {
  switch (s) {
    case cmd::signal::fullscreen_exit:
      return " exited fullscreen mode";
    case cmd::signal::fullscreen_enter:
      return " returned to fullscreen mode";
    case cmd::signal::tab_blur:
      return " switched to another tab";
    case cmd::signal::tab_focus:
      return " returned to the tab";
  }
  return "";
}

std::string_view violation_text(violation_type v) noexcept {
  switch (v) {
    case violation_type::fullscreen_exit:
      return " exited fullscreen mode";
    case violation_type::tab_switch:
      return " switched to another tab";
    case violation_type::disconnect:
      return " disconnected";
  }
  return "";
}

std::string concat(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + b.size());
  s.append(a).append(b);
  return s;
}

/// Used when an ERROR is sent without a message of its own.
std::string_view default_message(error_code code) noexcept {
  switch (code) {
    case error_code::invalid_json:
      return "the frame is not valid JSON";
    case error_code::too_deep:
      return "the JSON is nested too deeply";
    case error_code::invalid_message:
      return "expected a JSON object with a string \"type\"";
    case error_code::unknown_type:
      return "unknown message type";
    case error_code::invalid_field:
      return "a field is missing or invalid";
    case error_code::unauthorized:
      return "a valid token is required";
    case error_code::identity_mismatch:
      return "the token is for another user";
    case error_code::room_not_found:
      return "no such room";
    case error_code::room_ended:
      return "the room has ended";
    case error_code::not_in_room:
      return "not in that room";
    case error_code::already_in_room:
      return "already in another room";
    case error_code::forbidden:
      return "not allowed";
    case error_code::room_full:
      return "the room is full";
    case error_code::kicked:
      return "you were removed from this room";
    case error_code::invalid_state:
      return "not possible in the room's current state";
    case error_code::overloaded:
      return "the server is at capacity; send it again later";
    case error_code::user_not_found:
      return "no such user in the room";
    case error_code::rate_limited:
      return "too many messages; this one was dropped";
    case error_code::store_unavailable:
      return "could not save; please retry";
    case error_code::session_replaced:
      return "you joined the room from another connection";
    case error_code::resume_in_progress:
      return "a RESUME for this seat is still replaying";
    case error_code::internal:
      return "internal error";
  }
  return "internal error";
}

// -- one writer per event -----------------------------------------------------

void write(json_writer& w, const evt::room_created& e) {
  w.field("type", "ROOM_CREATED");
  w.begin_object("data");
  w.field("roomId", e.room_id);
  w.field("roomname", e.roomname);
  w.field("message", "Room created successfully");
  if (!e.resume_token.empty())
    w.field("resumeToken", e.resume_token);
  w.end_object();
}

void write(json_writer& w, const evt::waiting_approval& e) {
  w.field("type", "WAITING_APPROVAL");
  w.field("message", "Waiting for host approval to join the room");
  w.field("roomId", e.room_id);
  if (!e.resume_token.empty())
    w.field("resumeToken", e.resume_token);
}

void write(json_writer& w, const evt::join_request& e) {
  w.field("type", "JOIN_REQUEST");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  w.field("socketId", e.socket_id);
  w.field("timestamp", e.timestamp);
  w.end_object();
}

void write(json_writer& w, const evt::join_approved& e) {
  w.field("type", "JOIN_APPROVED");
  w.begin_object("data");
  w.field("roomId", e.room_id);
  w.field("roomname", e.roomname);
  w.field("question", e.question);
  w.field("duration", e.duration);
  w.field("hostName", e.host_name);
  w.field("role", to_string(e.role));
  w.field("status", to_string(e.status));
  w.time_or_null("startedAt", e.started_at);
  w.time_or_null("endsAt", e.ends_at);
  if (!e.resume_token.empty())
    w.field("resumeToken", e.resume_token);
  w.end_object();
}

void write(json_writer& w, const evt::join_rejected& e) {
  w.field("type", "JOIN_REJECTED");
  w.field("message", "The host declined your request to join the room");
  w.field("roomId", e.room_id);
}

void write(json_writer& w, const evt::user_joined& e) {
  w.field("type", "USER_JOINED");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  w.field("connectedCount", e.connected_count);
  if (e.resumed)
    w.field("resumed", true);
  w.end_object();
}

void write(json_writer& w, const evt::user_left& e) {
  w.field("type", "USER_LEFT");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  w.field("reason", leave_reason_name(e.reason));
  w.field("connectedCount", e.connected_count);
  w.end_object();
}

void write(json_writer& w, const evt::room_started& e) {
  w.field("type", "ROOM_STARTED");
  w.begin_object("data");
  w.field("roomId", e.room_id);
  w.field("startedAt", e.started_at);
  w.field("endsAt", e.ends_at);
  w.field("duration", e.duration);
  w.field("serverTime", e.server_time);
  w.end_object();
}

void write(json_writer& w, const evt::room_ended& e) {
  w.field("type", "ROOM_ENDED");
  w.field("message", e.reason == evt::end_reason::time_up
                       ? "The room has ended: time is up"
                       : "The room has been ended by the host");
  w.field("roomId", e.room_id);
  w.field("reason", end_reason_name(e.reason));
  w.field("endedAt", e.ended_at);
}

void write_status_data(json_writer& w, const evt::room_status_view& e) {
  w.begin_object("data");
  w.field("roomId", e.room_id);
  w.field("roomname", e.roomname);
  w.field("status", to_string(e.status));
  w.field("hostId", e.host_id);
  w.field("hostName", e.host_name);
  w.field("hostConnected", e.host_connected);
  w.field("question", e.question);
  w.field("duration", e.duration);
  w.field("maxGuests", e.max_guests);
  w.field("isPublic", e.is_public);
  w.field("createdAt", e.created_at);
  w.time_or_null("startedAt", e.started_at);
  w.time_or_null("endsAt", e.ends_at);
  w.field("serverTime", e.server_time);
  w.field("connectedCount", e.connected_count);
  w.field("yourRole", to_string(e.your_role));
  w.field("yourStatus", to_string(e.your_status));
  w.begin_array("participants");
  for (const auto& m : e.participants) {
    w.begin_object();
    w.field("userId", m.user_id);
    w.field("username", m.username);
    w.field("status", to_string(m.status));
    w.field("connected", m.connected);
    w.field("violationCount", m.violation_count);
    w.field("hasSubmitted", m.has_submitted);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write(json_writer& w, const evt::room_status_view& e) {
  w.field("type", "ROOM_STATUS");
  write_status_data(w, e);
}

void write(json_writer& w, const evt::resync_required& e) {
  w.field("type", "RESYNC_REQUIRED");
  w.field("reason", e.reason == evt::resync_reason::grace_expired
                      ? "GRACE_EXPIRED"
                      : "EVENTS_UNAVAILABLE");
  write_status_data(w, e.snapshot);
}

void write(json_writer& w, const evt::resumed& e) {
  w.field("type", "RESUMED");
  w.field("roomId", e.room_id);
  w.field("role", to_string(e.role));
  w.field("status", to_string(e.status));
  w.field("lastSeq", e.last_seq);
  w.field("replayed", e.replayed);
}

void write(json_writer& w, const evt::violation_detected& e) {
  w.field("type", "VIOLATION_DETECTED");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  w.field("violationType", to_string(e.type));
  w.field("violationCount", e.violation_count);
  w.field("timestamp", e.timestamp);
  w.field("message", concat(e.username, violation_text(e.type)));
  w.end_object();
}

void write(json_writer& w, const evt::proctoring_update& e) {
  w.field("type", "PROCTORING_UPDATE");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  if (e.reconnected) {
    w.field("eventType", "RECONNECTED");
    w.field("timestamp", e.timestamp);
    w.field("awayMs", e.away_ms);
    w.field("message", concat(e.username, " reconnected"));
  } else {
    w.field("eventType", signal_name(e.what));
    w.field("timestamp", e.timestamp);
    w.field("message", concat(e.username, signal_text(e.what)));
  }
  w.end_object();
}

void write(json_writer& w, const evt::code_update& e) {
  w.field("type", "CODE_UPDATE");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  w.field("code", e.code);
  w.field("language", e.language);
  w.field("timestamp", e.timestamp);
  w.end_object();
}

void write(json_writer& w, const evt::announcement& e) {
  w.field("type", "ANNOUNCEMENT");
  w.begin_object("data");
  w.field("roomId", e.room_id);
  w.field("message", e.message);
  w.field("from", e.from);
  w.field("timestamp", e.timestamp);
  w.end_object();
}

void write(json_writer& w, const evt::submission_received& e) {
  w.field("type", "SUBMISSION_RECEIVED");
  w.field("message", "Your code has been submitted successfully");
  w.field("roomId", e.room_id);
  w.field("submissionTime", e.submission_time);
}

void write(json_writer& w, const evt::user_submitted& e) {
  w.field("type", "USER_SUBMITTED");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  w.field("submissionTime", e.submission_time);
  w.field("code", e.code);
  w.field("language", e.language);
  w.end_object();
}

void write(json_writer& w, const evt::kicked& e) {
  w.field("type", "KICKED");
  w.field("message",
          e.reason.empty()
            ? std::string{"You have been removed from the room."}
            : concat("You have been removed from the room. Reason: ", e.reason));
  w.field("roomId", e.room_id);
  w.field("reason", e.reason);
}

void write(json_writer& w, const evt::user_kicked& e) {
  w.field("type", "USER_KICKED");
  w.begin_object("data");
  w.field("userId", e.user_id);
  w.field("username", e.username);
  w.field("reason", e.reason);
  w.end_object();
}

void write(json_writer& w, const evt::heartbeat_ack& e) {
  w.field("type", "HEARTBEAT_ACK");
  w.field("timestamp", e.timestamp);
}

void write(json_writer& w, const evt::error& e) {
  w.field("type", "ERROR");
  w.field("code", to_code(e.code));
  w.field("message",
          e.message.empty() ? default_message(e.code) : e.message);
  if (!e.request_type.empty())
    w.field("requestType", e.request_type);
}

/// Room for the fixed text plus the event's big strings, so that a 1 MiB
/// CODE_UPDATE is built without reallocating.
std::size_t size_hint(const event& e) noexcept {
  constexpr std::size_t base = 256;
  if (auto* x = std::get_if<evt::code_update>(&e))
    return base + x->code.size() + x->code.size() / 8;
  if (auto* x = std::get_if<evt::user_submitted>(&e))
    return base + x->code.size() + x->code.size() / 8;
  if (auto* x = std::get_if<evt::announcement>(&e))
    return base + x->message.size() + x->message.size() / 8;
  if (auto* x = std::get_if<evt::room_status_view>(&e))
    return base + x->question.size() + 128 * x->participants.size();
  if (auto* x = std::get_if<evt::resync_required>(&e))
    return base + x->snapshot.question.size()
           + 128 * x->snapshot.participants.size();
  if (auto* x = std::get_if<evt::join_approved>(&e))
    return base + x->question.size();
  return base;
}

} // namespace

std::string encode(const event& e, std::uint64_t seq) {
  try {
    json_writer w{size_hint(e)};
    w.begin_object();
    std::visit([&w](const auto& x) { write(w, x); }, e);
    if (seq > 0)
      w.field("seq", seq);
    w.end_object();
    return std::move(w).take();
  } catch (...) {
    // Only std::bad_alloc can get here. A short constant frame may still fit.
    try {
      return R"({"type":"ERROR","code":"INTERNAL","message":"internal error"})";
    } catch (...) {
      return {};
    }
  }
}

frame encode_shared(const event& e, std::uint64_t seq) {
  return std::make_shared<const std::string>(encode(e, seq));
}

frame error_frame(error_code code, std::string message,
                  std::string request_type) {
  return encode_shared(
    evt::error{code, std::move(message), std::move(request_type)});
}

} // namespace proctord::protocol::native
