#pragma once
// Options of the actors, with defaults. Each config validates itself; an
// actor refuses to start with an invalid one.

#include "protocol/native_codec.hpp"
#include "protocol/token.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace proctord {

struct room_config {
  /// At most one CODE_UPDATE per participant per interval towards the host.
  std::chrono::milliseconds code_change_interval{200};
  /// How long an ended room keeps answering ROOM_ENDED before it exits.
  std::chrono::seconds linger{30};
  /// How long after a dropped connection RESUME replays what was missed;
  /// later it answers RESYNC_REQUIRED with a snapshot.
  std::chrono::milliseconds resume_grace{std::chrono::minutes{2}};
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

} // namespace proctord
