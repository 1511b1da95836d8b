#include "actors/connection.hpp"

#include "actors/core/seats.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <variant>

namespace proctord {

namespace {

using self_ptr = connection_actor::stateful_pointer<connection_state>;
using protocol::error_code;
namespace cmd = protocol::cmd;
using phase = channel_seat::phase;

caller me(self_ptr self, channel_id ch) {
  auto& st = self->state;
  caller c;
  if (st.who) {
    c.user_id = st.who->user_id;
    c.username = st.who->name;
  }
  c.socket_id = st.socket_id;
  c.conn = caf::actor_cast<connection_actor>(self);
  c.relay = st.relay;
  c.conn_id = st.conn_id;
  c.channel = ch;
  return c;
}

void reply_error(self_ptr self, channel_id ch, error_code code,
                 std::string message, std::string_view rt) {
  proctord::reply_error(me(self, ch), {}, code, std::move(message), rt);
}

/// Establishes or confirms the connection's identity from `token`.
bool authenticate(self_ptr self, channel_id ch, const std::string& token,
                  std::string_view rt) {
  auto& st = self->state;
  if (token.empty()) {
    if (st.who)
      return true;
    reply_error(self, ch, error_code::unauthorized, "a token is required", rt);
    return false;
  }
  auto result = protocol::verify_token(token, *st.tokens);
  if (auto rejected = std::get_if<protocol::token_rejection>(&result)) {
    reply_error(self, ch, error_code::unauthorized,
                "invalid token: " + rejected->reason, rt);
    return false;
  }
  auto& id = std::get<protocol::identity>(result);
  if (st.who && st.who->user_id != id.user_id) {
    reply_error(self, ch, error_code::identity_mismatch,
                "this connection belongs to another user", rt);
    return false;
  }
  if (!st.who || st.who->name.empty())
    st.who = std::move(id);
  return true;
}

/// Whether channel `ch` may start joining `room_id` ("" for a new room): it
/// sits in no other room and no join is under way on it.
bool free_for(self_ptr self, channel_id ch, const std::string& room_id,
              std::string_view rt) {
  auto& seat = self->state.channels[ch];
  if (seat.at == phase::joining) {
    reply_error(self, ch, error_code::already_in_room,
                "a join is already in progress on this connection", rt);
    return false;
  }
  if (seat.at == phase::idle || (!room_id.empty() && seat.room_id == room_id))
    return true;
  reply_error(self, ch, error_code::already_in_room,
              "leave room " + seat.room_id + " first", rt);
  return false;
}

void start_joining(self_ptr self, channel_id ch, const std::string& room_id) {
  auto& seat = self->state.channels[ch];
  if (seat.at == phase::seated)
    return; // back into the same room (a host's JOIN_ROOM, a RESUME)
  seat.at = phase::joining;
  seat.room = nullptr;
  seat.room_id = room_id;
}

void stop_joining(self_ptr self, channel_id ch) {
  auto& seat = self->state.channels[ch];
  if (seat.at == phase::joining) {
    seat.at = phase::idle;
    seat.room = nullptr;
    seat.room_id.clear();
  }
}

std::string_view lookup_failure(error_code code) {
  return code == error_code::room_ended ? "the room has ended"
                                        : "no room with that id";
}

/// Looks `room_id` up and sends it `c` from the caller on `ch`.
template <class Command>
void join_via_directory(self_ptr self, channel_id ch, std::string room_id,
                        Command c, std::string_view rt) {
  start_joining(self, ch, room_id);
  self
    ->request(self->state.directory, caf::infinite, lookup_atom::value,
              room_id)
    .then(
      [=](const room_actor& r) {
        auto& seat = self->state.channels[ch];
        if (seat.at == phase::joining) {
          seat.room = r;
          self->monitor(r);
        }
        self->send(r, me(self, ch), c);
      },
      [=](caf::error& err) {
        stop_joining(self, ch);
        auto code = to_error_code(err);
        reply_error(self, ch, code, std::string{lookup_failure(code)}, rt);
      });
}

/// Forwards a command about the channel's current room.
template <class Command>
void forward(self_ptr self, channel_id ch, Command& c) {
  auto& st = self->state;
  auto rt = protocol::type_name(protocol::command{c});
  if (!st.who) {
    reply_error(self, ch, error_code::unauthorized,
                "join or create a room with a token first", rt);
    return;
  }
  auto& seat = st.channels[ch];
  bool seated = seat.at == phase::seated && seat.room;
  if (!seated && !seat.ended_room_id.empty()
      && (c.room_id.empty() || c.room_id == seat.ended_room_id)) {
    reply_error(self, ch, error_code::room_ended, "the room has ended", rt);
    return;
  }
  if (!seated || (!c.room_id.empty() && c.room_id != seat.room_id)) {
    reply_error(self, ch, error_code::not_in_room,
                c.room_id.empty() ? "join a room first"
                                  : "you are not in room " + c.room_id,
                rt);
    return;
  }
  self->send(seat.room, me(self, ch), std::move(c));
}

void on_create(self_ptr self, channel_id ch, cmd::create_room& c) {
  constexpr std::string_view rt = "CREATE_ROOM";
  if (!authenticate(self, ch, c.token, rt) || !free_for(self, ch, {}, rt))
    return;
  start_joining(self, ch, {});
  self->request(self->state.directory, caf::infinite, me(self, ch), c)
    .then(
      [=](const room_actor& r) {
        // The room seats us itself once it is committed.
        auto& seat = self->state.channels[ch];
        if (seat.at == phase::joining && !seat.room) {
          seat.room = r;
          self->monitor(r);
        }
      },
      [=](caf::error& err) {
        stop_joining(self, ch);
        reply_error(self, ch, to_error_code(err),
                    "the room could not be created", rt);
      });
}

void on_resume(self_ptr self, channel_id ch, cmd::resume& c) {
  constexpr std::string_view rt = "RESUME";
  auto& st = self->state;
  // The resume token is the authority here: signed by us, bound to one user
  // in one room.
  auto claims = protocol::verify_resume_token(c.resume_token, *st.tokens);
  if (!claims) {
    reply_error(self, ch, error_code::unauthorized, "invalid resume token", rt);
    return;
  }
  if (st.who && st.who->user_id != claims->user_id) {
    reply_error(self, ch, error_code::identity_mismatch,
                "this connection belongs to another user", rt);
    return;
  }
  if (!free_for(self, ch, claims->room_id, rt))
    return;
  // The name comes back with the seat (seat_changed), from the room.
  if (!st.who)
    st.who = protocol::identity{claims->user_id, {}, {}};
  join_via_directory(self, ch, claims->room_id, c, rt);
}

void on_seat(self_ptr self, seat_changed& s) {
  auto& st = self->state;
  auto& seat = st.channels[s.channel];
  auto room = caf::actor_cast<room_actor>(s.room);
  bool ours = (seat.at == phase::joining
               && (seat.room_id.empty() || seat.room_id == s.room_id))
              || (seat.at == phase::seated && seat.room_id == s.room_id);
  switch (s.state) {
    case seat_state::pending:
    case seat_state::seated:
      if (!ours) {
        // A seat this channel no longer wants (it moved on): give it back,
        // or the room would count a member that is not there.
        self->send(room, me(self, s.channel), cmd::leave_room{s.room_id});
        return;
      }
      if (seat.at != phase::seated || seat.room != room)
        self->monitor(room);
      seat.at = phase::seated;
      seat.room = room;
      seat.room_id = s.room_id;
      seat.ended_room_id.clear();
      if (st.who && st.who->name.empty())
        st.who->name = s.username;
      break;
    case seat_state::released:
    case seat_state::ended:
    case seat_state::kicked:
    case seat_state::refused:
      // A refusal ends a join; a channel seated in the room stays seated
      // (e.g. a second RESUME while the first one replays).
      if (!ours || (s.state == seat_state::refused && seat.at != phase::joining))
        return;
      if (s.state == seat_state::ended)
        seat.ended_room_id = s.room_id;
      seat.at = phase::idle;
      seat.room = nullptr;
      seat.room_id.clear();
      break;
  }
}

/// Every command that is not about joining is about the channel's room.
template <class Command>
void on_command(self_ptr self, channel_id ch, Command& c) {
  forward(self, ch, c);
}

void on_command(self_ptr self, channel_id ch, cmd::create_room& c) {
  on_create(self, ch, c);
}

void on_command(self_ptr self, channel_id ch, cmd::join_room& c) {
  constexpr std::string_view rt = "JOIN_ROOM";
  if (!authenticate(self, ch, c.token, rt) || !free_for(self, ch, c.room_id, rt))
    return;
  join_via_directory(self, ch, c.room_id, c, rt);
}

void on_command(self_ptr self, channel_id ch, cmd::resume& c) {
  on_resume(self, ch, c);
}

/// The door answers HEARTBEAT itself; one that reaches here changes nothing.
void on_command(self_ptr, channel_id, cmd::heartbeat&) {
  // nop
}

} // namespace

connection_actor::behavior_type
connection(self_ptr self, relay_actor relay, std::uint64_t conn_id,
           directory_actor directory,
           std::shared_ptr<const protocol::token_config> tokens,
           std::optional<protocol::identity> who, std::string socket_id) {
  auto& st = self->state;
  st.relay = std::move(relay);
  st.conn_id = conn_id;
  st.directory = std::move(directory);
  st.tokens = std::move(tokens);
  st.who = std::move(who);
  st.socket_id = std::move(socket_id);
  // A room this connection sits in (or joins) is gone.
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto& [ch, seat] : self->state.channels) {
      if (!seat.room || seat.room.address() != dm.source)
        continue;
      if (seat.at == phase::joining)
        reply_error(self, ch, error_code::internal,
                    "the room closed before answering; try again", "JOIN_ROOM");
      seat.at = phase::idle;
      seat.room = nullptr;
      seat.room_id.clear();
    }
  });
  return {
    [=](channel_id ch, protocol::command& command) {
      std::visit([&](auto& c) { on_command(self, ch, c); }, command);
    },
    [=](seat_changed& s) { on_seat(self, s); },
    // The socket is gone: quit. Every room this connection sat in monitors
    // it and sees it leave.
    [=](closed_atom) { self->quit(); },
  };
}

} // namespace proctord
