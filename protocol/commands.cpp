// Wire names of commands and of the enums that events carry.

#include "protocol/commands.hpp"

#include <type_traits>

namespace proctord::protocol {

namespace {

std::string_view signal_name(cmd::signal s) noexcept {
  switch (s) {
    case cmd::signal::fullscreen_exit:
      return "FULLSCREEN_EXIT";
    case cmd::signal::fullscreen_enter:
      return "FULLSCREEN_ENTER";
    case cmd::signal::tab_blur:
      return "TAB_BLUR";
    case cmd::signal::tab_focus:
      return "TAB_FOCUS";
  }
  return "FULLSCREEN_EXIT";
}

} // namespace

bool live_only(const command& c) noexcept {
  return std::holds_alternative<cmd::code_change>(c)
         || std::holds_alternative<cmd::announce>(c);
}

std::string_view type_name(const command& c) noexcept {
  return std::visit(
    [](const auto& x) -> std::string_view {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, cmd::create_room>)
        return "CREATE_ROOM";
      else if constexpr (std::is_same_v<T, cmd::join_room>)
        return "JOIN_ROOM";
      else if constexpr (std::is_same_v<T, cmd::approve_join>)
        return "APPROVE_JOIN";
      else if constexpr (std::is_same_v<T, cmd::start_room>)
        return "START_ROOM";
      else if constexpr (std::is_same_v<T, cmd::leave_room>)
        return "LEAVE_ROOM";
      else if constexpr (std::is_same_v<T, cmd::end_room>)
        return "END_ROOM";
      else if constexpr (std::is_same_v<T, cmd::get_room_status>)
        return "GET_ROOM_STATUS";
      else if constexpr (std::is_same_v<T, cmd::proctor_signal>)
        return signal_name(x.what);
      else if constexpr (std::is_same_v<T, cmd::code_change>)
        return "CODE_CHANGE";
      else if constexpr (std::is_same_v<T, cmd::submit_code>)
        return "SUBMIT_CODE";
      else if constexpr (std::is_same_v<T, cmd::kick_user>)
        return "KICK_USER";
      else if constexpr (std::is_same_v<T, cmd::announce>)
        return "ANNOUNCE";
      else if constexpr (std::is_same_v<T, cmd::resume>)
        return "RESUME";
      else {
        static_assert(std::is_same_v<T, cmd::heartbeat>);
        return "HEARTBEAT";
      }
    },
    c);
}

std::string_view to_string(room_status x) noexcept {
  switch (x) {
    case room_status::waiting:
      return "WAITING";
    case room_status::live:
      return "LIVE";
    case room_status::ended:
      return "ENDED";
  }
  return "WAITING";
}

std::string_view to_string(member_status x) noexcept {
  switch (x) {
    case member_status::pending:
      return "PENDING";
    case member_status::approved:
      return "APPROVED";
    case member_status::rejected:
      return "REJECTED";
    case member_status::kicked:
      return "KICKED";
    case member_status::left:
      return "LEFT";
  }
  return "PENDING";
}

std::string_view to_string(violation_type x) noexcept {
  switch (x) {
    case violation_type::fullscreen_exit:
      return "FULLSCREEN_EXIT";
    case violation_type::tab_switch:
      return "TAB_SWITCH";
    case violation_type::disconnect:
      return "DISCONNECT";
  }
  return "FULLSCREEN_EXIT";
}

std::string_view to_string(member_role x) noexcept {
  switch (x) {
    case member_role::host:
      return "host";
    case member_role::participant:
      return "participant";
  }
  return "participant";
}

} // namespace proctord::protocol
