#pragma once
// proctor-load's command line, and the address rules it enforces: load
// goes to loopback only unless --allow-remote says otherwise.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace proctord::load {

struct options {
  std::string scenario_path;
  std::vector<std::string> overrides; // --set key=value
  std::optional<std::string> url;     // --url replaces the scenario's
  std::string secret;
  std::string issuer;
  std::string audience;
  std::size_t threads = 2;
  std::vector<std::string> source_addresses; // expanded from --source-addresses
  bool allow_remote = false;
  std::optional<int> server_pid;
  std::string json_path;
  unsigned instance = 0;
  bool progress = true;
};

class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Parses argv (reads --secret-file and $JWT_SECRET). Throws usage_error.
options parse_options(int argc, char** argv);

std::string usage();

/// "127.0.0.2-127.0.0.9" or "127.0.0.2,127.0.0.5" → each address.
/// Throws usage_error on a malformed list or a range over 1024 addresses.
std::vector<std::string> expand_addresses(const std::string& spec);

/// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback.
bool is_loopback(const std::string& address);

/// Empty if a run may send to `resolved` (the target's addresses) from
/// `sources`; else why not.
std::string check_targets(const std::vector<std::string>& resolved,
                          const std::vector<std::string>& sources,
                          bool allow_remote);

} // namespace proctord::load
