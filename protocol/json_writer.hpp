#pragma once
// A small append-only JSON writer for the encoders: events are flat records,
// so building the text directly is cheaper than building an nlohmann tree
// and dumping it (CODE_UPDATE carries up to a frame's worth of code, and it
// is encoded once per broadcast). Internal to protocol/.
//
// Strings are written as valid UTF-8 whatever they contain: a byte that does
// not belong to a well-formed UTF-8 sequence becomes U+FFFD, as
// nlohmann::json's error_handler_t::replace would do. Nothing here throws
// except std::bad_alloc.

#include <cstdint>
#include <string>
#include <string_view>

namespace proctord::protocol::detail {

class json_writer {
public:
  explicit json_writer(std::size_t reserve = 128) {
    out_.reserve(reserve);
  }

  /// Opens an object or array; `key` (if given) names it in the parent.
  void begin_object(std::string_view key = {});
  void end_object();
  void begin_array(std::string_view key);
  void end_array();

  void field(std::string_view key, std::string_view value);
  void field(std::string_view key, const char* value) {
    field(key, std::string_view{value});
  }
  void field(std::string_view key, std::int64_t value);
  void field(std::string_view key, std::uint64_t value);
  void field(std::string_view key, std::int32_t value) {
    field(key, static_cast<std::int64_t>(value));
  }
  void field(std::string_view key, bool value);
  void null_field(std::string_view key);

  /// A timestamp that is `null` while it is 0 ("not yet").
  void time_or_null(std::string_view key, std::int64_t value) {
    if (value == 0)
      null_field(key);
    else
      field(key, value);
  }

  /// Writes `json` (already valid JSON text) as the value of `key`.
  void raw_field(std::string_view key, std::string_view json);

  /// Bytes written so far: lets an encoder remember where a value starts.
  std::size_t size() const noexcept {
    return out_.size();
  }

  std::string take() && {
    return std::move(out_);
  }

private:
  void key(std::string_view k);
  void string(std::string_view s);

  std::string out_;
  bool first_ = true; // no member written yet at the current level
};

/// Appends `s` to `out` as a quoted JSON string (see above).
void append_json_string(std::string& out, std::string_view s);

} // namespace proctord::protocol::detail
