#pragma once
// What every door does the same way: the per-connection rate limit with its
// flood cut-off, and the end of a session (the socket leaves the registry,
// the connection actor is told; quietly while the server drains).

#include "actors/core/relay.hpp"
#include "actors/gateway.hpp" // token_bucket
#include "actors/messages.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <cstdint>

namespace proctord {

/// A token bucket per connection; a client that goes on flooding this many
/// frames past it in a row is closed (1008).
class flood_guard {
public:
  static constexpr int max_dropped_in_a_row = 200;

  enum class verdict { pass, drop, close };

  flood_guard(double rate, double burst) : bucket_(rate, burst) {
  }

  verdict take() {
    using namespace std::chrono;
    auto now = duration<double>(steady_clock::now().time_since_epoch()).count();
    if (bucket_.take(now)) {
      dropped_ = 0;
      return verdict::pass;
    }
    return ++dropped_ > max_dropped_in_a_row ? verdict::close : verdict::drop;
  }

private:
  token_bucket bucket_;
  int dropped_ = 0;
};

/// The session of `conn_id` closed: its socket leaves the registry and its
/// connection actor quits (rooms and contests monitor it). While the server
/// drains it is stopped with user_shutdown: a restart is no departure.
template <class Handle>
void end_session(socket_registry& sockets, std::uint64_t conn_id,
                 bool draining, const Handle& conn) {
  sockets.remove(conn_id);
  if (draining)
    caf::anon_send_exit(conn, caf::exit_reason::user_shutdown);
  else
    caf::anon_send(conn, closed_atom::value);
}

} // namespace proctord
