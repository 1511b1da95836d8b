#pragma once
// The store interface. One implementation per database; only the store actor
// (actors/store.cpp) holds one. Methods throw store_error on failure; the
// store actor catches it, so no exception crosses an actor boundary.

#include "persistence/records.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::persistence {

class store_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

enum class sync_mode {
  normal, // WAL + synchronous=NORMAL: survives a process crash (kill -9)
  full,   // WAL + synchronous=FULL: also survives power loss
};

/// When the writer's WAL is copied back into the database file
/// (README.md, "Checkpoints"). Counted in WAL frames (one page each).
struct checkpoint_limits {
  /// New frames that wake the checkpointer's thread: a quarter of
  /// restart_frames. A longer round copies a page the writer dirtied again
  /// and again once (tools/bench/README.md, "The store alone").
  int wake_frames = 4000;
  /// Frames at which the writer itself checkpoints what the thread has not
  /// copied yet, so that the WAL starts over from its beginning (64 MiB of
  /// 4 KiB pages).
  int restart_frames = 16384;
};

class backend {
public:
  virtual ~backend() = default;

  /// Opens a transaction that groups several write sets (group commit).
  virtual void begin() = 0;
  /// Commits the transaction opened by begin().
  virtual void commit() = 0;
  /// Rolls back the transaction opened by begin(); never throws.
  virtual void rollback() noexcept = 0;

  /// Applies one write set inside the open transaction, atomically: when it
  /// throws, none of its rows are written and the transaction stays usable
  /// for the other write sets of the batch (a savepoint per write set).
  virtual void apply(const write_set& ws) = 0;

  // -- reads (recovery, admin, tests) ----------------------------------------

  virtual std::vector<room_record> load_rooms() = 0;
  virtual std::vector<member_record> load_members(const std::string& room_id)
    = 0;
  virtual std::vector<join_attempt_record>
  load_pending_join_attempts(const std::string& room_id) = 0;
  virtual bool room_exists(const std::string& room_id) = 0;

  /// Events of a room with seq > after_seq, in seq order, at most `limit`.
  virtual std::vector<event_record>
  load_events(const std::string& room_id, std::int64_t after_seq,
              std::size_t limit) = 0;
  /// The highest seq stored for a room, 0 if none.
  virtual std::int64_t last_seq(const std::string& room_id) = 0;
  /// Every idempotency key used in a room (submissions and violations).
  virtual std::vector<idempotency_record>
  load_idempotency_keys(const std::string& room_id) = 0;

  /// The events of a room addressed to one member, filtered in SQL and
  /// bounded (see replay_query). On this, the writing connection; the store
  /// reader uses event_reader's instead, off the commit path.
  virtual replay_page replay(const replay_query& q) = 0;

  /// Every contest row, by created_at.
  virtual std::vector<contest_record> load_contests() = 0;
  /// One contest with its questions, participants, answers and standings;
  /// store_error when there is no such contest.
  virtual contest_snapshot load_contest(const std::string& contest_id) = 0;

  /// Every public user, room and membership: users and rooms by created_at
  /// then id, members by room, joined_at then user.
  virtual study_snapshot load_study() = 0;

  /// Every open session and its participants, every exam, student sitting,
  /// answer and pid, and the last seq of each room log (seeds 003, 004).
  virtual live_snapshot load_live() = 0;
  /// A room log's events with seq > q.after_seq, in seq order, at most
  /// q.limit.
  virtual std::vector<live_event_record>
  load_live_events(const live_replay_query& q) = 0;
};

/// A read-only connection for replays: never takes the write lock, sees what
/// the writer has committed (WAL). One thread at a time, like backend.
class event_reader {
public:
  virtual ~event_reader() = default;
  /// As backend::replay, in one read transaction (a consistent snapshot).
  virtual replay_page replay(const replay_query& q) = 0;
};

/// Turns an event payload written by an older release into the current
/// encoding, or nothing when it cannot. The schema migration calls it for
/// every stored event; it comes from protocol/ (persistence/ does not link
/// protocol/): protocol::event_log::convert_legacy_native.
using payload_converter
  = std::function<std::optional<std::string>(std::string_view)>;

/// Opens (creating and migrating as needed) a SQLite database at `path` in
/// WAL mode. Throws store_error when it cannot. Migrating a file of schema
/// version 2 that holds events needs `convert`; if it is empty, or a stored
/// event cannot be converted, the open fails and the file is left as it was
/// (README.md, "Migrations").
std::unique_ptr<backend> open_sqlite(const std::string& path,
                                     sync_mode sync = sync_mode::normal,
                                     payload_converter convert = {},
                                     checkpoint_limits limits = {});

/// Opens a read-only connection (SQLITE_OPEN_READONLY) to a database that
/// open_sqlite() has already created and migrated, in WAL mode. Throws
/// store_error when the file is missing, not in WAL mode or of another
/// schema version.
std::unique_ptr<event_reader> open_sqlite_reader(const std::string& path);

} // namespace proctord::persistence
