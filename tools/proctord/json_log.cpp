#include "tools/proctord/json_log.hpp"

#include "protocol/json_writer.hpp"

#include <spdlog/pattern_formatter.h>

namespace proctord {

namespace {

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
  // The encoders' escaping (valid UTF-8 whatever the input), without its
  // quotes, which the pattern has.
  thread_local std::string quoted;
  quoted.clear();
  protocol::detail::append_json_string(quoted, s);
  out.append(quoted, 1, quoted.size() - 2);
}

std::unique_ptr<spdlog::formatter> json_line_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  // Time and level come from spdlog and need no escaping; only %j does.
  f->add_flag<json_message_flag>('j').set_pattern(
    R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%j"})");
  return f;
}

} // namespace proctord
