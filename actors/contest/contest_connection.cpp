#include "actors/contest/contest_connection.hpp"

#include "actors/contest/wall_clock.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace proctord {

namespace {

namespace pc = protocol::contest;
using self_ptr
  = contest_connection_actor::stateful_pointer<contest_connection_state>;

/// Sends `cmd` to the contest `id`, finding it first if need be. The lookup
/// is awaited: later commands wait, so a contest sees this connection's
/// commands in the order they came.
template <class Command>
void forward(self_ptr self, const std::string& id, Command cmd) {
  auto& st = self->state;
  if (auto i = st.known.find(id); i != st.known.end()) {
    self->send(i->second, st.me, std::move(cmd));
    return;
  }
  self->request(st.contests, caf::infinite, lookup_atom::value, id)
    .await(
      [=](contest_actor& c) mutable {
        auto& st = self->state;
        // A connection talks to few contests; forget the oldest past that.
        if (st.known.size() >= 16)
          st.known.erase(st.known.begin());
        st.known.emplace(id, c);
        self->send(c, st.me, std::move(cmd));
      },
      [=](caf::error&) {
        auto& st = self->state;
        if (st.me.relay)
          caf::anon_send(
            st.me.relay,
            contest_envelope{id,
                             {recipient{st.me.conn_id, 0}},
                             pc::evt::error{pc::error_code::contest_not_found,
                                            "no contest " + id,
                                            contest::wall_clock::system_now_ms()},
                             {}});
      });
}

} // namespace

contest_connection_actor::behavior_type contest_connection(
  contest_connection_actor::stateful_pointer<contest_connection_state> self,
  contests_actor contests, relay_actor relay, std::uint64_t conn_id,
  std::string user_id, std::string username, bool observer) {
  auto& st = self->state;
  st.contests = std::move(contests);
  st.me.user_id = std::move(user_id);
  st.me.username = std::move(username);
  st.me.observer = observer;
  st.me.conn = caf::actor_cast<contest_connection_actor>(self);
  st.me.relay = std::move(relay);
  st.me.conn_id = conn_id;
  return {
    [=](pc::cmd::join_contest& c) {
      auto id = c.contest_id;
      forward(self, id, std::move(c));
    },
    [=](pc::cmd::submit_answer& c) {
      auto id = c.contest_id;
      forward(self, id, std::move(c));
    },
    [=](pc::cmd::resync& c) {
      auto id = c.contest_id;
      forward(self, id, std::move(c));
    },
    [=](closed_atom) {
      // Contests monitor this actor: quitting tells them.
      self->state.me.conn = nullptr;
      self->quit();
    },
  };
}

} // namespace proctord
