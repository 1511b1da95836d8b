#pragma once
// Member-wise equality of the event structs (C++17 has no defaulted
// operator==), so that tests and callers can compare events and whole
// protocol::event variants. Keep in step with commands.hpp: a field missing
// here is a field no round-trip test checks.

#include "protocol/commands.hpp"

#include <tuple>

namespace proctord::protocol::evt {

inline bool operator==(const room_created& a, const room_created& b) {
  return std::tie(a.room_id, a.roomname, a.resume_token)
         == std::tie(b.room_id, b.roomname, b.resume_token);
}
inline bool operator!=(const room_created& a, const room_created& b) { return !(a == b); }

inline bool operator==(const waiting_approval& a, const waiting_approval& b) {
  return std::tie(a.room_id, a.resume_token)
         == std::tie(b.room_id, b.resume_token);
}
inline bool operator!=(const waiting_approval& a, const waiting_approval& b) { return !(a == b); }

inline bool operator==(const join_request& a, const join_request& b) {
  return std::tie(a.user_id, a.username, a.socket_id, a.timestamp)
         == std::tie(b.user_id, b.username, b.socket_id, b.timestamp);
}
inline bool operator!=(const join_request& a, const join_request& b) { return !(a == b); }

inline bool operator==(const join_approved& a, const join_approved& b) {
  return std::tie(a.room_id, a.roomname, a.question, a.duration, a.host_name, a.role, a.status, a.started_at, a.ends_at, a.resume_token)
         == std::tie(b.room_id, b.roomname, b.question, b.duration, b.host_name, b.role, b.status, b.started_at, b.ends_at, b.resume_token);
}
inline bool operator!=(const join_approved& a, const join_approved& b) { return !(a == b); }

inline bool operator==(const join_rejected& a, const join_rejected& b) {
  return std::tie(a.room_id)
         == std::tie(b.room_id);
}
inline bool operator!=(const join_rejected& a, const join_rejected& b) { return !(a == b); }

inline bool operator==(const user_joined& a, const user_joined& b) {
  return std::tie(a.user_id, a.username, a.connected_count, a.resumed)
         == std::tie(b.user_id, b.username, b.connected_count, b.resumed);
}
inline bool operator!=(const user_joined& a, const user_joined& b) { return !(a == b); }

inline bool operator==(const user_left& a, const user_left& b) {
  return std::tie(a.user_id, a.username, a.reason, a.connected_count)
         == std::tie(b.user_id, b.username, b.reason, b.connected_count);
}
inline bool operator!=(const user_left& a, const user_left& b) { return !(a == b); }

inline bool operator==(const room_started& a, const room_started& b) {
  return std::tie(a.room_id, a.started_at, a.ends_at, a.duration, a.server_time)
         == std::tie(b.room_id, b.started_at, b.ends_at, b.duration, b.server_time);
}
inline bool operator!=(const room_started& a, const room_started& b) { return !(a == b); }

inline bool operator==(const room_ended& a, const room_ended& b) {
  return std::tie(a.room_id, a.reason, a.ended_at)
         == std::tie(b.room_id, b.reason, b.ended_at);
}
inline bool operator!=(const room_ended& a, const room_ended& b) { return !(a == b); }

inline bool operator==(const member_view& a, const member_view& b) {
  return std::tie(a.user_id, a.username, a.status, a.connected, a.violation_count, a.has_submitted)
         == std::tie(b.user_id, b.username, b.status, b.connected, b.violation_count, b.has_submitted);
}
inline bool operator!=(const member_view& a, const member_view& b) { return !(a == b); }

inline bool operator==(const room_status_view& a, const room_status_view& b) {
  return std::tie(a.room_id, a.roomname, a.status, a.host_id, a.host_name, a.host_connected, a.question, a.duration, a.max_guests, a.is_public, a.created_at, a.started_at, a.ends_at, a.server_time, a.connected_count, a.your_role, a.your_status, a.participants)
         == std::tie(b.room_id, b.roomname, b.status, b.host_id, b.host_name, b.host_connected, b.question, b.duration, b.max_guests, b.is_public, b.created_at, b.started_at, b.ends_at, b.server_time, b.connected_count, b.your_role, b.your_status, b.participants);
}
inline bool operator!=(const room_status_view& a, const room_status_view& b) { return !(a == b); }

inline bool operator==(const violation_detected& a, const violation_detected& b) {
  return std::tie(a.user_id, a.username, a.type, a.violation_count, a.timestamp)
         == std::tie(b.user_id, b.username, b.type, b.violation_count, b.timestamp);
}
inline bool operator!=(const violation_detected& a, const violation_detected& b) { return !(a == b); }

inline bool operator==(const proctoring_update& a, const proctoring_update& b) {
  return std::tie(a.user_id, a.username, a.what, a.timestamp, a.reconnected,
                  a.away_ms)
         == std::tie(b.user_id, b.username, b.what, b.timestamp, b.reconnected,
                     b.away_ms);
}
inline bool operator!=(const proctoring_update& a, const proctoring_update& b) { return !(a == b); }

inline bool operator==(const code_update& a, const code_update& b) {
  return std::tie(a.user_id, a.username, a.code, a.language, a.timestamp)
         == std::tie(b.user_id, b.username, b.code, b.language, b.timestamp);
}
inline bool operator!=(const code_update& a, const code_update& b) { return !(a == b); }

inline bool operator==(const announcement& a, const announcement& b) {
  return std::tie(a.room_id, a.message, a.from, a.timestamp)
         == std::tie(b.room_id, b.message, b.from, b.timestamp);
}
inline bool operator!=(const announcement& a, const announcement& b) { return !(a == b); }

inline bool operator==(const submission_received& a, const submission_received& b) {
  return std::tie(a.room_id, a.submission_time)
         == std::tie(b.room_id, b.submission_time);
}
inline bool operator!=(const submission_received& a, const submission_received& b) { return !(a == b); }

inline bool operator==(const user_submitted& a, const user_submitted& b) {
  return std::tie(a.user_id, a.username, a.submission_time, a.code, a.language)
         == std::tie(b.user_id, b.username, b.submission_time, b.code, b.language);
}
inline bool operator!=(const user_submitted& a, const user_submitted& b) { return !(a == b); }

inline bool operator==(const kicked& a, const kicked& b) {
  return std::tie(a.room_id, a.reason)
         == std::tie(b.room_id, b.reason);
}
inline bool operator!=(const kicked& a, const kicked& b) { return !(a == b); }

inline bool operator==(const user_kicked& a, const user_kicked& b) {
  return std::tie(a.user_id, a.username, a.reason)
         == std::tie(b.user_id, b.username, b.reason);
}
inline bool operator!=(const user_kicked& a, const user_kicked& b) { return !(a == b); }

inline bool operator==(const heartbeat_ack& a, const heartbeat_ack& b) {
  return std::tie(a.timestamp)
         == std::tie(b.timestamp);
}
inline bool operator!=(const heartbeat_ack& a, const heartbeat_ack& b) { return !(a == b); }

inline bool operator==(const resumed& a, const resumed& b) {
  return std::tie(a.room_id, a.role, a.status, a.last_seq, a.replayed)
         == std::tie(b.room_id, b.role, b.status, b.last_seq, b.replayed);
}
inline bool operator!=(const resumed& a, const resumed& b) { return !(a == b); }

inline bool operator==(const resync_required& a, const resync_required& b) {
  return std::tie(a.reason, a.snapshot)
         == std::tie(b.reason, b.snapshot);
}
inline bool operator!=(const resync_required& a, const resync_required& b) { return !(a == b); }

inline bool operator==(const error& a, const error& b) {
  return std::tie(a.code, a.message, a.request_type)
         == std::tie(b.code, b.message, b.request_type);
}
inline bool operator!=(const error& a, const error& b) { return !(a == b); }

} // namespace proctord::protocol::evt
