#pragma once
// proctord's command line: `--name value` or `--name=value`, each option
// also readable from the environment. Options with a dot
// (`--scheduler.max-threads=2`) belong to CAF and are passed through.

#include "actors/config.hpp"
#include "net/address.hpp"
#include "net/engineio.hpp"
#include "net/server.hpp"
#include "persistence/backend.hpp"

#include <string>
#include <vector>

namespace proctord {

struct server_options {
  net::server_config net;
  room_config rooms;
  gateway_config gateway;
  contest_config contests;
  contest_door_config contest_door;
  study_config study;
  /// The exams (seed 004); tokens and recovery are filled in by main.
  exam_config exams;
  /// Connection state recovery of the Socket.IO domains that offer it
  /// (--sio-recovery-window).
  recovery_config sio_recovery;
  /// The collaborative sessions (seed 003); tokens and recovery are filled
  /// in by main.
  session_config session;
  /// The Socket.IO door's transports (/socket.io/ and /api/socket/).
  net::engineio_config sio;
  std::chrono::milliseconds sio_connect_timeout{45'000};
  /// Proxies whose X-Forwarded-For names the client (Socket.IO door and
  /// public REST API).
  net::address_set trusted_proxies;
  std::string db_path = "./proctord.db";
  persistence::sync_mode db_sync = persistence::sync_mode::normal;
  std::string log_level = "info";
  std::string log_format = "text"; // text | json
  std::size_t caf_threads = 2;
  /// Arguments for CAF's own parser (argv[0] first).
  std::vector<std::string> caf_args;
  bool help = false;
  bool version = false;
};

/// Parses argv and the environment (PORT, JWT_SECRET, DATABASE_URL, ...).
/// Returns an error message, empty on success.
std::string parse_options(int argc, char** argv, server_options& out);

/// The text of --help.
std::string usage();

} // namespace proctord
