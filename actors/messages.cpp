#include "actors/messages.hpp"

namespace proctord {

namespace {

constexpr auto category = caf::atom("proctord");

} // namespace

caf::error make_error(protocol::error_code code) {
  return caf::error{static_cast<std::uint8_t>(code), category};
}

protocol::error_code to_error_code(const caf::error& err) {
  if (err.category() == category)
    return static_cast<protocol::error_code>(err.code());
  return protocol::error_code::internal;
}

} // namespace proctord
