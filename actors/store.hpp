#pragma once

#include "actors/interfaces.hpp"
#include "persistence/backend.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace proctord {

struct store_state {
  static constexpr const char* name = "store";
  std::shared_ptr<persistence::backend> db;
  /// Write sets received since the last commit, with who waits for them.
  std::vector<std::pair<persistence::write_set,
                        caf::typed_response_promise<committed_atom>>>
    pending;
  bool flush_scheduled = false;
  std::uint64_t transactions = 0;
  std::uint64_t write_sets = 0;
};

/// Spawn detached: a commit blocks on the disk, and must not block a
/// scheduler worker that rooms need.
///
/// Group commit: a write set is queued and a flush message sent to self; all
/// write sets already in the mailbox arrive before that flush, so under load
/// one transaction carries many of them. Each requester is answered after
/// COMMIT returns, never before.
///
/// The event log holds protocol::event_log's encoding, staged by the rooms
/// (actors/core/journal.hpp). Replays read through the store reader
/// (actors/store_reader.hpp), never here.
store_actor::behavior_type
store(store_actor::stateful_pointer<store_state> self,
      std::shared_ptr<persistence::backend> db);

} // namespace proctord
