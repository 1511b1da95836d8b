#pragma once
// The Socket.IO door's actors and messages. One connection actor per
// Engine.IO connection; each namespace socket on it is a channel. A
// namespace's domain is an actor (the conformance echo, the study rooms,
// later sessions and exams) that admits a socket on CONNECT, takes its
// commands, and writes to it through the node's relay (sio_envelope), so
// that every frame to a client keeps the order in which it was produced.
//
//   door (Engine.IO thread) ─(channel, sio_connect | command | leave)─▶ connection
//   connection ─sio_join─▶ domain ─sio_envelope─▶ relay ─▶ socket
//   domain ─sio_seated─▶ connection           (admitted, refused, or let go)
//   connection ─(sio_from, command | leave)─▶ domain

#include "actors/core/relay.hpp"
#include "actors/messages.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>
#include <vector>


namespace proctord {

/// A namespace socket leaves: DISCONNECT from the client, or its
/// connection closed.
using leave_atom = caf::atom_constant<caf::atom("leave")>;
/// Internal to the connection: the connect timeout is up.
using connect_timeout_atom = caf::atom_constant<caf::atom("conntmo")>;

/// A CONNECT packet, from the door: the namespace and its auth payload
/// (raw JSON object text, "" for none).
struct sio_connect {
  std::string nsp;
  std::string auth;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sio_connect& x) {
  return f(caf::meta::type_name("sio_connect"), x.nsp, x.auth);
}

/// Which namespace socket a command comes from.
struct sio_from {
  recipient at;
  std::string nsp;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sio_from& x) {
  return f(caf::meta::type_name("sio_from"), x.at, x.nsp);
}

/// A domain's word on a channel: admitted (seated), or refused / let go
/// (the channel is free again).
struct sio_seated {
  channel_id channel = 0;
  bool seated = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sio_seated& x) {
  return f(caf::meta::type_name("sio_seated"), x.channel, x.seated);
}

/// One actor per Engine.IO connection, spawned by the Socket.IO door.
using sio_connection_actor = caf::typed_actor<
  // CONNECT to a namespace on a channel, from the door.
  caf::reacts_to<channel_id, sio_connect>,
  // An EVENT or ACK of a namespace socket, from the door.
  caf::reacts_to<channel_id, protocol::socketio::command>,
  // DISCONNECT of a namespace socket, from the door.
  caf::reacts_to<channel_id, leave_atom>,
  // A domain admitted, refused or let go of a channel.
  caf::reacts_to<sio_seated>,
  // The Engine.IO connection is gone, from the door: the actor quits.
  caf::reacts_to<closed_atom>,
  // Internal: no namespace was joined within connect_timeout.
  caf::reacts_to<connect_timeout_atom>>;

/// CONNECT, from a connection to the namespace's domain. The domain answers
/// the client itself (out::connected or out::refused through `relay`) and
/// tells `conn` with sio_seated.
struct sio_join {
  sio_from from;
  /// The namespace socket's id (sent in out::connected).
  std::string sid;
  /// The CONNECT payload: raw JSON object text, "" for none.
  std::string auth;
  /// The client's address (X-Forwarded-For only from a trusted proxy).
  std::string address;
  /// The handshake's `token` query parameter, "" for none.
  std::string token;
  sio_connection_actor conn;
  relay_actor relay;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sio_join& x) {
  return f(caf::meta::type_name("sio_join"), x.from, x.sid, x.auth, x.address,
           x.token, x.conn, x.relay);
}

/// A namespace's domain.
using sio_domain_actor = caf::typed_actor<
  // A socket connects to one of the domain's namespaces.
  caf::reacts_to<sio_join>,
  // A command of a socket (the domain ignores sockets it did not admit).
  caf::reacts_to<sio_from, protocol::socketio::command>,
  // A socket leaves (DISCONNECT or its connection closed).
  caf::reacts_to<sio_from, leave_atom>>;

} // namespace proctord
