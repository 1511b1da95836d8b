#pragma once
// The store reader: replays off the commit path. It owns a second,
// read-only SQLite connection (persistence::open_sqlite_reader) and answers
// replay queries with the events addressed to one member, filtered and
// bounded in SQL, while the store actor keeps the writer connection for
// commits only.

#include "actors/interfaces.hpp"
#include "persistence/backend.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <string>

namespace proctord {

struct store_reader_state {
  static constexpr const char* name = "store_reader";
  std::shared_ptr<persistence::event_reader> db;
  std::uint64_t replays = 0;
};

/// Spawn detached (spawn_store_reader does): a read may wait for the disk,
/// and must not take one of the scheduler's workers. Payloads come in
/// protocol::event_log's encoding, user_submitted with its code.
store_reader_actor::behavior_type
store_reader(store_reader_actor::stateful_pointer<store_reader_state> self,
             std::shared_ptr<persistence::event_reader> db);

/// Opens the read-only connection to `path` (which open_sqlite has already
/// created and migrated) and spawns the reader with caf::detached. An error
/// (STORE_UNAVAILABLE, logged) when the connection cannot be opened.
caf::expected<store_reader_actor> spawn_store_reader(caf::actor_system& sys,
                                                     const std::string& path);

} // namespace proctord
