#include "protocol/session.hpp"

#include "protocol/iso_time.hpp"
#include "protocol/json_number.hpp"
#include "protocol/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <limits>

namespace proctord::protocol::session {

namespace {

using json = nlohmann::json;

/// The first argument as an object, or nullopt (the arguments are JSON
/// values separated by commas: parsed as an array). The door has already
/// bounded their size and depth.
std::optional<json> payload(std::string_view args) {
  if (args.empty())
    return std::nullopt;
  std::string text;
  text.reserve(args.size() + 2);
  text.append("[").append(args).append("]");
  auto arr = json::parse(text, nullptr, false);
  if (arr.is_discarded() || !arr.is_array() || arr.empty() || !arr[0].is_object())
    return std::nullopt;
  return std::move(arr[0]);
}

const json* member(const json& obj, const char* key) {
  auto i = obj.find(key);
  return i == obj.end() ? nullptr : &*i;
}

cmd::invalid no_payload() {
  return cmd::invalid{"the payload must be an object"};
}

command join(std::string_view args, const limits& lim) {
  auto p = payload(args);
  if (!p)
    return no_payload();
  // userInfo is the seed's shape and is not read: the token names the user.
  auto* id = member(*p, "sessionId");
  if (id == nullptr || !id->is_string() || id->get_ref<const std::string&>().empty())
    return cmd::invalid{"sessionId must be a non-empty string"};
  auto& s = id->get_ref<const std::string&>();
  if (s.size() > lim.max_id)
    return cmd::invalid{"sessionId must be at most " + std::to_string(lim.max_id)
                        + " bytes"};
  return cmd::join_session{s};
}

command cursor_update(std::string_view args) {
  auto p = payload(args);
  if (!p)
    return no_payload();
  constexpr std::int64_t max = std::numeric_limits<std::int32_t>::max();
  auto line = detail::integer_in(member(*p, "line"), 0, max);
  if (!line)
    return cmd::invalid{"line must be an integer 0-" + std::to_string(max)};
  auto column = detail::integer_in(member(*p, "column"), 0, max);
  if (!column)
    return cmd::invalid{"column must be an integer 0-" + std::to_string(max)};
  return cmd::cursor_update{
    cursor{static_cast<std::int32_t>(*line), static_cast<std::int32_t>(*column)}};
}

command activity(std::string_view args) {
  auto p = payload(args);
  if (!p)
    return no_payload();
  auto* v = member(*p, "isActive");
  if (v == nullptr || !v->is_boolean())
    return cmd::invalid{"isActive must be a boolean"};
  return cmd::activity_status{v->get<bool>()};
}

// -- encoding ---------------------------------------------------------------------

void write(detail::json_writer& w, std::string_view key, const participant& p) {
  w.begin_object(key);
  w.field("userId", p.user_id);
  w.field("name", p.name);
  w.field("role", p.role);
  w.field("isActive", p.is_active);
  if (p.at) {
    w.begin_object("cursor");
    w.field("line", p.at->line);
    w.field("column", p.at->column);
    w.end_object();
  } else {
    w.null_field("cursor");
  }
  w.field("joinedAt", to_iso(p.joined_at));
  w.end_object();
}

void write(detail::json_writer& w, const std::vector<participant>& ps) {
  w.begin_array("participants");
  for (auto& p : ps)
    write(w, {}, p);
  w.end_array();
}

struct encoder {
  wire_event operator()(const evt::session_joined& e) const {
    detail::json_writer w{64 + 160 * e.participants.size()};
    w.begin_object();
    w.field("sessionId", e.session_id);
    write(w, e.participants);
    w.end_object();
    return {"session-joined", std::move(w).take()};
  }
  wire_event operator()(const evt::user_joined& e) const {
    detail::json_writer w{224 + 160 * e.participants.size()};
    w.begin_object();
    write(w, "user", e.user);
    write(w, e.participants);
    w.end_object();
    return {"user-joined", std::move(w).take()};
  }
  wire_event operator()(const evt::user_left& e) const {
    detail::json_writer w{256 + 160 * e.participants.size()};
    w.begin_object();
    w.field("userId", e.user_id);
    write(w, "user", e.user);
    write(w, e.participants);
    w.end_object();
    return {"user-left", std::move(w).take()};
  }
  wire_event operator()(const evt::cursor_moved& e) const {
    detail::json_writer w;
    w.begin_object();
    w.field("userId", e.user_id);
    w.begin_object("cursor");
    w.field("line", e.at.line);
    w.field("column", e.at.column);
    w.end_object();
    w.end_object();
    return {"cursor-moved", std::move(w).take()};
  }
  wire_event operator()(const evt::user_activity_changed& e) const {
    detail::json_writer w;
    w.begin_object();
    w.field("userId", e.user_id);
    w.field("isActive", e.is_active);
    w.end_object();
    return {"user-activity-changed", std::move(w).take()};
  }
  wire_event operator()(const evt::session_closed& e) const {
    detail::json_writer w;
    w.begin_object();
    w.field("sessionId", e.session_id);
    w.field("reason", e.reason);
    w.end_object();
    return {"session-closed", std::move(w).take()};
  }
  wire_event operator()(const evt::error& e) const {
    detail::json_writer w;
    w.begin_object();
    w.field("code", to_string(e.code));
    w.field("message", e.message);
    w.end_object();
    return {"error", std::move(w).take()};
  }
};

} // namespace

std::string_view to_string(error_code c) {
  switch (c) {
    case error_code::session_not_found: return "SESSION_NOT_FOUND";
    case error_code::not_in_session: return "NOT_IN_SESSION";
    case error_code::invalid_payload: return "INVALID_PAYLOAD";
    case error_code::forbidden: return "FORBIDDEN";
    case error_code::session_replaced: return "SESSION_REPLACED";
    case error_code::rate_limited: return "RATE_LIMITED";
    case error_code::store_unavailable: return "STORE_UNAVAILABLE";
  }
  return "INVALID_PAYLOAD";
}

std::optional<command> decode(std::string_view name, std::string_view args,
                              const limits& lim) {
  if (name == "join-session")
    return join(args, lim);
  if (name == "leave-session")
    return cmd::leave_session{}; // the seed's leave has no payload: any is ignored
  if (name == "cursor-update")
    return cursor_update(args);
  if (name == "activity-status")
    return activity(args);
  return std::nullopt;
}

wire_event encode(const event& e) {
  return std::visit(encoder{}, e);
}

} // namespace proctord::protocol::session
