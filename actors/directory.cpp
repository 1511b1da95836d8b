#include "actors/directory.hpp"

#include "actors/interview/room.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

namespace proctord {

std::string make_room_id(std::mt19937_64& rng) {
  static constexpr char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<std::size_t> pick{0, sizeof(alphabet) - 2};
  std::string id(6, ' ');
  for (auto& ch : id)
    ch = alphabet[pick(rng)];
  return id;
}

directory_actor::behavior_type
directory(directory_actor::stateful_pointer<directory_state> self,
          room_config room_cfg, storage store,
          std::vector<std::string> ended,
          std::vector<persistence::room_snapshot> restore) {
  auto& st = self->state;
  st.room_cfg = std::move(room_cfg);
  st.store = std::move(store);
  st.ended.insert(ended.begin(), ended.end());
  for (auto& snap : restore) {
    auto id = snap.room.room_id;
    auto r = self->system().spawn(restored_room, st.room_cfg, st.store,
                                  std::move(snap));
    self->monitor(r);
    st.live.emplace(id, r);
    st.ids_by_addr.emplace(r.address(), id);
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.ids_by_addr.find(dm.source);
    if (i == st.ids_by_addr.end())
      return;
    spdlog::debug("directory retires room {}", i->second);
    st.live.erase(i->second);
    st.ended.insert(i->second);
    st.ids_by_addr.erase(i);
    if (st.stopping && st.live.empty())
      self->quit(caf::exit_reason::user_shutdown);
  });
  // Shutdown: stop every room, and exit once all of them are gone, so that
  // everything they sent the store is in its mailbox.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.live.empty()) {
      self->quit(msg.reason);
      return;
    }
    for (auto& [id, r] : st.live)
      self->send_exit(r, msg.reason);
    st.stopping = true;
  });
  return {
    [=](caller& c, protocol::cmd::create_room& spec) -> room_actor {
      auto& st = self->state;
      std::string id;
      do {
        id = make_room_id(st.rng);
      } while (st.live.count(id) || st.ended.count(id));
      auto r = self->system().spawn(room, st.room_cfg, st.store, id,
                                    std::move(c), std::move(spec));
      self->monitor(r);
      st.live.emplace(id, r);
      st.ids_by_addr.emplace(r.address(), id);
      return r;
    },
    [=](lookup_atom, const std::string& id) -> caf::result<room_actor> {
      auto& st = self->state;
      if (auto i = st.live.find(id); i != st.live.end())
        return i->second;
      if (st.ended.count(id))
        return make_error(protocol::error_code::room_ended);
      return make_error(protocol::error_code::room_not_found);
    },
  };
}

} // namespace proctord
