#include "protocol/socketio/auth.hpp"

#include "protocol/json_limits.hpp"

#include <nlohmann/json.hpp>

namespace proctord::protocol::socketio {

namespace {

// A CONNECT payload is a flat object; anything deeper is not ours to read.
constexpr std::size_t max_depth = 16;

const std::string* string_field(const nlohmann::json& obj, const char* key,
                                std::size_t max_field) {
  auto i = obj.find(key);
  if (i == obj.end() || !i->is_string())
    return nullptr;
  const auto& s = i->get_ref<const std::string&>();
  return s.size() <= max_field ? &s : nullptr;
}

} // namespace

connect_auth parse_connect_auth(std::string_view raw, std::size_t max_field) {
  connect_auth out;
  if (raw.empty() || json_depth(raw, max_depth) > max_depth)
    return out;
  auto doc = nlohmann::json::parse(raw, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return out;
  if (auto* s = string_field(doc, "token", max_field))
    out.token = *s;
  if (auto* s = string_field(doc, "pid", max_field))
    out.pid = *s;
  if (auto* s = string_field(doc, "offset", max_field))
    out.offset = *s;
  return out;
}

} // namespace proctord::protocol::socketio
