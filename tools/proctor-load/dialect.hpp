#pragma once
// A dialect is what a load connection says and how it reads what comes
// back. The driver (driver.cpp) owns sockets, timers, pacing and figures; a
// dialect session owns the conversation of one connection. Each dialect the
// server speaks (native, contest, socketio, sio-session, sio-exam; probe, the
// kernel probe of tools/bench) is one more implementation of these two
// classes, registered in make_dialect(). This header knows neither Asio nor
// Beast.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scenario.hpp"

namespace proctord::load {

enum class role { host, participant };

enum class action { heartbeat, announce, code_change, violation, submit, cursor };

/// What the figures are kept by. `tick`: a contest timer_update's receipt
/// (realtime) against its due time.
enum class latency_kind { delivery, ack, handshake, join, reconnect, tick };

/// Deliveries a client can count on, for the loss figures: what was sent
/// (expected) against what arrived (delivered).
enum class tally {
  announcement,       // ANNOUNCE → every member in the room
  code_update,        // CODE_CHANGE → host (coalesced: no loss figure)
  submission_ack,     // SUBMIT_CODE → SUBMISSION_RECEIVED
  submission_to_host, // SUBMIT_CODE → USER_SUBMITTED
  violation,          // FULLSCREEN_EXIT / TAB_BLUR → VIOLATION_DETECTED
  // The contest dialect:
  answer_ack,     // submit_answer → submission_result
  answer_refused, // submit_answer → error (counted, no loss figure)
  question,       // question_broadcast, totalQuestions per participant
  timer_tick,     // timer_update, timeLimit per question seen
  leaderboard,    // leaderboard_update (batched: no loss figure)
  contest_end,    // contest_end, one per participant
  // The Socket.IO dialect:
  room_broadcast, // admin broadcast → every socket joined in the room
  presence,       // user-joined / user-left (counted, no loss figure)
  // The sessions' Socket.IO dialect (sio-session):
  cursor_moved, // cursor-update → the others in the session (coalesced)
  user_joined,  // user-joined (counted, no loss figure)
  // The exams' Socket.IO dialect (sio-exam); its acks are answer_ack and
  // answer_refused:
  answer_submitted, // submit-answer → answer-submitted to the student
  progress_update,  // submit-answer → progress-update to each monitor
  time_update,      // time-update (live, periodic: no loss figure)
};
constexpr std::size_t tally_count = 18;
std::string_view name_of(tally t) noexcept;
/// False for what is counted but cannot be lost (coalesced, batched).
bool has_loss_figure(tally t) noexcept;

/// What a room's connections share (they may run on different threads).
struct room_slot {
  std::size_t index = 0;
  std::atomic<bool> ready{false}; // room_id is set
  std::mutex mutex;
  std::string room_id; // written once, under mutex, before ready = true
  /// Host + approved, connected participants, as the host last heard it.
  /// (Socket.IO: this tool's sockets joined in the room.)
  std::atomic<std::int64_t> audience{0};
  /// Per user_index, when a run step creates the room's users (Socket.IO:
  /// anonymous users over HTTP); written before publish().
  std::vector<std::string> user_ids;
  /// The native dialect's violations in flight: per candidate's user id,
  /// the send times (now_ns) of the FULLSCREEN_EXIT / TAB_BLUR the host has
  /// not yet seen as VIOLATION_DETECTED, oldest first. A candidate's
  /// violations reach its host in the order it sent them, so the host takes
  /// the oldest for each one it receives (the candidate → host latency).
  std::mutex violations_mutex;
  std::unordered_map<std::string, std::deque<std::int64_t>> violations_sent;

  void violation_sent(const std::string& user, std::int64_t at) {
    std::lock_guard<std::mutex> guard{violations_mutex};
    violations_sent[user].push_back(at);
  }
  /// The oldest send time of `user`'s violations in flight (removed), or -1.
  std::int64_t violation_seen(std::string_view user) {
    std::lock_guard<std::mutex> guard{violations_mutex};
    auto it = violations_sent.find(std::string(user));
    if (it == violations_sent.end() || it->second.empty())
      return -1;
    auto at = it->second.front();
    it->second.pop_front();
    return at;
  }
  /// A refused violation of `user`: its latest send time is dropped.
  void violation_refused(const std::string& user) {
    std::lock_guard<std::mutex> guard{violations_mutex};
    auto it = violations_sent.find(user);
    if (it != violations_sent.end() && !it->second.empty())
      it->second.pop_back();
  }

  std::string user_id(std::size_t user_index) {
    std::lock_guard<std::mutex> guard{mutex};
    return user_index < user_ids.size() ? user_ids[user_index] : std::string{};
  }

