#include "protocol/iso_time.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/study.hpp"

#include <nlohmann/json.hpp>

namespace proctord::protocol::study {

namespace {

using json = nlohmann::json;

/// The first argument as an object, or an error message.
std::variant<json, std::string> payload(std::string_view args) {
  if (args.empty())
    return std::string{"a payload object is required"};
  // The arguments are JSON values separated by commas: parse them as an
  // array and take the first.
  std::string text;
  text.reserve(args.size() + 2);
  text.append("[").append(args).append("]");
  auto arr = json::parse(text, nullptr, false);
  if (arr.is_discarded() || !arr.is_array() || arr.empty() || !arr[0].is_object())
    return std::string{"a payload object is required"};
  return std::move(arr[0]);
}

/// A required non-empty string field, or an error message naming it.
std::variant<std::string, std::string> user_id(const json& obj, const limits& lim) {
  auto i = obj.find("userId");
  if (i == obj.end() || !i->is_string())
    return std::variant<std::string, std::string>{std::in_place_index<1>,
                                                  "userId is required"};
  auto& s = i->get_ref<const std::string&>();
  if (s.empty() || s.size() > lim.max_id)
    return std::variant<std::string, std::string>{
      std::in_place_index<1>, "userId must be 1-" + std::to_string(lim.max_id)
                                + " characters"};
  return std::variant<std::string, std::string>{std::in_place_index<0>, s};
}

template <class Cmd>
command with_user(std::string_view args, const limits& lim) {
  auto p = payload(args);
  if (auto* err = std::get_if<std::string>(&p))
    return cmd::invalid{*err};
  auto id = user_id(std::get<json>(p), lim);
  if (id.index() == 1)
    return cmd::invalid{std::get<1>(id)};
  return Cmd{std::move(std::get<0>(id))};
}

struct encoder {
  wire_event operator()(const evt::user_joined& e) const {
    detail::json_writer w;
    w.begin_object();
    w.field("userId", e.user_id);
    w.field("userName", e.user_name);
    w.field("joinedAt", to_iso(e.joined_at));
    w.field("currentOccupancy", e.current_occupancy);
    w.end_object();
    return {"user-joined", std::move(w).take()};
  }
  wire_event operator()(const evt::user_left& e) const {
    detail::json_writer w;
    w.begin_object();
    w.field("userId", e.user_id);
    w.field("currentOccupancy", e.current_occupancy);
    w.end_object();
    return {"user-left", std::move(w).take()};
  }
  wire_event operator()(const evt::error& e) const {
    detail::json_writer w;
    w.begin_object();
    w.field("code", to_string(e.code));
    w.field("message", e.message);
    w.end_object();
    return {"error", std::move(w).take()};
  }
  wire_event operator()(const evt::ping&) const {
    return {"ping", std::string{}};
  }
};

} // namespace

std::string_view to_string(error_code c) {
  switch (c) {
    case error_code::too_many_connections: return "TOO_MANY_CONNECTIONS";
    case error_code::connection_error: return "CONNECTION_ERROR";
    case error_code::invalid_request: return "INVALID_REQUEST";
    case error_code::invalid_user: return "INVALID_USER";
    case error_code::room_not_found: return "ROOM_NOT_FOUND";
    case error_code::join_error: return "JOIN_ERROR";
    case error_code::leave_error: return "LEAVE_ERROR";
    case error_code::connection_timeout: return "CONNECTION_TIMEOUT";
  }
  return "CONNECTION_ERROR";
}

std::optional<command> decode(std::string_view name, std::string_view args,
                              const limits& lim) {
  if (name == "join-room")
    return with_user<cmd::join_room>(args, lim);
  if (name == "leave-room")
    return with_user<cmd::leave_room>(args, lim);
  if (name == "pong")
    return cmd::pong{};
  return std::nullopt;
}

wire_event encode(const event& e) {
  return std::visit(encoder{}, e);
}

} // namespace proctord::protocol::study
