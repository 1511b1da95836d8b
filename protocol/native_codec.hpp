#pragma once
// The native dialect of seed 000: {"type": "CREATE_ROOM", ...} in,
// {"type": "ROOM_CREATED", "data": {...}} out. See protocol/README.md.

#include "protocol/commands.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace proctord::protocol::native {

struct decode_limits {
  std::size_t max_depth = 32;       // nesting of arrays/objects
  std::size_t max_string = 1 << 20; // bytes in one string field (code, ...)
  /// The largest maxGuests a CREATE_ROOM may ask for (--max-room-size);
  /// without maxGuests a room gets 10 or this, whichever is smaller.
  std::int32_t max_guests = 1000;
};

/// A frame that could not be turned into a command. `request_type` is the
/// frame's "type" when it had a readable one.
struct decode_error {
  error_code code = error_code::invalid_message;
  std::string message;
  std::string request_type;
};

using decode_result = std::variant<command, decode_error>;

/// Decodes one text frame. Never throws; every bad input is a decode_error.
decode_result decode(std::string_view text, const decode_limits& limits = {});

/// The frame's top-level "type" as far as a cheap scan can tell, for
/// answering a frame that will not be decoded (the rate limiter's drops):
/// no JSON tree, at most `max_scan` bytes looked at (a longer frame gives
/// ""), no recursion. On a well-formed frame a non-empty result is exactly
/// what decode() reads as the type; the scan gives "" rather than decode
/// escapes, so also for a value with escapes, one that is not printable
/// ASCII or is longer than 64 bytes, or a top-level key with escapes. It
/// validates nothing: a malformed frame may still give a type. Never reads
/// outside `frame`; throws only std::bad_alloc.
std::string peek_type(std::string_view frame,
                      std::size_t max_scan = 64 * 1024);

/// Encodes one event as a complete text frame. Never throws.
/// `seq` > 0 adds the room's sequence number as field "seq".
std::string encode(const event& e, std::uint64_t seq = 0);

/// encode() into a shared frame, for fan-out to many recipients.
frame encode_shared(const event& e, std::uint64_t seq = 0);

/// Shorthand for an ERROR frame.
frame error_frame(error_code code, std::string message,
                  std::string request_type = {});

} // namespace proctord::protocol::native
