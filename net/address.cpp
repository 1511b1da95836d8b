#include "net/address.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstring>

namespace proctord::net {

namespace {

namespace ip = boost::asio::ip;

/// The address as 16 bytes (IPv4 mapped into ::ffff:0:0/96), or nullopt.
std::optional<ip::address_v6::bytes_type> to_bytes(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string{text}, ec);
  if (ec)
    return std::nullopt;
  if (a.is_v4())
    return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

std::string canonical(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string{text}, ec);
  if (ec)
    return std::string{text};
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::optional<address_set> address_set::parse(std::string_view list,
                                              std::string* error) {
  address_set set;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{}
                                           : list.substr(comma + 1);
    if (item.empty())
      continue;
    auto slash = item.find('/');
    auto addr = item.substr(0, slash);
    auto bytes = to_bytes(addr);
    bool v4 = addr.find(':') == std::string_view::npos;
    unsigned max = v4 ? 32 : 128;
    unsigned prefix = max;
    bool ok = bytes.has_value();
    if (ok && slash != std::string_view::npos) {
      auto bits = item.substr(slash + 1);
      prefix = 0;
      ok = !bits.empty() && bits.size() <= 3;
      for (char c : bits) {
        if (c < '0' || c > '9') {
          ok = false;
          break;
        }
        prefix = prefix * 10 + static_cast<unsigned>(c - '0');
      }
      ok = ok && prefix <= max;
    }
    if (!ok) {
      if (error)
        *error = std::string{item};
      return std::nullopt;
    }
    range r;
    std::memcpy(r.bytes, bytes->data(), 16);
    r.prefix = v4 ? prefix + 96 : prefix;
    set.ranges_.push_back(r);
  }
  return set;
}

bool address_set::contains(std::string_view text) const {
  auto bytes = to_bytes(text);
  if (!bytes)
    return false;
  for (auto& r : ranges_) {
    unsigned full = r.prefix / 8;
    unsigned rest = r.prefix % 8;
    if (std::memcmp(r.bytes, bytes->data(), full) != 0)
      continue;
    if (rest != 0) {
      auto mask = static_cast<unsigned char>(0xff << (8 - rest));
      if ((r.bytes[full] & mask) != ((*bytes)[full] & mask))
        continue;
    }
    return true;
  }
  return false;
}

std::string client_address(const http_request& req, const address_set& trusted) {
  std::string_view client = req.remote_ip;
  if (trusted.empty() || !trusted.contains(client))
    return canonical(client);
  auto xff = req.headers.find("X-Forwarded-For");
  if (!xff)
    return canonical(client);
  std::string_view list = *xff;
  while (!list.empty()) {
    auto comma = list.rfind(',');
    auto hop = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
    list = comma == std::string_view::npos ? std::string_view{}
                                           : list.substr(0, comma);
    if (!to_bytes(hop))
      break; // a hop we cannot read: the last good one is the client
    client = hop;
    if (!trusted.contains(hop))
      break;
  }
  return canonical(client);
}

} // namespace proctord::net
