#pragma once
// The Socket.IO dialect (seed 002's public study rooms behind proctord's
// Socket.IO door) as a load client speaks it: Engine.IO v4 over a
// WebSocket only (no long-polling), Socket.IO v5 packets as text frames.
// See socketio_dialect.cpp and tools/scenarios/README.md. The frames
// (namespace sio) serve the sessions' and exams' dialects too
// (sio_live.hpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dialect.hpp"

namespace proctord::load {

std::unique_ptr<dialect> make_socketio_dialect();

namespace sio {

/// What one text frame of an Engine.IO v4 / Socket.IO v5 connection is, as
/// far as a load client cares.
enum class kind {
  bad,           // empty, or not an Engine.IO packet
  open,          // Engine.IO 0{"sid",...}
  close,         // Engine.IO 1
  ping,          // Engine.IO 2 (the client answers 3)
  engine_other,  // Engine.IO 3 (pong), 5 (upgrade), 6 (noop)
  connect,       // Socket.IO 0: the CONNECT answer {"sid"}
  disconnect,    // Socket.IO 1
  event,         // Socket.IO 2
  connect_error, // Socket.IO 4 {"message"}
  ack,           // Socket.IO 3: the answer to an event sent with an ack id
  sio_other,     // Socket.IO 5 and 6 (binary)
};

struct frame {
  kind what = kind::bad;
  std::string_view nsp;   // Socket.IO packets: "/" when the packet names none
  std::string_view event; // event: its name (as written: no escapes undone)
  std::string_view data;  // Socket.IO packets: the JSON after nsp and ack id
                          // (event, ack: the whole array; "" when absent)
  std::int64_t ack = -1;  // the ack id of an event or an ack; -1 when none
};

/// Reads a frame; never throws. A packet that does not follow the grammar
/// (an event whose data is not an array that starts with a string) is
/// `bad`.
frame parse(std::string_view text) noexcept;

/// "40/nsp," (CONNECT, no auth); "40" for "/".
std::string connect_packet(std::string_view nsp);

/// CONNECT with an auth payload, e.g. 40{"token":"..."} for "/" (what
/// `io(url, {auth: {token}})` sends).
std::string connect_packet(std::string_view nsp, std::string_view auth_json);

/// The auth payload {"token":TOKEN}.
std::string token_auth(std::string_view token);

/// "42/nsp,[\"event\",ARGS]" (EVENT, no ack); `args_json` is what follows
/// the name inside the array, e.g. {"userId":"u"}, or empty for none.
std::string event_packet(std::string_view nsp, std::string_view event,
                         std::string_view args_json = {});

/// The same with an ack id: "42/nsp,7[\"event\",ARGS]" ("427[...]" for
/// "/"); the server answers with an ack packet of that id.
std::string event_packet(std::string_view nsp, std::string_view event,
                         std::string_view args_json, std::uint64_t ack_id);

/// The recovery offset of an event (its `data`): the last argument when
/// it is a string of decimal digits and not the event's name, e.g. 17 in
/// ["user-joined",{...},"17"]; -1 when there is none.
std::int64_t offset_of(std::string_view event_data) noexcept;

/// The string value of `"key":"..."` anywhere in `json` (first occurrence;
/// no escapes undone); empty if absent.
std::string_view string_field(std::string_view json, std::string_view key) noexcept;

/// An integer value of `"key":N`, or -1.
std::int64_t integer_field(std::string_view json, std::string_view key) noexcept;

/// A boolean value of `"key":true|false`, or nullopt.
std::optional<bool> boolean_field(std::string_view json, std::string_view key) noexcept;

/// The body of an admin broadcast: {"event":EVENT,"data":{"text":T}} where
/// T carries the sender's stamp (stamped_text(now_ns, bytes)).
std::string broadcast_body(std::string_view event, std::int64_t now_ns,
                           std::size_t bytes);

/// The event the load tool broadcasts.
inline constexpr std::string_view broadcast_event = "load-notice";

} // namespace sio

} // namespace proctord::load
