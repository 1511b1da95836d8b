#pragma once
// The storage encoding of typed events: how a room's durable events are kept
// in the event log, independent of the wire dialect that was live when they
// happened. Versioned JSON of our own (protocol/README.md, "Event log
// encoding"), not a dialect's frame and not CAF's binary format:
//
//   {"v":1,"t":"user_joined","d":{"connected_count":2,"resumed":false,...}}
//
// No CAF, no Asio: the store actor and tools use it; persistence/ never does.

#include "protocol/commands.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace proctord::protocol::event_log {

/// The version encode() writes. decode() reads this version only.
constexpr int version = 1;

/// The "t" of an event, e.g. "user_joined" (the struct's name; room_status_view
/// is "room_status").
std::string_view type_name(const event& e) noexcept;

/// Encodes every alternative of protocol::event, every field by name. Throws
/// only std::bad_alloc, or std::invalid_argument for an enum value outside
/// its declared range (a bug of the caller).
std::string encode(const event& e);

/// The event stored in `text`, or nothing when the text is not valid JSON,
/// is nested deeper than a stored event can be, has another "v", an unknown
/// "t", or a field of the wrong type or an unknown enum value. Missing
/// fields take their defaults; unknown fields are ignored. Never throws.
/// `error`, when given, receives why nothing came back.
std::optional<event> decode(std::string_view text,
                            std::string* error = nullptr) noexcept;

/// The event in a frame that today's release stored in the log: a native
/// dialect frame as protocol::native::encode(e, seq) wrote it, for the durable
/// types (room_created ... user_kicked, see README). The frame's "seq" and
/// fixed texts ("message") are ignored. Never throws; nothing for anything
/// else.
std::optional<event> decode_legacy_native(std::string_view frame,
                                          std::string* error = nullptr) noexcept;

/// decode_legacy_native() then encode(): the converter the schema migration
/// uses for rows written before the event log encoding existed.
std::optional<std::string> convert_legacy_native(std::string_view frame) noexcept;

} // namespace proctord::protocol::event_log
