#pragma once
// Public study rooms (seed 002): the study directory (the domain of every
// /public-room/:roomId namespace, and the REST API's counterpart) and one
// actor per room.
//
//   connection ─(sio_join | sio_from+command | leave)─▶ study directory
//     users, rooms, per-address socket counts, user creation rate; checks
//     that a userId is bound to the socket's address; sockets of a room that
//     does not exist stay with it (ROOM_NOT_FOUND)
//   study directory ─(study_attach | study_socket_cmd | leave)─▶ study room
//     members, occupancy, the room's sockets, their health; the only writer
//     to its sockets (through the relay) once they are attached
//   REST (actors/study/study_api) ─study_request─▶ directory ─▶ room

#include "actors/config.hpp"
#include "actors/core/variant_inspect.hpp"
#include "actors/interfaces.hpp"
#include "actors/socketio/interfaces.hpp"
#include "persistence/study_records.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace proctord {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// An anonymous user as the API shows it (never its address hash).
struct study_user_view {
  std::string user_id;
  std::string user_name;
  std::int64_t created_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_user_view& x) {
  return f(caf::meta::type_name("study_user_view"), x.user_id, x.user_name,
           x.created_at);
}

/// A public room as the API shows it.
struct study_room_view {
  std::string room_id;
  std::string name;
  std::int32_t capacity = 0;
  std::int32_t occupancy = 0;
  std::int64_t created_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_room_view& x) {
  return f(caf::meta::type_name("study_room_view"), x.room_id, x.name,
           x.capacity, x.occupancy, x.created_at);
}

/// A REST call, already authenticated (admin calls) and parsed.
struct study_request {
  enum class op : std::uint8_t {
    create_user, // name, address
    create_room, // name, capacity
    list_rooms,
    join,        // room_id, user_id, address
    leave,       // room_id, user_id, address
    broadcast,   // room_id, event, data (raw JSON, "" for none)
  };
  op what = op::list_rooms;
  std::string room_id;
  std::string user_id;
  std::string name;
  std::int32_t capacity = 0;
  std::string address;
  std::string event;
  std::string data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_request& x) {
  return f(caf::meta::type_name("study_request"), x.what, x.room_id, x.user_id,
           x.name, x.capacity, x.address, x.event, x.data);
}

/// The answer to a study_request: an HTTP status, and either an error
/// (code, message, field) or what the op returns.
struct study_reply {
  std::uint16_t status = 200;
  std::string code; // "" on success
  std::string message;
  std::string field;
  study_user_view user;            // create_user
  study_room_view room;            // create_room, join, leave, broadcast
  std::vector<study_room_view> rooms; // list_rooms
  std::int64_t joined_at = 0;      // join
  std::int32_t recipients = 0;     // broadcast
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_reply& x) {
  return f(caf::meta::type_name("study_reply"), x.status, x.code, x.message,
           x.field, x.user, x.room, x.rooms, x.joined_at, x.recipients);
}

/// A socket of the room's namespace, handed to the room by the directory
/// (after it was answered CONNECT).
struct study_attach {
  sio_from from;
  sio_connection_actor conn;
  std::string address_hash;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_attach& x) {
  return f(caf::meta::type_name("study_attach"), x.from, x.conn, x.address_hash);
}

/// A socket's command, with the user its `userId` names when that user
/// exists and is bound to the socket's address (nullopt otherwise).
struct study_socket_cmd {
  sio_from from;
  protocol::study::command cmd;
  std::optional<study_user_view> user;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_socket_cmd& x) {
  using proctord::variant_inspect::inspect;
  using proctord::variant_inspect::optional_field;
  return f(caf::meta::type_name("study_socket_cmd"), x.from, x.cmd,
           optional_field(x.user));
}

/// A room's occupancy changed (room → directory).
struct study_occupancy {
  std::string room_id;
  std::int32_t occupancy = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, study_occupancy& x) {
  return f(caf::meta::type_name("study_occupancy"), x.room_id, x.occupancy);
}

/// One actor per public room.
using study_room_actor = caf::typed_actor<
  // REST join / leave / broadcast, the user already checked.
  caf::replies_to<study_request>::with<study_reply>,
  // A socket of the room's namespace, from the directory.
  caf::reacts_to<study_attach>,
  // A socket's command, from the directory.
  caf::reacts_to<study_socket_cmd>,
  // A socket left (DISCONNECT or closed), from the directory.
  caf::reacts_to<sio_from, leave_atom>,
  // Internal: the health check of idle sockets.
  caf::reacts_to<tick_atom>>;

/// The study directory: the domain of /public-room/* and the REST API's
/// counterpart.
using study_actor = sio_domain_actor::extend<
  // Every REST call.
  caf::replies_to<study_request>::with<study_reply>,
  // A room's occupancy changed.
  caf::reacts_to<study_occupancy>,
  // Internal: the health check of sockets whose room does not exist.
  caf::reacts_to<tick_atom>>;

} // namespace proctord
