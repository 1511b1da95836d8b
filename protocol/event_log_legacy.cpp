// Frames of the native dialect, as today's release stored them in the event
// log, back into typed events (the inverse of native_encode.cpp for the
// durable types). Only the schema migration needs this.

#include "protocol/event_log.hpp"

#include "protocol/json_limits.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace proctord::protocol::event_log {

namespace {

using json = nlohmann::json;
namespace evt = protocol::evt;

struct bad_frame : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads the fields of one object; a missing field is its default, a field
/// of the wrong type fails the frame.
class fields {
public:
  explicit fields(const json& o) : o_(o) {
    if (!o_.is_object())
      throw bad_frame("expected an object");
  }

  std::string text(const char* key) const {
    auto i = o_.find(key);
    if (i == o_.end())
      return {};
    if (!i->is_string())
      throw bad_frame(std::string{key} + " is not a string");
    return i->get<std::string>();
  }

  std::int64_t integer(const char* key) const {
    auto i = o_.find(key);
    if (i == o_.end() || i->is_null()) // time_or_null wrote null for 0
      return 0;
    if (!i->is_number_integer())
      throw bad_frame(std::string{key} + " is not an integer");
    return i->get<std::int64_t>();
  }

  std::int32_t int32(const char* key) const {
    return static_cast<std::int32_t>(integer(key));
  }

  bool flag(const char* key) const {
    auto i = o_.find(key);
    if (i == o_.end())
      return false;
    if (!i->is_boolean())
      throw bad_frame(std::string{key} + " is not a boolean");
    return i->get<bool>();
  }

  /// An enum written with `name_of`; `count` values from 0.
  template <class E, class F>
  E one_of(const char* key, int count, F name_of) const {
    auto s = text(key);
    for (int v = 0; v < count; ++v)
      if (name_of(static_cast<E>(v)) == s)
        return static_cast<E>(v);
    throw bad_frame(std::string{key} + " has an unknown value");
  }

private:
  const json& o_;
};

std::string_view signal_name(cmd::signal s) {
  return protocol::type_name(command{cmd::proctor_signal{{}, s, {}}});
}

std::string_view leave_name(evt::leave_reason r) {
  return r == evt::leave_reason::disconnected ? "DISCONNECTED" : "LEFT";
}

std::string_view end_name(evt::end_reason r) {
  return r == evt::end_reason::time_up ? "TIME_UP" : "HOST";
}

template <class E>
std::string_view name(E e) {
  return protocol::to_string(e);
}

/// The event of a frame whose "type" is `type`; `top` is the frame, `data`
/// its "data" object (the frame itself for the flat shapes).
event read(const std::string& type, const fields& top, const fields& data) {
  if (type == "ROOM_CREATED")
    return evt::room_created{data.text("roomId"), data.text("roomname"),
                             data.text("resumeToken")};
  if (type == "WAITING_APPROVAL")
    return evt::waiting_approval{top.text("roomId"), top.text("resumeToken")};
  if (type == "JOIN_REQUEST")
    return evt::join_request{data.text("userId"), data.text("username"),
                             data.text("socketId"), data.integer("timestamp")};
  if (type == "JOIN_APPROVED") {
    evt::join_approved e;
    e.room_id = data.text("roomId");
    e.roomname = data.text("roomname");
    e.question = data.text("question");
    e.duration = data.int32("duration");
    e.host_name = data.text("hostName");
    e.role = data.one_of<member_role>("role", 2, name<member_role>);
    e.status = data.one_of<room_status>("status", 3, name<room_status>);
    e.started_at = data.integer("startedAt");
    e.ends_at = data.integer("endsAt");
    e.resume_token = data.text("resumeToken");
    return e;
  }
  if (type == "JOIN_REJECTED")
    return evt::join_rejected{top.text("roomId")};
  if (type == "USER_JOINED")
    return evt::user_joined{data.text("userId"), data.text("username"),
                            data.int32("connectedCount"), data.flag("resumed")};
  if (type == "USER_LEFT")
    return evt::user_left{data.text("userId"), data.text("username"),
                          data.one_of<evt::leave_reason>("reason", 2,
                                                         leave_name),
                          data.int32("connectedCount")};
  if (type == "ROOM_STARTED")
    return evt::room_started{data.text("roomId"), data.integer("startedAt"),
                             data.integer("endsAt"), data.int32("duration"),
                             data.integer("serverTime")};
  if (type == "ROOM_ENDED")
    return evt::room_ended{top.text("roomId"),
                           top.one_of<evt::end_reason>("reason", 2, end_name),
                           top.integer("endedAt")};
  if (type == "VIOLATION_DETECTED")
    return evt::violation_detected{
      data.text("userId"), data.text("username"),
      data.one_of<violation_type>("violationType", 3, name<violation_type>),
      data.int32("violationCount"), data.integer("timestamp")};
  if (type == "PROCTORING_UPDATE") {
    if (data.text("eventType") == "RECONNECTED")
      return evt::proctoring_update{data.text("userId"), data.text("username"),
                                    cmd::signal::fullscreen_enter,
                                    data.integer("timestamp"), true,
                                    data.integer("awayMs")};
    return evt::proctoring_update{
      data.text("userId"), data.text("username"),
      data.one_of<cmd::signal>("eventType", 4, signal_name),
      data.integer("timestamp"), false, 0};
  }
  if (type == "SUBMISSION_RECEIVED")
    return evt::submission_received{top.text("roomId"),
                                    top.integer("submissionTime")};
  if (type == "USER_SUBMITTED")
    return evt::user_submitted{data.text("userId"), data.text("username"),
                               data.integer("submissionTime"),
                               data.text("code"), data.text("language")};
  if (type == "KICKED")
    return evt::kicked{top.text("roomId"), top.text("reason")};
  if (type == "USER_KICKED")
    return evt::user_kicked{data.text("userId"), data.text("username"),
                            data.text("reason")};
  throw bad_frame("not a durable event type '" + type + "'");
}

} // namespace

std::optional<event> decode_legacy_native(std::string_view frame,
                                          std::string* error) noexcept {
  auto fail = [error](const char* what) noexcept {
    if (error) {
      try {
        *error = what;
      } catch (...) {
      }
    }
    return std::nullopt;
  };
  try {
    constexpr std::size_t max_depth = 8; // frames of durable events: 2
    if (json_depth(frame, max_depth) > max_depth)
      return fail("nested too deeply");
    auto j = json::parse(frame, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return fail("not a JSON object");
    fields top{j};
    auto type = top.text("type");
    static const json empty = json::object();
    auto d = j.find("data");
    fields data{d == j.end() ? empty : *d};
    return read(type, top, data);
  } catch (const std::exception& e) {
    return fail(e.what());
  } catch (...) {
    return fail("unknown failure");
  }
}

} // namespace proctord::protocol::event_log
