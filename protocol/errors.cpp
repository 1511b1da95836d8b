// The one place where internal error codes become wire strings. The strings
// are part of the contract (protocol/README.md, "Errors"): never rename one.

#include "protocol/errors.hpp"

namespace proctord::protocol {

std::string_view to_code(error_code code) noexcept {
  switch (code) {
    case error_code::invalid_json:
      return "INVALID_JSON";
    case error_code::too_deep:
      return "TOO_DEEP";
    case error_code::invalid_message:
      return "INVALID_MESSAGE";
    case error_code::unknown_type:
      return "UNKNOWN_TYPE";
    case error_code::invalid_field:
      return "INVALID_FIELD";
    case error_code::unauthorized:
      return "UNAUTHORIZED";
    case error_code::identity_mismatch:
      return "IDENTITY_MISMATCH";
    case error_code::room_not_found:
      return "ROOM_NOT_FOUND";
    case error_code::room_ended:
      return "ROOM_ENDED";
    case error_code::not_in_room:
      return "NOT_IN_ROOM";
    case error_code::already_in_room:
      return "ALREADY_IN_ROOM";
    case error_code::forbidden:
      return "FORBIDDEN";
    case error_code::room_full:
      return "ROOM_FULL";
    case error_code::kicked:
      return "KICKED";
    case error_code::invalid_state:
      return "INVALID_STATE";
    case error_code::user_not_found:
      return "USER_NOT_FOUND";
    case error_code::rate_limited:
      return "RATE_LIMITED";
    case error_code::store_unavailable:
      return "STORE_UNAVAILABLE";
    case error_code::session_replaced:
      return "SESSION_REPLACED";
    case error_code::overloaded:
      return "OVERLOADED";
    case error_code::resume_in_progress:
      return "RESUME_IN_PROGRESS";
    case error_code::internal:
      return "INTERNAL";
  }
  // An out-of-range value can only come from a bug (a bad cast).
  return "INTERNAL";
}

bool retryable(error_code code) noexcept {
  switch (code) {
    case error_code::rate_limited:
    case error_code::store_unavailable:
    case error_code::overloaded:
    case error_code::resume_in_progress:
    case error_code::internal:
      return true;
    default:
      return false;
  }
}

} // namespace proctord::protocol
