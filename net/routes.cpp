// The route table and the Beast-free parts of the HTTP API: header lookup
// and function endpoints.

#include "net/routes.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace proctord::net {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

class function_endpoint : public http_endpoint {
public:
  explicit function_endpoint(std::function<void(http_request, responder)> fn)
    : fn_(std::move(fn)) {
  }
  void on_request(http_request req, responder res) override {
    fn_(std::move(req), std::move(res));
  }

private:
  std::function<void(http_request, responder)> fn_;
};

} // namespace

void http_headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void http_headers::set(std::string name, std::string value) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const field& f) {
                                 return iequals(f.first, name);
                               }),
                fields_.end());
  add(std::move(name), std::move(value));
}

std::optional<std::string_view> http_headers::find(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals(f.first, name))
      return std::string_view{f.second};
  return std::nullopt;
}

std::string http_headers::get(std::string_view name) const {
  auto v = find(name);
  return v ? std::string{*v} : std::string{};
}

std::shared_ptr<http_endpoint>
http_handler(std::function<void(http_request, responder)> fn) {
  return std::make_shared<function_endpoint>(std::move(fn));
}

namespace detail {

void route_table::add(route r) {
  if (r.path.empty() || r.path.front() != '/')
    throw std::logic_error("net: a route path starts with '/': " + r.path);
  if (!r.http && !r.ws)
    throw std::logic_error("net: route " + r.path + " has no endpoint");
  for (const auto& e : entries_)
    if (e.r.path == r.path)
      throw std::logic_error("net: two routes for " + r.path);
  entry e;
  e.subtree = r.path.back() == '*';
  e.prefix = e.subtree ? r.path.substr(0, r.path.size() - 1) : r.path;
  e.r = std::move(r);
  entries_.push_back(std::move(e));
}

const route* route_table::find(std::string_view path) const {
  const entry* best = nullptr;
  for (const auto& e : entries_) {
    if (!e.subtree) {
      if (path == e.prefix)
        return &e.r; // an exact match wins
      continue;
    }
    if (path.substr(0, e.prefix.size()) == e.prefix
        && (!best || e.prefix.size() > best->prefix.size()))
      best = &e;
  }
  return best ? &best->r : nullptr;
}

} // namespace detail

std::vector<std::string> path_segments(std::string_view path,
                                       std::string_view prefix) {
  std::vector<std::string> out;
  if (path.substr(0, prefix.size()) != prefix)
    return out;
  path.remove_prefix(prefix.size());
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash);
  }
  return out;
}

} // namespace proctord::net
