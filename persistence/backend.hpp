#pragma once
// The store interface. One implementation per database; only the store actor
// (actors/store.cpp) holds one. Methods throw store_error on failure; the
// store actor catches it, so no exception crosses an actor boundary.

#include "persistence/records.hpp"

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
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
};

/// Opens (creating and migrating as needed) a SQLite database at `path` in
/// WAL mode. Throws store_error when it cannot.
std::unique_ptr<backend> open_sqlite(const std::string& path,
                                     sync_mode sync = sync_mode::normal);

} // namespace proctord::persistence
