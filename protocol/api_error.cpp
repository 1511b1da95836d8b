#include "protocol/api_error.hpp"
#include "protocol/json_number.hpp"
#include "protocol/json_writer.hpp"

#include <cmath>

namespace proctord::protocol {

std::string encode_api_error(const api_error& e) {
  detail::json_writer w{64 + e.message.size()};
  w.begin_object();
  w.field("code", e.code);
  w.field("message", e.message);
  if (!e.field.empty())
    w.field("field", e.field);
  w.end_object();
  return std::move(w).take();
}

namespace detail {

std::optional<std::int64_t> integer_in(const nlohmann::json* v, std::int64_t lo,
                                       std::int64_t hi) {
  std::optional<std::int64_t> x;
  if (v == nullptr) {
    return std::nullopt;
  } else if (v->is_number_unsigned()) {
    auto u = v->get<std::uint64_t>();
    x = u <= static_cast<std::uint64_t>(hi) ? static_cast<std::int64_t>(u) : hi + 1;
  } else if (v->is_number_integer()) {
    x = v->get<std::int64_t>();
  } else if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && std::trunc(d) == d) {
      if (d < static_cast<double>(lo))
        x = lo - 1;
      else if (d > static_cast<double>(hi))
        x = hi + 1;
      else
        x = static_cast<std::int64_t>(d);
    }
  }
  if (!x || *x < lo || *x > hi)
    return std::nullopt;
  return x;
}

} // namespace detail

} // namespace proctord::protocol
