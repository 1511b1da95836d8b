#pragma once
// The contest dialect of seed 001 (`/ws/contest`): {"event": E, "data": {...}}
// in; {"event": E, "data": {...}, "timestamp": ISO} out. See
// protocol/README.md, "Contest dialect".

#include "protocol/contest.hpp"
#include "protocol/native_codec.hpp" // frame

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace proctord::protocol::contest {

struct decode_limits {
  std::size_t max_depth = 32;        // nesting of arrays/objects
  std::size_t max_string = 64 * 1024; // bytes in one string field
};

/// A frame that could not be turned into a command: INVALID_EVENT (not
/// JSON, too deep, not an object, no string "event", unknown event, "data"
/// not an object) or INVALID_PAYLOAD (a field missing, of the wrong type,
/// empty or too long; the message names the field).
struct decode_error {
  error_code code = error_code::invalid_event;
  std::string message;
};

using decode_result = std::variant<command, decode_error>;

/// Decodes one text frame. Never throws; every bad input is a decode_error.
decode_result decode(std::string_view text, const decode_limits& limits = {});

/// Encodes one event as a complete frame. Never throws (but bad_alloc).
std::string encode(const event& e);
frame encode_shared(const event& e);

/// An event whose `you` differs per recipient (leaderboard_update,
/// contest_end), split around the value of "you": a recipient's frame is
/// head + encode_you(its you) + tail, and equals encode() of the event with
/// that `you`. For other events, head is the whole frame and tail is empty.
struct personal_frame {
  std::string head;
  std::string tail;
};
personal_frame encode_personal(const event& e);

/// {"rank": r, "score": s}, rank null when 0.
std::string encode_you(const you_view& you);

/// Whether `e` has a per-recipient `you`.
bool is_personal(const event& e) noexcept;

/// Shorthand for an error event frame.
frame error_frame(error_code code, std::string message, millis at);

} // namespace proctord::protocol::contest
