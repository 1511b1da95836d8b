// Text frames of the contest dialect -> typed commands (protocol/README.md,
// "Contest dialect"). Order of checks: depth on the raw text (no parser
// sees a hostile nesting), JSON syntax and UTF-8 (nlohmann), the envelope
// {"event", "data"} (INVALID_EVENT), then the fields of that event
// (INVALID_PAYLOAD, the message naming the field). Unknown fields are
// ignored.

#include "protocol/contest_codec.hpp"
#include "protocol/contest_json.hpp"
#include "protocol/json_limits.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace proctord::protocol::contest {

namespace {

using json = nlohmann::json;

constexpr std::size_t max_idempotency_key = 128; // bytes

/// A field problem: becomes INVALID_PAYLOAD with this message.
struct payload_error {
  std::string message;
};

/// Reads the members of one event's "data". Each getter returns the value or
/// throws payload_error; decode() catches it, so nothing leaves this file.
class payload {
public:
  payload(const json& data, const decode_limits& limits)
    : data_(data), limits_(limits) {
  }

  /// A required non-empty string of at most limits.max_string bytes.
  std::string non_empty(const char* name) const {
    const json* v = find(name);
    if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty())
      fail(name, "must be a non-empty string");
    return bounded(name, v->get<std::string>(), limits_.max_string);
  }

  /// The answer: a string (possibly empty) or a number, as its text.
  std::string answer(const char* name) const {
    const json* v = find(name);
    std::optional<std::string> text;
    if (v != nullptr)
      text = detail::answer_text(*v);
    if (!text)
      fail(name, "must be a string or a number");
    return bounded(name, std::move(*text), limits_.max_string);
  }

  /// An optional string ("" when absent or null).
  std::string optional_string(const char* name, std::size_t max) const {
    const json* v = find(name);
    if (v == nullptr || v->is_null())
      return {};
    if (!v->is_string())
      fail(name, "must be a string");
    return bounded(name, v->get<std::string>(), max);
  }

  const decode_limits& limits() const noexcept {
    return limits_;
  }

private:
  const json* find(const char* name) const {
    auto it = data_.find(name);
    return it == data_.end() ? nullptr : &*it;
  }

  std::string bounded(const char* name, std::string s, std::size_t max) const {
    if (s.size() > max)
      fail(name, "must be at most " + std::to_string(max) + " bytes");
    return s;
  }

  [[noreturn]] static void fail(const char* name, std::string_view what) {
    std::string msg = "data.";
    msg += name;
    msg += ' ';
    msg += what;
    throw payload_error{std::move(msg)};
  }

  const json& data_;
  const decode_limits& limits_;
};

command parse_join(const payload& p) {
  return cmd::join_contest{p.non_empty("contestId")};
}

command parse_submit(const payload& p) {
  cmd::submit_answer c;
  c.contest_id = p.non_empty("contestId");
  c.question_id = p.non_empty("questionId");
  c.answer = p.answer("answer");
  c.idempotency_key = p.optional_string(
    "idempotencyKey", std::min(max_idempotency_key, p.limits().max_string));
  return c;
}

command parse_resync(const payload& p) {
  return cmd::resync{p.non_empty("contestId")};
}

command parse_ping(const payload&) {
  return cmd::ping{}; // whatever data it carries is ignored
}

struct entry {
  std::string_view event;
  command (*parse)(const payload&);
};

constexpr entry parsers[] = {
  {"join_contest", parse_join},
  {"submit_answer", parse_submit},
  {"resync", parse_resync},
  {"ping", parse_ping},
};

decode_error fail(error_code code, std::string message) {
  return decode_error{code, std::move(message)};
}

decode_result decode_impl(std::string_view text, const decode_limits& limits) {
  if (json_depth(text, limits.max_depth) > limits.max_depth)
    return fail(error_code::invalid_event,
                "JSON nested deeper than " + std::to_string(limits.max_depth)
                  + " levels");
  // nlohmann's lexer takes a NUL byte for the end of the input (see
  // native_codec.cpp); a NUL is never valid JSON.
  if (text.find('\0') != std::string_view::npos)
    return fail(error_code::invalid_event, "the frame is not valid JSON");
  // Non-throwing parse; it also rejects invalid UTF-8 inside strings.
  auto doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded())
    return fail(error_code::invalid_event, "the frame is not valid JSON");
  if (!doc.is_object())
    return fail(error_code::invalid_event, "expected a JSON object");
  auto event_it = doc.find("event");
  if (event_it == doc.end() || !event_it->is_string())
    return fail(error_code::invalid_event,
                "expected a string field \"event\"");
  const auto& name = event_it->get_ref<const std::string&>();
  const entry* found = nullptr;
  for (const auto& e : parsers)
    if (e.event == name)
      found = &e;
  if (found == nullptr)
    return fail(error_code::invalid_event, "unknown event");
  // "data": null is taken as absent, as a client may write an unset field.
  static const json empty = json::object();
  const json* data = &empty;
  if (auto it = doc.find("data"); it != doc.end() && !it->is_null()) {
    if (!it->is_object())
      return fail(error_code::invalid_event, "\"data\" must be an object");
    data = &*it;
  } else if (found->parse != parse_ping) {
    return fail(error_code::invalid_payload, "data is required");
  }
  try {
    return found->parse(payload{*data, limits});
  } catch (payload_error& err) {
    return fail(error_code::invalid_payload, std::move(err.message));
  }
}

} // namespace

decode_result decode(std::string_view text, const decode_limits& limits) {
  try {
    return decode_impl(text, limits);
  } catch (...) {
    // Only std::bad_alloc can get here (a frame the size of the heap).
    return decode_error{error_code::internal, {}};
  }
}

} // namespace proctord::protocol::contest
