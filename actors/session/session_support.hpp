#pragma once
// What the parts of a session actor share (internal to actors/session/):
// writing to its sockets, its participants as the events show them, staging
// logged events, committing and then publishing them.

#include "actors/session/session.hpp"

#include <functional>

namespace proctord::session_detail {

namespace ps = protocol::session;
namespace sio = protocol::socketio;

inline constexpr std::string_view domain = "session";
inline constexpr std::string_view nsp = "/";

std::int64_t now(session_self self);

// -- writing to sockets --------------------------------------------------------

void send_to(session_self self, std::vector<recipient> to, sio::outgoing o);
/// An `error` to a socket; with its last seq as offset when it is seated.
void error_to(session_self self, const session_socket& s, ps::error_code code,
              std::string message);
/// The same for a socket the session does not hold (no offset).
void error_to(session_self self, const sio_from& f, ps::error_code code,
              std::string message);

// -- participants ----------------------------------------------------------------

/// The present participants, by joinedAt then userId.
std::vector<ps::participant> participants(session_self self);
/// The same once `remove_user` is gone and `add` (if any) is present.
std::vector<ps::participant> participants_after(session_self self,
                                                const ps::participant* add,
                                                const std::string& remove_user);
persistence::collab_participant_record
participant_row(session_self self, const ps::participant& p, bool removed);
persistence::live_pid_record pid_record(session_self self, const std::string& pid,
                                        const live_socket& s,
                                        std::int64_t disconnected_at);
persistence::live_pid_record removed_pid(const std::string& pid);
void tell_pid(session_self self, session_pid_update::op what,
              const std::string& pid, const std::string& user_id,
              const std::string& sid, std::int64_t at = 0);

// -- the log -----------------------------------------------------------------------

/// Staged events of one write set, to publish once it is committed.
using staged = std::vector<persistence::live_event_record>;

/// Encodes `e` and appends it to the log and to `ws`.
void stage(session_self self, persistence::write_set& ws, staged& out,
           persistence::live_audience to, const std::string& user_id,
           const ps::event& e);

/// Commits `ws`, waiting for it (nothing else runs meanwhile); then `ok`,
/// or `failed` after logging what failed.
void commit(session_self self, persistence::write_set ws, const char* what,
            std::function<void()> ok, std::function<void()> failed = {});

/// Committed events: kept in the log, and sent to every seated socket they
/// are addressed to that has not had them yet.
void publish(session_self self, const staged& events);

/// Sends `e` to one socket, unless it had it already.
void deliver(session_self self, session_socket& s,
             const persistence::live_event_record& e);

// -- sockets of a user -----------------------------------------------------------

/// The keys of the sockets of `user_id` in the session, but `except`.
std::vector<std::uint64_t> others_of(session_self self, const std::string& user_id,
                                     std::uint64_t except);
/// Their pid rows removed from `ws` (but `keep_pid`'s).
void stage_replaced(session_self self, persistence::write_set& ws,
                    const std::vector<std::uint64_t>& keys,
                    const std::string& keep_pid);
/// After the commit: each gets SESSION_REPLACED and is disconnected; its
/// pid (unless it is `keep_pid`) is forgotten.
void replace(session_self self, const std::vector<std::uint64_t>& keys,
             const std::string& keep_pid);

// -- the parts of the actor --------------------------------------------------------

/// A socket recovers its place (actors/session/session_restore.cpp).
void restore(session_self self, session_restore& r);
/// A restoring socket dropped before it was restored.
void drop_restoring(session_self self, std::uint64_t key);
/// Closes the session: session-closed to all, pids forgotten, the
/// directory told (actors/session/session_close.cpp). An empty `reason`:
/// a session that never opened ends quietly.
void close(session_self self, std::string reason);
/// Pids whose window is over: their away participants are gone for good.
void expire(session_self self, const std::vector<std::string>& pids);
/// Away participants that will not come back: their rows removed, and
/// user-left to the others when they did not hear it at the drop.
void remove_for_good(session_self self, const std::vector<std::string>& user_ids);

// -- idle ------------------------------------------------------------------------------

/// Re-evaluates whether the session is active; arms the idle check when it
/// just stopped being.
void check_idle(session_self self);

} // namespace proctord::session_detail
