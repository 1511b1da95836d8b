#include "actors/connection.hpp"

#include "protocol/close_codes.hpp"
#include "protocol/native_codec.hpp"

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <type_traits>

namespace proctord {

namespace {

using self_ptr = connection_actor::stateful_pointer<connection_state>;
using protocol::error_code;
namespace cmd = protocol::cmd;

void reply_error(self_ptr self, error_code code, std::string message,
                 std::string_view request_type) {
  self->state.out->send(protocol::native::error_frame(
    code, std::move(message), std::string{request_type}));
}

caller me(self_ptr self) {
  auto& st = self->state;
  return caller{st.who->user_id, st.who->name, st.socket_id,
                caf::actor_cast<connection_actor>(self), st.out};
}

/// Establishes or confirms the connection's identity from `token`.
bool authenticate(self_ptr self, const std::string& token,
                  std::string_view rt) {
  auto& st = self->state;
  if (token.empty()) {
    if (st.who)
      return true;
    reply_error(self, error_code::unauthorized, "a token is required", rt);
    return false;
  }
  auto result = protocol::verify_token(token, st.tokens);
  if (auto rejected = std::get_if<protocol::token_rejection>(&result)) {
    reply_error(self, error_code::unauthorized,
                "invalid token: " + rejected->reason, rt);
    return false;
  }
  auto& id = std::get<protocol::identity>(result);
  if (st.who && st.who->user_id != id.user_id) {
    reply_error(self, error_code::identity_mismatch,
                "this connection belongs to another user", rt);
    return false;
  }
  if (!st.who)
    st.who = std::move(id);
  return true;
}

bool free_for(self_ptr self, const std::string& room_id, std::string_view rt) {
  auto& st = self->state;
  if (!st.room || st.room_id == room_id)
    return true;
  reply_error(self, error_code::already_in_room,
              "leave room " + st.room_id + " first", rt);
  return false;
}

/// Forwards a command that concerns the connection's current room.
template <class Command>
void forward(self_ptr self, Command& c) {
  auto& st = self->state;
  auto rt = protocol::type_name(protocol::command{c});
  if (!st.room && !st.ended_room_id.empty()
      && (c.room_id.empty() || c.room_id == st.ended_room_id)) {
    reply_error(self, error_code::room_ended, "the room has ended", rt);
    return;
  }
  if (!st.room || (!c.room_id.empty() && c.room_id != st.room_id)) {
    reply_error(self, error_code::not_in_room,
                c.room_id.empty() ? "join a room first"
                                  : "you are not in room " + c.room_id,
                rt);
    return;
  }
  self->send(st.room, me(self), std::move(c));
}

void on_command(self_ptr self, protocol::command& command) {
  std::visit(
    [self](auto& c) {
      using T = std::decay_t<decltype(c)>;
      auto rt = protocol::type_name(protocol::command{c});
      if constexpr (std::is_same_v<T, cmd::heartbeat>) {
        // Answered by the gateway; nothing reaches here.
      } else if constexpr (std::is_same_v<T, cmd::create_room>) {
        if (!authenticate(self, c.token, rt) || !free_for(self, {}, rt))
          return;
        self
          ->request(self->state.directory, caf::infinite, me(self),
                    std::move(c))
          .then([](const room_actor&) { /* the room seats us itself */ },
                [self, rt](caf::error& err) {
                  reply_error(self, to_error_code(err),
                              "the room could not be created", rt);
                });
      } else if constexpr (std::is_same_v<T, cmd::join_room>) {
        if (!authenticate(self, c.token, rt) || !free_for(self, c.room_id, rt))
          return;
        self
          ->request(self->state.directory, caf::infinite, lookup_atom::value,
                    c.room_id)
          .then(
            [self, c](const room_actor& r) { self->send(r, me(self), c); },
            [self, rt](caf::error& err) {
              auto code = to_error_code(err);
              reply_error(self, code,
                          code == error_code::room_ended
                            ? "the room has ended"
                            : "no room with that id",
                          rt);
            });
      } else if constexpr (std::is_same_v<T, cmd::resume>) {
        // The resume token is the authority here: signed by us, bound to
        // one user in one room.
        auto claims = protocol::verify_resume_token(c.resume_token,
                                                    self->state.tokens);
        if (!claims) {
          reply_error(self, error_code::unauthorized, "invalid resume token",
                      rt);
          return;
        }
        auto& st = self->state;
        if (st.who && st.who->user_id != claims->user_id) {
          reply_error(self, error_code::identity_mismatch,
                      "this connection belongs to another user", rt);
          return;
        }
        if (!free_for(self, claims->room_id, rt))
          return;
        if (!st.who)
          st.who = protocol::identity{claims->user_id, {}, {}};
        self
          ->request(st.directory, caf::infinite, lookup_atom::value,
                    claims->room_id)
          .then(
            [self, c](const room_actor& r) { self->send(r, me(self), c); },
            [self, rt](caf::error& err) {
              auto code = to_error_code(err);
              reply_error(self, code,
                          code == error_code::room_ended
                            ? "the room has ended"
                            : "no room with that id",
                          rt);
            });
      } else {
        if (!self->state.who) {
          reply_error(self, error_code::unauthorized,
                      "join or create a room with a token first", rt);
          return;
        }
        forward(self, c);
      }
    },
    command);
}

} // namespace

connection_actor::behavior_type
connection(self_ptr self, std::shared_ptr<net::outbound> out,
           directory_actor directory, protocol::token_config tokens,
           std::optional<protocol::identity> who, std::string socket_id) {
  auto& st = self->state;
  st.out = std::move(out);
  st.directory = std::move(directory);
  st.tokens = std::move(tokens);
  st.who = std::move(who);
  st.socket_id = std::move(socket_id);
  return {
    [=](protocol::command& c) { on_command(self, c); },
    [=](const protocol::frame& f) { self->state.out->send(f); },
    [=](seat_changed& s) {
      auto& st = self->state;
      switch (s.state) {
        case seat_state::pending:
        case seat_state::seated:
          st.room = caf::actor_cast<room_actor>(s.room);
          st.room_id = s.room_id;
          st.ended_room_id.clear();
          break;
        case seat_state::released:
        case seat_state::ended:
        case seat_state::kicked:
          if (s.state == seat_state::ended)
            st.ended_room_id = s.room_id;
          if (s.room_id == st.room_id) {
            st.room = nullptr;
            st.room_id.clear();
          }
          if (s.state == seat_state::kicked)
            st.out->close(net::close_code{protocol::close_kicked}, "kicked");
          break;
      }
    },
    [=](closed_atom) {
      auto& st = self->state;
      if (st.room && st.who)
        self->send(st.room, me(self), closed_atom::value);
      self->quit();
    },
  };
}

} // namespace proctord
