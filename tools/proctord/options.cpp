#include "tools/proctord/options.hpp"

#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>

namespace proctord {

namespace {

using setter = std::function<void(const std::string&)>;

struct option {
  const char* env; // may be null
  const char* help;
  setter set;
};

long long to_int(const std::string& name, const std::string& v, long long lo,
                 long long hi) {
  std::size_t pos = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != v.size() || v.empty() || x < lo || x > hi)
    throw std::invalid_argument("--" + name + " takes a whole number from "
                                + std::to_string(lo) + " to "
                                + std::to_string(hi) + ", not '" + v + "'");
  return x;
}

/// DATABASE_URL as the seeds use it: a path, sqlite:PATH or sqlite://PATH.
std::string sqlite_path(const std::string& url) {
  for (std::string prefix : {"sqlite://", "sqlite:"})
    if (url.rfind(prefix, 0) == 0)
      return url.substr(prefix.size());
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0)
    throw std::invalid_argument(
      "the PostgreSQL store is not available in this build yet; use a SQLite "
      "path");
  return url;
}

std::map<std::string, option> table(server_options& o) {
  auto integer = [](const char* name, auto& field, long long lo, long long hi) {
    return [name, &field, lo, hi](const std::string& v) {
      field = static_cast<std::decay_t<decltype(field)>>(to_int(name, v, lo, hi));
    };
  };
  std::map<std::string, option> t;
  t["port"] = {"PORT", "TCP port (0: any free port)",
               integer("port", o.net.port, 0, 65535)};
  t["bind"] = {"BIND", "address to listen on",
               [&o](const std::string& v) { o.net.bind = v; }};
  t["db"] = {"DATABASE_URL", "SQLite database file (or sqlite:PATH)",
             [&o](const std::string& v) { o.db_path = sqlite_path(v); }};
  t["db-sync"] = {"DB_SYNC",
                  "normal (survives a crash) or full (survives power loss)",
                  [&o](const std::string& v) {
                    if (v == "normal")
                      o.db_sync = persistence::sync_mode::normal;
                    else if (v == "full")
                      o.db_sync = persistence::sync_mode::full;
                    else
                      throw std::invalid_argument(
                        "--db-sync takes normal or full");
                  }};
  t["jwt-secret"] = {"JWT_SECRET", "HS256 secret (generated if not set)",
                     [&o](const std::string& v) { o.gateway.tokens.secret = v; }};
  t["jwt-issuer"] = {"JWT_ISSUER", "required iss claim (optional)",
                     [&o](const std::string& v) { o.gateway.tokens.issuer = v; }};
  t["jwt-audience"] = {"JWT_AUDIENCE", "required aud claim (optional)",
                       [&o](const std::string& v) {
                         o.gateway.tokens.audience = v;
                       }};
  t["io-threads"] = {"IO_THREADS", "Asio threads",
                     integer("io-threads", o.net.io_threads, 1, 64)};
  t["caf-threads"] = {"CAF_THREADS", "CAF scheduler threads",
                      integer("caf-threads", o.caf_threads, 1, 64)};
  t["max-frame-bytes"] = {"MAX_FRAME_BYTES", "largest accepted frame",
                          integer("max-frame-bytes", o.net.max_frame_bytes, 1024,
                                  64LL << 20)};
  t["max-json-depth"] = {"MAX_JSON_DEPTH", "deepest accepted JSON nesting",
                         integer("max-json-depth", o.gateway.limits.max_depth, 2,
                                 1000)};
  t["max-room-size"] = {"MAX_ROOM_SIZE",
                        "largest maxGuests a CREATE_ROOM may ask for",
                        integer("max-room-size", o.gateway.limits.max_guests, 1,
                                1000000)};
  t["rate-limit"] = {"RATE_LIMIT", "messages per second per connection",
                     integer("rate-limit", o.gateway.rate_per_sec, 1, 1000000)};
  t["rate-burst"] = {"RATE_BURST", "burst of messages per connection",
                     integer("rate-burst", o.gateway.rate_burst, 1, 1000000)};
  t["send-queue-bytes"] = {"SEND_QUEUE_BYTES",
                           "bytes queued to one client before it is closed",
                           integer("send-queue-bytes", o.net.send_queue_bytes,
                                   1024, 1LL << 32)};
  t["send-queue-frames"] = {"SEND_QUEUE_FRAMES",
                            "frames queued to one client before it is closed",
                            integer("send-queue-frames", o.net.send_queue_frames,
                                    1, 1 << 24)};
  t["socket-send-buffer"] = {
    "SOCKET_SEND_BUFFER",
    "kernel send buffer of each client socket in bytes (0: the kernel's "
    "autotuning, up to 4 MiB a socket on Linux)",
    integer("socket-send-buffer", o.net.socket_send_buffer, 0, 1LL << 30)};
  t["max-queued-frames"] = {
    "MAX_QUEUED_FRAMES",
    "frames queued across all clients above which live-only messages "
    "(ANNOUNCE, CODE_CHANGE) are refused with OVERLOADED",
    integer("max-queued-frames", o.net.max_queued_frames, 1, 1LL << 32)};
  t["max-conns-per-ip"] = {"MAX_CONNS_PER_IP", "connections per client IP",
                           integer("max-conns-per-ip",
                                   o.net.max_connections_per_ip, 1, 1 << 24)};
  t["idle-timeout"] = {"IDLE_TIMEOUT",
                       "seconds without traffic before a ping, then a close",
                       [&o](const std::string& v) {
                         o.net.idle_timeout = std::chrono::seconds{
                           to_int("idle-timeout", v, 1, 86400)};
                       }};
  t["code-change-interval-ms"] = {"CODE_CHANGE_INTERVAL_MS",
                                  "coalescing window for CODE_CHANGE",
                                  [&o](const std::string& v) {
                                    o.rooms.code_change_interval
                                      = std::chrono::milliseconds{to_int(
                                        "code-change-interval-ms", v, 0, 60000)};
                                  }};
  t["resume-grace"] = {"RESUME_GRACE",
                       "seconds after a drop during which RESUME replays",
                       [&o](const std::string& v) {
                         o.rooms.resume_grace = std::chrono::seconds{
                           to_int("resume-grace", v, 0, 86400)};
                       }};
  t["presence-grace"] = {
    "PRESENCE_GRACE",
    "seconds a dropped interview connection may take to RESUME before the "
    "room sees USER_LEFT and a DISCONNECT violation (0: at once)",
    [&o](const std::string& v) {
      o.rooms.presence_grace = std::chrono::seconds{
        to_int("presence-grace", v, 0, 3600)};
    }};
  t["room-linger"] = {"ROOM_LINGER",
                      "seconds an ended room answers ROOM_ENDED before it exits",
                      [&o](const std::string& v) {
                        o.rooms.linger = std::chrono::seconds{
                          to_int("room-linger", v, 0, 86400)};
                      }};
  t["contest-roles"] = {
    "CONTEST_ROLES",
    "comma-separated token roles that may join contests (default: every "
    "role but banned; admins always may)",
    [&o](const std::string& v) {
      o.contest_door.roles.clear();
      std::size_t start = 0;
      while (start <= v.size()) {
        auto comma = v.find(',', start);
        auto role = v.substr(start, comma == std::string::npos ? std::string::npos
                                                               : comma - start);
        if (!role.empty())
          o.contest_door.roles.push_back(role);
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
    }};
  t["contest-ping-interval"] = {
    "CONTEST_PING_INTERVAL",
    "seconds between WebSocket pings on /ws/contest (a peer silent for two "
    "is dropped)",
    [&o](const std::string& v) {
      o.contest_door.ping_interval
        = std::chrono::seconds{to_int("contest-ping-interval", v, 1, 3600)};
    }};
  t["leaderboard-interval"] = {
    "LEADERBOARD_INTERVAL",
    "seconds between leaderboard_update batches (when something changed)",
    [&o](const std::string& v) {
      o.contests.leaderboard_interval = std::chrono::milliseconds{
        to_int("leaderboard-interval", v, 1, 3600) * 1000};
    }};
  t["leaderboard-top"] = {"LEADERBOARD_TOP",
                          "rows of the leaderboard's top part",
                          integer("leaderboard-top", o.contests.leaderboard_top,
                                  1, 1000)};
  t["max-contest-size"] = {"MAX_CONTEST_SIZE",
                           "participants one contest accepts",
                           integer("max-contest-size",
                                   o.contests.max_participants, 1, 10000000)};
  t["sio-ping-interval"] = {
    "SIO_PING_INTERVAL", "Socket.IO door: ms between Engine.IO pings",
    [&o](const std::string& v) {
      o.sio.ping_interval
        = std::chrono::milliseconds{to_int("sio-ping-interval", v, 50, 3'600'000)};
    }};
  t["sio-ping-timeout"] = {
    "SIO_PING_TIMEOUT",
    "Socket.IO door: ms a client has to answer a ping before it is dropped",
    [&o](const std::string& v) {
      o.sio.ping_timeout
        = std::chrono::milliseconds{to_int("sio-ping-timeout", v, 50, 3'600'000)};
    }};
  t["sio-max-payload"] = {"SIO_MAX_PAYLOAD",
                          "Socket.IO door: largest message or polling body, bytes",
                          integer("sio-max-payload", o.sio.max_payload, 1024,
                                  1'000'000)};
  t["sio-connect-timeout"] = {
    "SIO_CONNECT_TIMEOUT",
    "Socket.IO door: ms a client has to connect to a namespace",
    [&o](const std::string& v) {
      o.sio_connect_timeout = std::chrono::milliseconds{
        to_int("sio-connect-timeout", v, 100, 3'600'000)};
    }};
  t["cors-origins"] = {
    "CORS_ORIGINS",
    "comma-separated origins allowed to poll the Socket.IO door (* for any; "
    "default: none)",
    [&o](const std::string& v) {
      o.sio.cors_origins.clear();
      std::string item;
      for (std::size_t i = 0; i <= v.size(); ++i) {
        if (i == v.size() || v[i] == ',') {
          while (!item.empty() && item.back() == ' ')
            item.pop_back();
          if (!item.empty())
            o.sio.cors_origins.push_back(item);
          item.clear();
        } else if (v[i] != ' ' || !item.empty()) {
          item += v[i];
        }
      }
    }};
  t["trusted-proxies"] = {
    "TRUSTED_PROXIES",
    "comma-separated addresses or CIDR ranges of reverse proxies whose "
    "X-Forwarded-For names the client",
    [&o](const std::string& v) {
      std::string bad;
      auto set = net::address_set::parse(v, &bad);
      if (!set)
        throw std::invalid_argument("--trusted-proxies: '" + bad
                                    + "' is not an address or CIDR range");
      o.trusted_proxies = std::move(*set);
    }};
  t["public-user-rate"] = {"PUBLIC_USER_RATE",
                           "anonymous users one address may create per minute",
                           integer("public-user-rate", o.study.user_rate_per_minute,
                                   1, 100000)};
  t["public-max-conns-per-ip"] = {
    "PUBLIC_MAX_CONNS_PER_IP",
    "sockets one address may hold across /public-room/* namespaces",
    integer("public-max-conns-per-ip", o.study.max_conns_per_ip, 1, 100000)};
  t["public-ping-interval"] = {
    "PUBLIC_PING_INTERVAL",
    "seconds a public-room socket may idle before it gets a `ping` event",
    [&o](const std::string& v) {
      o.study.ping_interval = std::chrono::milliseconds{
        to_int("public-ping-interval", v, 1, 86400) * 1000};
    }};
  t["public-max-missed-pings"] = {
    "PUBLIC_MAX_MISSED_PINGS",
    "`ping` events in a row without a `pong` before CONNECTION_TIMEOUT",
    integer("public-max-missed-pings", o.study.max_missed_pings, 1, 1000)};
  t["sio-recovery-window"] = {
    "SIO_RECOVERY_WINDOW",
    "seconds after a drop in which a Socket.IO client of the exams or the "
    "sessions recovers its state and missed events",
    [&o](const std::string& v) {
      o.sio_recovery.window = std::chrono::milliseconds{
        to_int("sio-recovery-window", v, 1, 86400) * 1000};
    }};
  t["exam-time-update-interval"] = {
    "EXAM_TIME_UPDATE_INTERVAL",
    "seconds between the exams' time-update events",
    [&o](const std::string& v) {
      o.exams.time_update_interval = std::chrono::milliseconds{
        to_int("exam-time-update-interval", v, 1, 3600) * 1000};
    }};
  t["session-idle-close"] = {
    "SESSION_IDLE_CLOSE",
    "seconds a collaborative session may go without an active participant "
    "before it is closed",
    [&o](const std::string& v) {
      o.session.idle_close = std::chrono::milliseconds{
        to_int("session-idle-close", v, 1, 30 * 86400) * 1000};
    }};
  t["session-cursor-interval"] = {
    "SESSION_CURSOR_INTERVAL",
    "ms between two cursor-moved of one user (the latest is sent)",
    [&o](const std::string& v) {
      o.session.cursor_interval = std::chrono::milliseconds{
        to_int("session-cursor-interval", v, 1, 60'000)};
    }};
  t["log-level"] = {"LOG_LEVEL", "trace, debug, info, warn, error",
                    [&o](const std::string& v) { o.log_level = v; }};
  t["log-format"] = {"LOG_FORMAT", "text or json (JSON lines)",
                     [&o](const std::string& v) {
                       if (v != "text" && v != "json")
                         throw std::invalid_argument(
                           "--log-format takes text or json");
                       o.log_format = v;
                     }};
  return t;
}

} // namespace

std::string usage() {
  server_options defaults;
  std::string out = "usage: proctord [options] [--scheduler.max-threads=N ...]\n"
                    "Options (environment variable in brackets):\n";
  for (auto& [name, opt] : table(defaults)) {
    out += "  --" + name;
    out.append(name.size() < 24 ? 24 - name.size() : 1, ' ');
    out += opt.help;
    if (opt.env)
      out += std::string{" ["} + opt.env + "]";
    out += "\n";
  }
  out += "  --help, --version\n"
         "Options with a dot (--scheduler.max-threads=2) go to CAF.\n";
  return out;
}

std::string parse_options(int argc, char** argv, server_options& out) {
  auto t = table(out);
  out.caf_args.emplace_back(argc > 0 ? argv[0] : "proctord");
  try {
    // The environment first, so that flags override it.
    for (auto& [name, opt] : t)
      if (opt.env)
        if (auto v = std::getenv(opt.env); v && *v)
          opt.set(v);
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        out.help = true;
        continue;
      }
      if (arg == "--version") {
        out.version = true;
        continue;
      }
      if (arg.rfind("--", 0) != 0)
        return "unexpected argument '" + arg + "' (see --help)";
      auto eq = arg.find('=');
      auto name = arg.substr(2, eq == std::string::npos ? std::string::npos
                                                        : eq - 2);
      if (name.find('.') != std::string::npos) {
        out.caf_args.push_back(arg);
        continue;
      }
      auto it = t.find(name);
      if (it == t.end())
        return "unknown option --" + name + " (see --help)";
      std::string value;
      if (eq != std::string::npos)
        value = arg.substr(eq + 1);
      else if (i + 1 < argc)
        value = argv[++i];
      else
        return "--" + name + " needs a value";
      it->second.set(value);
    }
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

} // namespace proctord
