// peek_type(): the top-level "type" of a native frame, found by one bounded
// pass over the raw text without building a JSON tree. The gateway answers
// every frame its rate limiter drops with that frame's type; parsing each
// refused frame in full would let a flooding client make the server do the
// very work the limiter is there to refuse.
//
// It follows the grammar only as far as the top-level object's members and
// skips nested values by counting brackets outside strings (as json_depth
// does), so it validates nothing: on a malformed frame it may return a type
// or "". On a well-formed one it returns what decode() reads as "type", or
// "" when that would take more than a plain scan (see the header).

#include "protocol/native_codec.hpp"

namespace proctord::protocol::native {

namespace {

// Every type of the dialect is a short ASCII name; decode() cuts an unknown
// one to 64 bytes, and giving up on longer ones keeps the two in agreement.
constexpr std::size_t max_type_bytes = 64;

bool is_ws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// A cursor over the frame. Every read checks the end first, so a frame cut
/// anywhere ends the scan instead of reading past it.
class scanner {
public:
  explicit scanner(std::string_view s) : s_(s) {
  }

  void skip_ws() noexcept {
    while (i_ < s_.size() && is_ws(s_[i_]))
      ++i_;
  }

  bool eat(char c) noexcept {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  bool at(char c) const noexcept {
    return i_ < s_.size() && s_[i_] == c;
  }

  /// Reads a string starting at its opening quote: `raw` gets the bytes
  /// between the quotes, `escaped` whether any backslash was among them.
  /// False if the string does not end.
  bool string(std::string_view& raw, bool& escaped) noexcept {
    if (!eat('"'))
      return false;
    std::size_t start = i_;
    escaped = false;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        raw = s_.substr(start, i_ - start);
        ++i_;
        return true;
      }
      if (c == '\\') {
        escaped = true;
        ++i_; // the escaped character is skipped below, whatever it is
      }
      ++i_;
    }
    return false;
  }

  /// Skips one value of any kind. False if it does not end.
  bool skip_value() noexcept {
    std::string_view raw;
    bool escaped = false;
    if (at('"'))
      return string(raw, escaped);
    if (at('{') || at('[')) {
      std::size_t depth = 0;
      while (i_ < s_.size()) {
        char c = s_[i_];
        if (c == '"') {
          if (!string(raw, escaped))
            return false;
          continue;
        }
        ++i_;
        if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (--depth == 0)
            return true;
        }
      }
      return false;
    }
    // A number, true, false or null: up to the next delimiter.
    std::size_t start = i_;
    while (i_ < s_.size() && !is_ws(s_[i_]) && s_[i_] != ','
           && s_[i_] != '}' && s_[i_] != ']')
      ++i_;
    return i_ > start;
  }

private:
  std::string_view s_;
  std::size_t i_ = 0;
};

/// A value that decode() would read as this very type: printable ASCII
/// without escapes (those need decoding), short enough not to be cut.
bool plain_type(std::string_view v, bool escaped) noexcept {
  if (escaped || v.size() > max_type_bytes)
    return false;
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7E)
      return false;
  }
  return true;
}

} // namespace

std::string peek_type(std::string_view frame, std::size_t max_scan) {
  if (frame.size() > max_scan)
    return {};
  scanner in{frame};
  in.skip_ws();
  if (!in.eat('{'))
    return {};
  in.skip_ws();
  if (in.eat('}'))
    return {};
  // nlohmann keeps the last of duplicate members, so the scan goes on to
  // the end of the object and the last "type" wins here too.
  std::string_view type;
  bool have = false;
  for (;;) {
    in.skip_ws();
    std::string_view key;
    bool escaped = false;
    if (!in.string(key, escaped) || escaped)
      return {}; // an escaped key might spell "type"
    in.skip_ws();
    if (!in.eat(':'))
      return {};
    in.skip_ws();
    if (key == "type" && in.at('"')) {
      std::string_view value;
      if (!in.string(value, escaped))
        return {};
      have = plain_type(value, escaped);
      type = value;
    } else {
      if (key == "type")
        have = false; // not a string: decode() finds no type either
      if (!in.skip_value())
        return {};
    }
    in.skip_ws();
    if (in.eat('}'))
      break;
    if (!in.eat(','))
      return {};
  }
  return have ? std::string{type} : std::string{};
}

} // namespace proctord::protocol::native
