#include "tools/proctord/json_log.hpp"

#include <spdlog/pattern_formatter.h>

namespace proctord {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

/// Length of the well-formed UTF-8 sequence at s[i], or 0 if there is none
/// (Table 3-7 of the Unicode standard).
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  auto byte = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
  };
  auto cont = [](unsigned b) { return b >= 0x80 && b <= 0xBF; };
  unsigned b0 = byte(0);
  if (b0 < 0x80)
    return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    return cont(byte(1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
    unsigned b1 = byte(1);
    return b1 >= lo && b1 <= hi && cont(byte(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
    unsigned b1 = byte(1);
    return b1 >= lo && b1 <= hi && cont(byte(2)) && cont(byte(3)) ? 4 : 0;
  }
  return 0;
}

/// %j: the message, escaped for the inside of a JSON string.
class json_message_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    // The async logger formats on its one thread; the buffer is reused.
    thread_local std::string buf;
    buf.clear();
    append_json_escaped(buf, {msg.payload.data(), msg.payload.size()});
    dest.append(buf.data(), buf.data() + buf.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_message_flag>();
  }
};

} // namespace

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (auto n = utf8_sequence(s, i); n > 0) {
        out.append(s.data() + i, n);
        i += n;
      } else {
        out.append(replacement);
        ++i;
      }
      continue;
    }
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7F) {
      char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
      out.append(esc, sizeof(esc));
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
}

std::unique_ptr<spdlog::formatter> json_line_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  // Time and level come from spdlog and need no escaping; only %j does.
  f->add_flag<json_message_flag>('j').set_pattern(
    R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%j"})");
  return f;
}

} // namespace proctord
