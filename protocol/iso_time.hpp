#pragma once
// ISO-8601 times as JavaScript's Date.prototype.toISOString() writes them:
// "2026-11-30T10:25:42.123Z" (UTC, milliseconds, `Z`). DESIGN.md: every
// door but seed 000's writes its times this way.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace proctord::protocol {

/// Milliseconds since the Unix epoch as "YYYY-MM-DDTHH:MM:SS.sssZ" (years
/// 0000-9999; outside that range the result is clamped).
std::string to_iso(std::int64_t epoch_ms);

/// Appends to_iso(epoch_ms) to `out`.
void append_iso(std::string& out, std::int64_t epoch_ms);

/// Parses what Date.parse() accepts of ISO-8601's date-time form:
/// "YYYY-MM-DDTHH:MM[:SS[.s+]]" followed by "Z" or "+HH:MM"/"-HH:MM"
/// (also a date alone "YYYY-MM-DD", taken as UTC midnight). Fractions beyond
/// milliseconds are truncated. nullopt for anything else (including an
/// invalid day such as 2026-02-30). Never throws.
std::optional<std::int64_t> from_iso(std::string_view text);

} // namespace proctord::protocol