  std::string id() {
    std::lock_guard<std::mutex> guard{mutex};
    return room_id;
  }
  void publish(std::string id) {
    {
      std::lock_guard<std::mutex> guard{mutex};
      room_id = std::move(id);
    }
    ready.store(true, std::memory_order_release);
  }
};

/// The driver's side of one connection, as a dialect session sees it.
class session_io {
public:
  virtual ~session_io() = default;
  /// Queues a text frame.
  virtual void send(std::string frame) = 0;
  /// Nanoseconds on the monotonic clock that every process on this
  /// machine shares (what stamps carry).
  virtual std::int64_t now_ns() const = 0;
  virtual void record(latency_kind kind, std::int64_t ns) = 0;
  /// A server error or a refusal, by stable code ("ERROR:RATE_LIMITED").
  virtual void error(std::string_view kind) = 0;
  /// The connection is in its room and may start its actions.
  virtual void in_room() = 0;
  /// Expected deliveries, for the loss figures.
  virtual void expect(tally what, std::int64_t n) = 0;
  virtual void delivered(tally what) = 0;
  /// Microseconds since the Unix epoch on the realtime clock, which the
  /// server's timestamps and other processes share.
  virtual std::int64_t wall_us() const = 0;
  /// Does `a` once, `delay_ns` from now (while the run is active), e.g.
  /// an answer after a think time.
  virtual void after(std::int64_t delay_ns, action a) = 0;
  /// A contest timer tick arrived at `at_us`; it was due at `due_us`.
  virtual void timer_tick(std::string_view question_id, std::int32_t remaining,
                          std::int64_t due_us, std::int64_t at_us)
    = 0;
  /// For a dialect whose handshake ends in the conversation
  /// (dialect::handshake_in_session()): it ends now. Records the handshake
  /// latency from the TCP connect and counts it for handshakes/s.
  virtual void handshake_done() = 0;
};

struct client_spec {
  role who = role::participant;
  std::size_t user_index = 0; // within the room
  room_slot* room = nullptr;
  std::string user_id;
  std::string name;
  const scenario* plan = nullptr;
  /// The local address this connection binds (--source-addresses); empty:
  /// any.
  std::string source{};
  /// Its token (HS256, role dialect::role_claim(who)), for a dialect that
  /// sends it in the conversation rather than in target().
  std::string token{};
};

class dialect_session {
public:
  virtual ~dialect_session() = default;
  /// The WebSocket is open (first time, or again after a drop).
  virtual void on_open(session_io& io, bool reconnect) = 0;
  virtual void on_text(session_io& io, std::string_view frame) = 0;
  /// A scheduled action is due. Returns false if it cannot be done now.
  virtual bool act(session_io& io, action a) = 0;
};

/// An answer of the server's HTTP API; status 0 (and `error`) when the
/// request did not get one.
struct http_reply {
  int status = 0;
  std::string body;
  std::string error;
};

/// The server's HTTP API as a dialect's run steps see it
/// (http_client.cpp; the tests fake it).
class http_api {
public:
  virtual ~http_api() = default;
  /// `body` is JSON (empty: none); `bearer` a token (empty: none).
  virtual http_reply call(std::string_view method, const std::string& target,
                          const std::string& bearer, const std::string& body)
    = 0;
};

/// What a dialect's run steps may use. Main thread only, except where
/// said.
struct run_context {
  const scenario& plan;
  http_api& http;
  std::vector<room_slot>& rooms;
  std::string admin_token; // HS256, role "admin"
  /// Every connection's spec, in the driver's order.
  std::vector<const client_spec*> clients{};
  /// A keep-alive HTTP API from the local address `source` (empty: any),
  /// for use on one thread at a time (any thread).
  std::function<std::unique_ptr<http_api>(const std::string& source)> http_from{};
  // The run's figures, for work a run step does itself (any thread).
  std::function<void(tally, std::int64_t)> expect{};
  std::function<void(latency_kind, std::int64_t)> record{};
  std::function<void(std::string_view)> error{};
};

class dialect {
public:
  virtual ~dialect() = default;
  virtual std::string_view name() const = 0;
  /// Empty if the scenario suits this dialect, else why not.
  virtual std::string check(const scenario& s) const = 0;
  /// The request target for the upgrade, e.g. "/ws?token=...".
  virtual std::string target(const scenario& s, const std::string& token) const
    = 0;
  virtual std::unique_ptr<dialect_session> make_session(client_spec spec) const
    = 0;
  /// The `role` claim of a connection's token ("host", "participant": the
  /// native door reads none; the sessions' and exams' doors do).
  virtual std::string role_claim(role who) const {
    return who == role::host ? "host" : "participant";
  }

  // Run steps, on the main thread. The native dialect needs none.

  /// Before the first connection, e.g. create a contest and publish its id
  /// to the room slots (which releases the participants in the ramp).
  /// Throws std::runtime_error to stop the run (nothing has started yet).
  virtual void before_ramp(run_context&) {}
  /// Every connection is in its room or has failed: `in` of `target`.
  virtual void after_ramp(run_context&, std::uint64_t /*in*/,
                          std::uint64_t /*target*/) {}
  /// The measured window starts (latencies are recorded from now on).
  /// Returns why it failed (the window then ends at once), empty if not.
  virtual std::string window_starts(run_context&) { return {}; }
  /// The measured window has ended (also after window_starts failed).
  virtual void window_ends(run_context&) {}
  /// True if a connection's handshake ends in the conversation (the
  /// session calls session_io::handshake_done()), not at the upgrade.
  virtual bool handshake_in_session() const { return false; }
  /// If set, the window ends (before durationSeconds) once every
  /// connection that got into its room has delivered this tally once.
  virtual std::optional<tally> ends_with() const { return std::nullopt; }
};

/// nullptr for an unknown dialect name.
std::unique_ptr<dialect> make_dialect(std::string_view name);

/// Payload stamps: the sender writes "~t<ns>~" into text the server relays
/// verbatim; every receiver finds it and records publish-to-receive time.
std::string stamped_text(std::int64_t now_ns, std::size_t bytes);
/// The stamp inside a frame, or -1.
std::int64_t find_stamp(std::string_view frame) noexcept;

} // namespace proctord::load
