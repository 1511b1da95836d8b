#pragma once
// Integers in JSON bodies, read the way every dialect of proctord reads
// them. Internal to protocol/.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

namespace proctord::protocol::detail {

/// The integer `v` holds, when it is one in [lo, hi]. A float counts only
/// when it is integral (10.0 is 10: JSON does not tell them apart, and
/// JavaScript cannot); 1.5, strings, booleans, null and a missing value
/// (nullptr) never.
std::optional<std::int64_t> integer_in(const nlohmann::json* v, std::int64_t lo,
                                       std::int64_t hi);

} // namespace proctord::protocol::detail
