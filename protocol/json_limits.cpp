#include "protocol/json_limits.hpp"

namespace proctord::protocol {

std::size_t json_depth(std::string_view text, std::size_t limit) noexcept {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false; // the previous character was a backslash in a string
  for (char ch : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (ch == '\\')
        escaped = true;
      else if (ch == '"')
        in_string = false;
      continue;
    }
    switch (ch) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > limit)
            return limit + 1;
        }
        break;
      case ']':
      case '}':
        // Unbalanced closers are the parser's business, not ours.
        if (depth > 0)
          --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

} // namespace proctord::protocol
