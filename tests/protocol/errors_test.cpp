// The wire names: error codes, command types and enum values are part of the
// contract in protocol/README.md and must never change.

#include "protocol/commands.hpp"
#include "protocol/errors.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace proctord::protocol;

TEST_CASE("every error code has its stable wire string") {
  struct row {
    error_code code;
    const char* wire;
    bool retry;
  };
  const row rows[] = {
    {error_code::invalid_json, "INVALID_JSON", false},
    {error_code::too_deep, "TOO_DEEP", false},
    {error_code::invalid_message, "INVALID_MESSAGE", false},
    {error_code::unknown_type, "UNKNOWN_TYPE", false},
    {error_code::invalid_field, "INVALID_FIELD", false},
    {error_code::unauthorized, "UNAUTHORIZED", false},
    {error_code::identity_mismatch, "IDENTITY_MISMATCH", false},
    {error_code::room_not_found, "ROOM_NOT_FOUND", false},
    {error_code::room_ended, "ROOM_ENDED", false},
    {error_code::not_in_room, "NOT_IN_ROOM", false},
    {error_code::already_in_room, "ALREADY_IN_ROOM", false},
    {error_code::forbidden, "FORBIDDEN", false},
    {error_code::room_full, "ROOM_FULL", false},
    {error_code::kicked, "KICKED", false},
    {error_code::invalid_state, "INVALID_STATE", false},
    {error_code::user_not_found, "USER_NOT_FOUND", false},
    {error_code::rate_limited, "RATE_LIMITED", true},
    {error_code::store_unavailable, "STORE_UNAVAILABLE", true},
    {error_code::session_replaced, "SESSION_REPLACED", false},
    {error_code::overloaded, "OVERLOADED", true},
    {error_code::internal, "INTERNAL", true},
  };
  std::set<std::string> seen;
  for (const auto& r : rows) {
    INFO(r.wire);
    CHECK(to_code(r.code) == r.wire);
    CHECK(retryable(r.code) == r.retry);
    seen.emplace(to_code(r.code));
  }
  CHECK(seen.size() == std::size(rows)); // no two codes share a string
}

TEST_CASE("type_name gives the wire name of each command") {
  CHECK(type_name(cmd::create_room{}) == "CREATE_ROOM");
  CHECK(type_name(cmd::join_room{}) == "JOIN_ROOM");
  CHECK(type_name(cmd::approve_join{}) == "APPROVE_JOIN");
  CHECK(type_name(cmd::start_room{}) == "START_ROOM");
  CHECK(type_name(cmd::leave_room{}) == "LEAVE_ROOM");
  CHECK(type_name(cmd::end_room{}) == "END_ROOM");
  CHECK(type_name(cmd::get_room_status{}) == "GET_ROOM_STATUS");
  using cmd::signal;
  CHECK(type_name(cmd::proctor_signal{"", signal::fullscreen_exit, {}})
        == "FULLSCREEN_EXIT");
  CHECK(type_name(cmd::proctor_signal{"", signal::fullscreen_enter, {}})
        == "FULLSCREEN_ENTER");
  CHECK(type_name(cmd::proctor_signal{"", signal::tab_blur, {}}) == "TAB_BLUR");
  CHECK(type_name(cmd::proctor_signal{"", signal::tab_focus, {}}) == "TAB_FOCUS");
  CHECK(type_name(cmd::code_change{}) == "CODE_CHANGE");
  CHECK(type_name(cmd::submit_code{}) == "SUBMIT_CODE");
  CHECK(type_name(cmd::kick_user{}) == "KICK_USER");
  CHECK(type_name(cmd::announce{}) == "ANNOUNCE");
  CHECK(type_name(cmd::heartbeat{}) == "HEARTBEAT");
  CHECK(type_name(cmd::resume{}) == "RESUME");
}

TEST_CASE("enum values have their wire names") {
  CHECK(to_string(room_status::waiting) == "WAITING");
  CHECK(to_string(room_status::live) == "LIVE");
  CHECK(to_string(room_status::ended) == "ENDED");
  CHECK(to_string(member_status::pending) == "PENDING");
  CHECK(to_string(member_status::approved) == "APPROVED");
  CHECK(to_string(member_status::rejected) == "REJECTED");
  CHECK(to_string(member_status::kicked) == "KICKED");
  CHECK(to_string(member_status::left) == "LEFT");
  CHECK(to_string(violation_type::fullscreen_exit) == "FULLSCREEN_EXIT");
  CHECK(to_string(violation_type::tab_switch) == "TAB_SWITCH");
  CHECK(to_string(violation_type::disconnect) == "DISCONNECT");
  CHECK(to_string(member_role::host) == "host");
  CHECK(to_string(member_role::participant) == "participant");
}

TEST_CASE("only CODE_CHANGE and ANNOUNCE are live-only (may be shed)") {
  CHECK(live_only(cmd::code_change{}));
  CHECK(live_only(cmd::announce{}));
  CHECK_FALSE(live_only(cmd::submit_code{}));
  CHECK_FALSE(live_only(cmd::proctor_signal{}));
  CHECK_FALSE(live_only(cmd::join_room{}));
  CHECK_FALSE(live_only(cmd::heartbeat{}));
}
