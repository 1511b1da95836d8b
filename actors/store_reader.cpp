#include "actors/store_reader.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace proctord {

store_reader_actor::behavior_type
store_reader(store_reader_actor::stateful_pointer<store_reader_state> self,
             std::shared_ptr<persistence::event_reader> db) {
  // Only this actor's thread uses the connection from here on.
  self->state.db = std::move(db);
  return {
    [self](events_atom, const persistence::replay_query& q)
      -> caf::result<persistence::replay_page> {
      try {
        auto page = self->state.db->replay(q);
        ++self->state.replays;
        spdlog::debug("store_reader replays {} events of room {} to {}{}",
                      page.events.size(), q.room_id, q.user_id,
                      page.complete ? "" : " (incomplete)");
        return page;
      } catch (const std::exception& e) {
        spdlog::error("store_reader fails to read events of room {}: {}",
                      q.room_id, e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
  };
}

caf::expected<store_reader_actor> spawn_store_reader(caf::actor_system& sys,
                                                     const std::string& path) {
  std::shared_ptr<persistence::event_reader> db;
  try {
    db = persistence::open_sqlite_reader(path);
  } catch (const std::exception& e) {
    spdlog::error("store_reader cannot open {}: {}", path, e.what());
    return make_error(protocol::error_code::store_unavailable);
  }
  spdlog::info("store_reader opens {} read-only", path);
  return sys.spawn<caf::detached>(store_reader, std::move(db));
}

} // namespace proctord
