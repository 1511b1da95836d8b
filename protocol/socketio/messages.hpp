#pragma once
// What the Socket.IO door hands the actors, and what the actors hand back to
// be written: typed, with no JSON object in them. A domain with its own
// typed commands (the study rooms) gets those; a pass-through domain (the
// conformance echo) gets an event's arguments as the client's raw JSON text
// and sends raw JSON text back, never parsing it.

#include "protocol/exam.hpp"
#include "protocol/session.hpp"
#include "protocol/study.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace proctord::protocol::socketio {

/// A client's EVENT / BINARY_EVENT: the name, the arguments after it as raw
/// JSON values separated by commas, the binary attachments (their
/// placeholders stay in `args`) and the ack id the client waits on.
struct raw_event {
  std::string name;
  std::string args;
  std::vector<std::string> attachments;
  std::optional<std::uint64_t> ack;
};

/// A client's ACK / BINARY_ACK to a server emit that asked for one.
struct raw_ack {
  std::uint64_t id = 0;
  std::string args;
  std::vector<std::string> attachments;
};

/// A namespace socket's commands as its domain receives them: raw for a
/// pass-through domain, typed for a domain with a codec.
using command = std::variant<raw_event, raw_ack, study::command,
                             session::command, exam::command>;

namespace out {

/// CONNECT accepted: `40<nsp>,{"sid":…}`, with `"pid":…` when the
/// namespace offers connection state recovery (pid non-empty).
struct connected {
  std::string sid;
  std::string pid;
};

/// CONNECT refused: `44<nsp>,{"message":…[,"data":…]}` (`data` raw JSON,
/// "" for none).
struct refused {
  std::string message;
  std::string data;
};

/// An EVENT (BINARY_EVENT when there are attachments), asking for an ack
/// when `ack` is set. A non-empty `offset` is appended as the last
/// argument, a JSON string: the event's place in its room's log, which a
/// client with connection state recovery sends back on reconnect.
struct emit {
  std::string name;
  std::string args;
  std::vector<std::string> attachments;
  std::optional<std::uint64_t> ack;
  std::string offset;
};

/// An ACK (BINARY_ACK when there are attachments) answering a client.
struct ack {
  std::uint64_t id = 0;
  std::string args;
  std::vector<std::string> attachments;
};

/// DISCONNECT from the namespace: the client does not reconnect it.
struct disconnect {};

} // namespace out

/// What a domain sends one namespace socket.
using outgoing = std::variant<out::connected, out::refused, out::emit,
                              out::ack, out::disconnect, study::event>;

/// An outgoing packet encoded once: the Engine.IO message packet, then its
/// binary attachments in order.
struct frames {
  std::shared_ptr<const std::string> text;
  std::vector<std::shared_ptr<const std::string>> binary;
};

frames encode(std::string_view nsp, const outgoing& o);

} // namespace proctord::protocol::socketio
