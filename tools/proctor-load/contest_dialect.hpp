#pragma once
// The contest dialect (seed 001, `/ws/contest`) as a load client speaks
// it: see contest_dialect.cpp and tools/scenarios/README.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dialect.hpp"

namespace proctord::load {

std::unique_ptr<dialect> make_contest_dialect();

/// The POST /api/contests body for the contest a scenario describes.
std::string contest_body(const scenario& s);

/// "2026-11-30T10:25:42.123Z" (or with an offset, or without a fraction)
/// → milliseconds since the Unix epoch; nullopt if it is not that form.
std::optional<std::int64_t> parse_iso_ms(std::string_view text) noexcept;

} // namespace proctord::load
