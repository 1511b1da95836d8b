#pragma once
// Options of the actors, with defaults. Each config validates itself; an
// actor refuses to start with an invalid one.

#include "protocol/contest_codec.hpp"
#include "protocol/native_codec.hpp"
#include "protocol/token.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace proctord {

struct room_config {
  /// At most one CODE_UPDATE per participant per interval towards the host.
  std::chrono::milliseconds code_change_interval{200};
  /// How long an ended room keeps answering ROOM_ENDED before it exits.
  std::chrono::seconds linger{30};
  /// How long after a dropped connection RESUME replays what was missed;
  /// later it answers RESYNC_REQUIRED with a snapshot.
  std::chrono::milliseconds resume_grace{std::chrono::minutes{2}};
  /// How long a dropped connection of the interview room may stay away
  /// before it is a departure (USER_LEFT, DISCONNECT). A RESUME within it is
  /// no departure: the room sees nothing, the host gets PROCTORING_UPDATE
  /// RECONNECTED. 0: a drop is a departure at once.
  std::chrono::milliseconds presence_grace{std::chrono::seconds{10}};
  /// A RESUME that would replay more events than this gets a snapshot.
  std::size_t max_replay = 10000;
  /// ... or events whose stored size adds up to more than this.
  std::size_t max_replay_bytes = 4 << 20;
  /// Signs resume tokens (the server's JWT secret).
  protocol::token_config tokens;

  /// Empty when valid, else what is wrong.
  std::string validate() const;
};

struct gateway_config {
  protocol::token_config tokens;
  protocol::native::decode_limits limits;
  /// Token bucket per connection: sustained rate and burst.
  double rate_per_sec = 30;
  double rate_burst = 60;

  std::string validate() const;
};

/// A contest actor (seed 001).
struct contest_config {
  /// leaderboard_update goes out this often, when something changed.
  std::chrono::milliseconds leaderboard_interval{5000};
  /// Rows of `top` in leaderboard_update, contest_state and contest_end.
  std::size_t leaderboard_top = 10;
  /// Connections one user may watch a contest from at once; a further one
  /// takes the place of the oldest.
  std::size_t max_connections_per_user = 4;
  /// Participants a contest accepts.
  std::size_t max_participants = 100000;

  std::string validate() const;
};

/// The contest door (`/ws/contest`, seed 001).
struct contest_door_config {
  protocol::token_config tokens;
  protocol::contest::decode_limits limits;
  double rate_per_sec = 30;
  double rate_burst = 60;
  /// Roles that may take part (--contest-roles); empty: every role but
  /// "banned". Admins may always join (as observers).
  std::vector<std::string> roles;
  /// WebSocket pings go out this often; a peer silent for two intervals is
  /// dropped.
  std::chrono::seconds ping_interval{30};

  /// Whether a token's role may join.
  bool allows(const std::string& role) const;
  std::string validate() const;
};

/// The public study rooms (seed 002).
struct study_config {
  /// Anonymous users one address may create per minute (--public-user-rate).
  std::size_t user_rate_per_minute = 10;
  /// Sockets one address may hold across /public-room/* at once
  /// (--public-max-conns-per-ip).
  std::size_t max_conns_per_ip = 2;
  /// A socket idle this long gets a `ping` event (--public-ping-interval).
  std::chrono::milliseconds ping_interval{std::chrono::minutes{5}};
  /// Pings in a row without a `pong` before CONNECTION_TIMEOUT
  /// (--public-max-missed-pings).
  std::size_t max_missed_pings = 3;
  /// Per-address socket entries older than this are dropped as stale.
  std::chrono::milliseconds stale_after{std::chrono::hours{1}};
  /// Key of the addresses' keyed hash (HMAC-SHA256); the server's secret.
  std::string hash_key;
  /// The largest capacity a room may have.
  std::int32_t max_capacity = 10000;

  std::string validate() const;
};

} // namespace proctord

namespace proctord {

/// Connection state recovery on the Socket.IO domains that offer it.
struct recovery_config {
  /// How long after a drop a socket may recover (--sio-recovery-window).
  std::chrono::milliseconds window{std::chrono::minutes{2}};
  /// The most missed events one recovery replays; further back, the
  /// socket connects afresh.
  std::size_t max_replay = 10000;
};

/// The collaborative sessions (seed 003).
struct session_config {
  protocol::token_config tokens;
  recovery_config recovery;
  /// At most one cursor-moved per user this often, the latest
  /// (--session-cursor-interval).
  std::chrono::milliseconds cursor_interval{50};
  /// A session in which no connected participant was active this long is
  /// closed (--session-idle-close).
  std::chrono::milliseconds idle_close{std::chrono::minutes{30}};
  /// Events a socket may send: a token bucket (RATE_LIMITED beyond it).
  double rate_per_second = 50;
  double rate_burst = 100;

  std::string validate() const;
};

/// The exams (seed 004).
struct exam_config {
  protocol::token_config tokens;
  recovery_config recovery;
  /// time-update to students and teachers this often
  /// (--exam-time-update-interval).
  std::chrono::milliseconds time_update_interval{std::chrono::seconds{5}};
  /// Events a socket may send: a token bucket (RATE_LIMITED beyond it).
  double rate_per_second = 20;
  double rate_burst = 40;
  /// The longest exam (durationMinutes / durationSeconds), in seconds.
  std::int64_t max_duration_s = 7 * 24 * 3600;
  /// The most questions an exam may have.
  std::int32_t max_questions = 10000;

  std::string validate() const;
};

} // namespace proctord
