#pragma once
// What the two Socket.IO domains with connection state recovery share (the
// collaborative sessions and the exams): who a socket is, its private
// session id (pid), and each room's event log.
//
// Recovery (Socket.IO v4's protocol, backed by the store so that it also
// works after a restart):
//   - CONNECT is answered {sid, pid}. The pid is stored when the socket is
//     seated in a room (a session, or an exam as a student or a monitor).
//   - Every logged event is sent with its seq as the last argument (a JSON
//     string: the offset). Live-only events (cursor-moved, time-update)
//     carry none and are not logged.
//   - A client that comes back sends {pid, offset} in its CONNECT auth. If
//     the pid is known, its user is the token's, and it dropped less than
//     `window` ago, the room answers CONNECT with the old sid and the same
//     pid (the client sees `recovered === true`), sends every logged event
//     after the offset that was addressed to it, in order, then shows the
//     user back to the others. Otherwise the socket connects afresh.
//
//   domain directory: authenticate() → pid_table::claim() → room: restore
//   room: live_log::append() into the write set → commit → committed() →
//         send (to_emit(), to each socket addressed() and not yet past it)

#include "actors/socketio/interfaces.hpp"
#include "persistence/live_records.hpp"
#include "protocol/socketio/messages.hpp"
#include "protocol/token.hpp"

#include <caf/meta/type_name.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace proctord::protocol {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, identity& x) {
  return f(caf::meta::type_name("identity"), x.user_id, x.name, x.role);
}

} // namespace proctord::protocol

namespace proctord {

/// A socket of a live domain, once authenticated: where it is, who its
/// token says it is, its socket id and pid.
struct live_socket {
  sio_from from;
  sio_connection_actor conn;
  protocol::identity who;
  std::string sid;
  std::string pid;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_socket& x) {
  return f(caf::meta::type_name("live_socket"), x.from, x.conn, x.who, x.sid,
           x.pid);
}

/// A CONNECT to a live domain, read: the token's identity, and the pid and
/// offset the client sent to recover (empty / nullopt when it sent none or
/// sent them malformed).
struct live_hello {
  protocol::identity who;
  std::string pid;
  std::optional<std::int64_t> offset;
};

/// Reads a CONNECT: the token from `auth.token`, else the handshake's
/// `?token=`; nullopt when there is none or it does not verify (the domain
/// then refuses with "UNAUTHORIZED").
std::optional<live_hello> authenticate(const sio_join& j,
                                       const protocol::token_config& tokens);

/// A fresh pid: 128 random bits, URL-safe.
std::string new_pid();

/// The pids of one domain, kept by its directory: which room and user each
/// belongs to, and whether its socket is connected.
class pid_table {
public:
  struct entry {
    std::string room_id;
    std::string user_id;
    std::string sid;
    bool monitor = false;
    bool connected = true;
    std::int64_t disconnected_at = 0;
  };

  /// Loads the stored pids of `domain`; those stored as connected dropped
  /// when the previous run ended, taken to be `now`.
  void load(const std::vector<persistence::live_pid_record>& rows,
            std::string_view domain, std::int64_t now);

  /// A pid a socket of `user_id` may recover: known, of that user, and
  /// dropped no longer than `window` ago. The entry is then connected again
  /// (a second claim of the same pid fails until it drops).
  std::optional<entry> claim(const std::string& pid, const std::string& user_id,
                             std::int64_t now, std::chrono::milliseconds window);

  /// A socket was seated (or re-seated) in a room.
  void seated(const std::string& pid, entry e);
  /// Its socket dropped at `at`: recoverable for `window` from then.
  void dropped(const std::string& pid, std::int64_t at);
  /// It left on purpose (or its room is gone): no longer recoverable.
  void forget(const std::string& pid);
  /// Forgets the pids that dropped more than `window` before `now`, and
  /// returns them (to be deleted from the store).
  std::vector<std::string> expire(std::int64_t now,
                                  std::chrono::milliseconds window);

  const entry* find(const std::string& pid) const;
  std::size_t size() const noexcept { return pids_.size(); }

private:
  std::unordered_map<std::string, entry> pids_;
};

/// The row that stores a pid's state (for the write set).
persistence::live_pid_record pid_row(std::string_view domain,
                                     const std::string& pid,
                                     const pid_table::entry& e);

/// Whether a logged event is for a socket of `user_id` (a monitor or not).
bool addressed(const persistence::live_event_record& e,
               std::string_view user_id, bool monitor);

/// The packet of a logged event: its wire form with the seq as offset.
protocol::socketio::out::emit to_emit(const persistence::live_event_record& e);

/// A room's event log: numbers its events, and keeps the last committed
/// ones in memory so that a recovery of a recent drop needs no store read.
class live_log {
public:
  live_log(std::string domain, std::string room_id, std::int64_t last_seq,
           std::size_t keep = 4096);

  /// Numbers a new event and adds it to `ws`; returns a copy to hand to
  /// committed() once `ws` is committed.
  persistence::live_event_record
  append(persistence::write_set& ws, persistence::live_audience to,
         std::string user_id, std::string_view name, std::string args,
         std::int64_t at);

  /// An appended event is committed: kept in memory for recoveries.
  void committed(const persistence::live_event_record& e);

  /// The committed events after `offset`, from memory; nullopt when some of
  /// them are no longer held (then read the store: live_replay_query).
  std::optional<std::vector<persistence::live_event_record>>
  since(std::int64_t offset) const;

  /// The seq of the last event appended (committed or not).
  std::int64_t last_seq() const noexcept { return next_seq_ - 1; }
  /// The seq of the last event committed.
  std::int64_t committed_seq() const noexcept { return committed_seq_; }
  const std::string& domain() const noexcept { return domain_; }
  const std::string& room_id() const noexcept { return room_id_; }

  /// A query for the store: this room's events after `offset`.
  persistence::live_replay_query query(std::int64_t offset) const;

private:
  std::string domain_;
  std::string room_id_;
  std::int64_t next_seq_;
  std::int64_t committed_seq_;
  /// The first seq held in `recent_` is recent_.front().seq; everything
  /// committed after `floor_` is held.
  std::int64_t floor_;
  std::size_t keep_;
  std::deque<persistence::live_event_record> recent_;
};

} // namespace proctord
