#pragma once
// --log-format json: one JSON object per line. The message is the part of a
// line that carries what clients chose (a token's sub, a room name), so it
// is written escaped by a custom spdlog flag, never pasted into the pattern
// as it is: a sub with a quote or a newline must not forge a log line.

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace proctord {

/// Appends `s` to `out` as the inside of a JSON string (no quotes around
/// it): `"` and `\` escaped, control characters (and DEL) as \u00XX, and
/// every byte that is not part of well-formed UTF-8 (RFC 3629: no overlongs,
/// no surrogates, nothing past U+10FFFF) replaced by U+FFFD. The result is
/// valid UTF-8 without a raw line break, whatever `s` holds.
void append_json_escaped(std::string& out, std::string_view s);

/// The formatter of --log-format json, one line each:
/// {"time":"2024-05-01T12:00:00.000+0000","level":"info","msg":"..."}
std::unique_ptr<spdlog::formatter> json_line_formatter();

} // namespace proctord
