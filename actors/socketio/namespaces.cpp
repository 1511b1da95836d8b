#include "actors/socketio/namespaces.hpp"

#include <stdexcept>

namespace proctord {

namespace {

bool segment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
         || c == '~';
}

bool one_segment(std::string_view s) {
  if (s.empty() || s.size() > 128)
    return false;
  for (char c : s)
    if (!segment_char(c))
      return false;
  return true;
}

} // namespace

void namespace_table::add_exact(std::string name, sio_domain_actor domain) {
  if (name.empty() || name.front() != '/')
    throw std::invalid_argument("a namespace starts with '/'");
  routes_.push_back(entry{std::move(name), false, std::move(domain)});
}

void namespace_table::add_pattern(std::string prefix, sio_domain_actor domain) {
  if (prefix.size() < 2 || prefix.front() != '/' || prefix.back() != '/')
    throw std::invalid_argument("a namespace prefix starts and ends with '/'");
  routes_.push_back(entry{std::move(prefix), true, std::move(domain)});
}

std::optional<sio_domain_actor> namespace_table::find(std::string_view nsp) const {
  for (auto& r : routes_)
    if (!r.prefix && r.name == nsp)
      return r.domain;
  for (auto& r : routes_)
    if (r.prefix && nsp.size() > r.name.size()
        && nsp.compare(0, r.name.size(), r.name) == 0
        && one_segment(nsp.substr(r.name.size())))
      return r.domain;
  return std::nullopt;
}

} // namespace proctord
