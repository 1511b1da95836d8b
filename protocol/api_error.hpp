#pragma once
// The error body every HTTP API of proctord answers with (DESIGN.md's
// convention): {code, message, field?}.

#include <string>

namespace proctord::protocol {

/// Why a request was refused: `code` a stable name, `field` the body's
/// member at fault as a JSON path ("questions[2].timeLimit"), "" when none.
struct api_error {
  std::string code;
  std::string message;
  std::string field; // "" when none
};

/// {code, message, field?}
std::string encode_api_error(const api_error& e);

} // namespace proctord::protocol
