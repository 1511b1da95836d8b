#include "options.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/asio/ip/address.hpp>

namespace proctord::load {

namespace {

namespace ip = boost::asio::ip;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

std::optional<ip::address> address_of(const std::string& text) {
  boost::system::error_code ec;
  auto a = ip::make_address(text, ec);
  if (ec)
    return std::nullopt;
  return a;
}

unsigned long number(const std::string& flag, const std::string& text,
                     unsigned long lo, unsigned long hi) {
  try {
    std::size_t used = 0;
    auto v = std::stoul(text, &used);
    if (used == text.size() && v >= lo && v <= hi)
      return v;
  } catch (const std::exception&) {
  }
  throw usage_error(flag + " takes a number from " + std::to_string(lo) + " to "
                    + std::to_string(hi) + ", got \"" + text + "\"");
}

} // namespace

std::string usage() {
  return R"(usage: proctor-load SCENARIO.json [options]

Runs the scenario against a proctord (or anything speaking its dialect),
prints a progress line a second and a report at the end.

  --secret S | --secret-file F   HS256 secret to mint tokens with
                                 (default: $JWT_SECRET)
  --jwt-issuer S, --jwt-audience S  put iss / aud into the tokens
  --url ws://HOST:PORT/PATH      replaces the scenario's url
  --set key.path=value           changes one scenario value (repeatable),
                                 e.g. --set host.announce.perSecond=20
  --threads N                    client io threads (default 2)
  --source-addresses A-B|A,B,..  spread client sockets over these local
                                 addresses, e.g. 127.0.0.2-127.0.0.9
  --allow-remote                 allow a target that is not loopback
  --server-pid PID               read the server's CPU and memory from /proc
  --json FILE                    also write the report as JSON
  --instance N                   distinct user ids for parallel processes
  --quiet                        no progress line
)";
}

std::vector<std::string> expand_addresses(const std::string& spec) {
  std::vector<std::string> out;
  std::stringstream parts(spec);
  std::string part;
  while (std::getline(parts, part, ',')) {
    if (part.empty())
      throw usage_error("--source-addresses: empty entry in \"" + spec + "\"");
    auto dash = part.find('-');
    if (dash == std::string::npos) {
      if (!address_of(part))
        throw usage_error("--source-addresses: \"" + part + "\" is not an address");
      out.push_back(part);
      continue;
    }
    auto first = address_of(part.substr(0, dash));
    auto last = address_of(part.substr(dash + 1));
    if (!first || !last || !first->is_v4() || !last->is_v4())
      throw usage_error("--source-addresses: a range is two IPv4 addresses, "
                        "got \"" + part + "\"");
    auto a = first->to_v4().to_uint();
    auto b = last->to_v4().to_uint();
    if (b < a || b - a >= 1024)
      throw usage_error("--source-addresses: \"" + part
                        + "\" must go upwards and hold at most 1024 addresses");
    for (auto v = a; v <= b; ++v)
      out.push_back(ip::address_v4(v).to_string());
  }
  if (out.empty())
    throw usage_error("--source-addresses: no address given");
  return out;
}

bool is_loopback(const std::string& address) {
  auto a = address_of(address);
  if (!a)
    return false;
  if (a->is_v6() && a->to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, a->to_v6()).is_loopback();
  return a->is_loopback();
}

std::string check_targets(const std::vector<std::string>& resolved,
                          const std::vector<std::string>& sources,
                          bool allow_remote) {
  if (resolved.empty())
    return "the target resolves to no address";
  if (allow_remote)
    return {};
  for (auto& a : resolved)
    if (!is_loopback(a))
      return "the target " + a + " is not a loopback address; load goes to "
             "loopback only unless you pass --allow-remote";
  for (auto& s : sources)
    if (!is_loopback(s))
      return "the source address " + s + " is not a loopback address; pass "
             "--allow-remote to use it";
  return {};
}

options parse_options(int argc, char** argv) {
  options o;
  std::string secret_file;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc)
      throw usage_error(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--secret")
      o.secret = value(i);
    else if (a == "--secret-file")
      secret_file = value(i);
    else if (a == "--jwt-issuer")
      o.issuer = value(i);
    else if (a == "--jwt-audience")
      o.audience = value(i);
    else if (a == "--url")
      o.url = value(i);
    else if (a == "--set")
      o.overrides.push_back(value(i));
    else if (a == "--threads")
      o.threads = number(a, value(i), 1, 64);
    else if (a == "--source-addresses")
      o.source_addresses = expand_addresses(value(i));
    else if (a == "--allow-remote")
      o.allow_remote = true;
    else if (a == "--server-pid")
      o.server_pid = static_cast<int>(number(a, value(i), 1, 1u << 30));
    else if (a == "--json")
      o.json_path = value(i);
    else if (a == "--instance")
      o.instance = static_cast<unsigned>(number(a, value(i), 0, 1000000));
    else if (a == "--quiet")
      o.progress = false;
    else if (a == "-h" || a == "--help")
      throw usage_error("");
    else if (!a.empty() && a[0] == '-')
      throw usage_error("unknown option " + a);
    else if (o.scenario_path.empty())
      o.scenario_path = a;
    else
      throw usage_error("one scenario file only, got a second: " + a);
  }
  if (o.scenario_path.empty())
    throw usage_error("no scenario file given");
  if (!secret_file.empty()) {
    std::ifstream in(secret_file);
    if (!in)
      throw usage_error("--secret-file " + secret_file + " cannot be read");
    std::stringstream ss;
    ss << in.rdbuf();
    o.secret = trim(ss.str());
  }
  if (o.secret.empty())
    if (auto env = std::getenv("JWT_SECRET"))
      o.secret = env;
  if (o.secret.empty())
    throw usage_error("no secret: pass --secret, --secret-file or set JWT_SECRET "
                      "(the server's, so that it accepts the minted tokens)");
  return o;
}

} // namespace proctord::load
