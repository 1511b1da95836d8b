#pragma once
// WebSocket close codes the dialects define. RFC 6455 leaves 4000-4999 to
// applications; net/ names only the RFC's own codes and sends any value.

#include <cstdint>

namespace proctord::protocol {

/// The connection was kicked from its room (native dialect, after KICKED;
/// the contest dialect's 4003 too).
inline constexpr std::uint16_t close_kicked = 4003;

/// The contest dialect's refusals right after the upgrade (seed 001): no
/// token or a bad one; an expired token; a role that may not take part.
inline constexpr std::uint16_t close_unauthorized = 4001;
inline constexpr std::uint16_t close_token_expired = 4002;
inline constexpr std::uint16_t close_forbidden = 4003;

} // namespace proctord::protocol
