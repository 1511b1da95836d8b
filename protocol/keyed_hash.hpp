#pragma once
// A keyed hash for values that must not be stored in the clear and must not
// be reversible by trying every candidate (an IPv4 address has only 2^32):
// HMAC-SHA256 with a server secret, hex-encoded.

#include <string>
#include <string_view>

namespace proctord::protocol {

/// HMAC-SHA256(key, data) as 64 lowercase hex characters.
std::string keyed_hash(std::string_view key, std::string_view data);

} // namespace proctord::protocol
