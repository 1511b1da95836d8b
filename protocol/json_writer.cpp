#include "protocol/json_writer.hpp"

#include <charconv>

namespace proctord::protocol::detail {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

/// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629, Table 3-7 of
/// the Unicode standard: no overlongs, no surrogates, nothing past U+10FFFF),
/// or 0 if there is none.
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

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go.
    std::size_t run = i;
    while (run < s.size()) {
      auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
        break;
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size())
      break;
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
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(esc, sizeof(esc));
      }
    }
    ++i;
  }
  out.push_back('"');
}

void json_writer::key(std::string_view k) {
  if (!first_)
    out_.push_back(',');
  first_ = false;
  if (!k.empty()) {
    append_json_string(out_, k);
    out_.push_back(':');
  }
}

void json_writer::string(std::string_view s) {
  append_json_string(out_, s);
}

void json_writer::begin_object(std::string_view k) {
  if (!out_.empty())
    key(k);
  out_.push_back('{');
  first_ = true;
}

void json_writer::end_object() {
  out_.push_back('}');
  first_ = false;
}

void json_writer::begin_array(std::string_view k) {
  key(k);
  out_.push_back('[');
  first_ = true;
}

void json_writer::end_array() {
  out_.push_back(']');
  first_ = false;
}

void json_writer::field(std::string_view k, std::string_view value) {
  key(k);
  string(value);
}

void json_writer::field(std::string_view k, std::int64_t value) {
  key(k);
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, res.ptr);
}

void json_writer::field(std::string_view k, std::uint64_t value) {
  key(k);
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, res.ptr);
}

void json_writer::field(std::string_view k, bool value) {
  key(k);
  out_.append(value ? "true" : "false");
}

void json_writer::raw_field(std::string_view k, std::string_view json) {
  key(k);
  out_.append(json);
}

void json_writer::null_field(std::string_view k) {
  key(k);
  out_.append("null");
}

} // namespace proctord::protocol::detail
