#include "actors/contest/contests.hpp"

#include "actors/contest/wall_clock.hpp"
#include "actors/gateway.hpp" // make_uuid

#include <spdlog/spdlog.h>

namespace proctord {

namespace {

using self_ptr = contests_actor::stateful_pointer<contests_state>;

void keep(self_ptr self, const std::string& id, contest_actor c) {
  self->monitor(c);
  self->state.ids_by_addr.emplace(c.address(), id);
  self->state.live.emplace(id, std::move(c));
}

} // namespace

contests_actor::behavior_type
contests(contests_actor::stateful_pointer<contests_state> self,
         contest_config cfg, storage store,
         std::vector<persistence::contest_snapshot> restore) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  for (auto& snap : restore) {
    auto id = snap.contest.contest_id;
    keep(self, id,
         self->system().spawn(contest_restored, st.cfg, st.store,
                              std::move(snap)));
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.ids_by_addr.find(dm.source);
    if (i == st.ids_by_addr.end())
      return;
    if (!st.stopping)
      spdlog::error("contest {} stopped: {}", i->second,
                    caf::to_string(dm.reason));
    st.live.erase(i->second);
    st.ids_by_addr.erase(i);
    if (st.stopping && st.live.empty())
      self->quit(caf::exit_reason::user_shutdown);
  });
  // Shutdown: stop every contest first, so that what they sent the store is
  // in its mailbox before it exits.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.live.empty()) {
      self->quit(msg.reason);
      return;
    }
    st.stopping = true;
    for (auto& [id, c] : st.live)
      self->send_exit(c, msg.reason);
  });
  return {
    [=](create_atom, protocol::contest::contest_def& def,
        std::string& created_by) -> caf::result<std::string> {
      auto& st = self->state;
      std::string id;
      do {
        id = make_uuid();
      } while (st.live.count(id));
      auto now = contest::wall_clock::system_now_ms();
      auto rp = self->make_response_promise<std::string>();
      auto ws = contest_rows(id, def, created_by, now);
      self->request(st.store.writer, caf::infinite, std::move(ws))
        .then(
          [=](committed_atom) mutable {
            auto& st = self->state;
            keep(self, id,
                 self->system().spawn(contest_new, st.cfg, st.store, id,
                                      std::move(def), created_by, now));
            rp.deliver(id);
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](lookup_atom, const std::string& id) -> caf::result<contest_actor> {
      auto& st = self->state;
      if (auto i = st.live.find(id); i != st.live.end())
        return i->second;
      return make_error(protocol::error_code::room_not_found);
    },
  };
}

} // namespace proctord
