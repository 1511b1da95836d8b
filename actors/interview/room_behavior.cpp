// The interview room's behavior: which subject each command waits for,
// then the step that handles it (room.cpp, room_proctoring.cpp,
// room_presence.cpp).

#include "actors/interview/room_steps.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>

namespace proctord::interview {

using namespace room_support;
using protocol::room_status;

room_actor::behavior_type behavior(self_ptr self) {
  auto& log = self->state.log;
  return {
    [=, &log](caller& c, cmd::join_room&) {
      log.when_free(about(c.user_id), [=] { on_join(self, c); });
    },
    [=, &log](caller& c, cmd::approve_join& a) {
      log.when_free(about(a.user_id), [=] { on_approve(self, c, a); });
    },
    [=, &log](caller& c, cmd::start_room&) {
      log.when_free(about_room, [=] { on_start(self, c); });
    },
    [=, &log](caller& c, cmd::leave_room&) {
      log.when_free(about(c.user_id), [=] { on_leave(self, c); });
    },
    [=, &log](caller& c, cmd::end_room&) {
      log.when_free(about_room, [=] {
        if (require_host(self, c, "END_ROOM", "end the room"))
          end_room(self, evt::end_reason::host);
      });
    },
    [=](caller& c, cmd::get_room_status&) {
      constexpr std::string_view rt = "GET_ROOM_STATUS";
      if (reject_if_ended(self, c, rt))
        return;
      if (auto m = seat_of(self, c))
        send_to(m->place, self->state.room_id(), status_view(self, *m));
      else
        error_to(self, c, error_code::not_in_room, "you are not in this room",
                 rt);
    },
    [=, &log](caller& c, cmd::proctor_signal& s) {
      log.when_free(about(c.user_id), [=] { on_signal(self, c, s); });
    },
    [=](caller& c, cmd::code_change& cc) { on_code(self, c, cc); },
    [=, &log](caller& c, cmd::submit_code& s) {
      log.when_free(about(c.user_id), [=]() mutable { on_submit(self, c, s); });
    },
    [=, &log](caller& c, cmd::kick_user& k) {
      log.when_free(about(k.user_id), [=] { on_kick(self, c, k); });
    },
    [=](caller& c, cmd::announce& a) { on_announce(self, c, a); },
    [=, &log](caller& c, cmd::resume& r) {
      log.when_free(about(c.user_id), [=] { on_resume(self, c, r); });
    },
    [=, &log](deadline_atom, std::uint64_t generation) {
      log.when_free(about_room, [=] {
        auto& st = self->state;
        if (generation == st.deadline_generation
            && st.status == room_status::live)
          end_room(self, evt::end_reason::time_up);
      });
    },
    [=](code_atom, std::string& user_id) { on_code_window(self, user_id); },
    [=, &log](linger_atom) {
      // Not before the end is on disk: a restart must not revive the room.
      if (log.in_flight() > 0 || self->state.end_unsaved)
        self->delayed_send(self, std::chrono::seconds{1}, linger_atom::value);
      else
        self->quit();
    },
    [=](persist_atom) { persist_end(self); },
    [=, &log](presence_atom, std::string& user_id, std::uint64_t absence) {
      log.when_free(about(user_id),
                    [=] { on_grace_over(self, user_id, absence); });
    },
  };
}

void init(self_ptr self, room_config cfg, storage store,
          std::string room_id) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.log.room_id = std::move(room_id);
  st.log.publish = [self](const journal_entry& e) { publish(self, e); };
  self->set_down_handler([=](caf::down_msg& dm) {
    // A member's connection: whoever it was, it waits for that member's
    // commits like any other command about the member.
    on_down(self, dm);
  });
}

} // namespace proctord::interview
