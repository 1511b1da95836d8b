#pragma once
// The sessions' (seed 003, `sio-session`) and exams' (seed 004,
// `sio-exam`) dialects: Socket.IO namespace "/" behind proctord's door,
// with the token in the CONNECT payload and a recovery offset as the last
// argument of every logged event. What both share is here and in
// sio_live.cpp; each domain's conversation is in sio_session_dialect.cpp
// and sio_exam_dialect.cpp. See tools/scenarios/README.md.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dialect.hpp"
#include "socketio_dialect.hpp"

namespace proctord::load {

std::unique_ptr<dialect> make_sio_session_dialect();
std::unique_ptr<dialect> make_sio_exam_dialect();

namespace sio {

/// A cursor is {line, column} of integers, so a cursor-update carries its
/// sender's stamp in them: line = the monotonic clock in ms modulo 2^31,
/// column = the µs within that ms (0-999). The receiver, on the same
/// machine's clock, reads its age to the µs (for ages under 24 days).
struct cursor_stamp {
  std::int32_t line = 0;
  std::int32_t column = 0;
};
cursor_stamp stamp_cursor(std::int64_t now_ns) noexcept;
/// How old a stamped cursor is at `now_ns`; -1 if it is not a stamp
/// (negative, or a column over 999).
std::int64_t cursor_age_ns(std::int64_t line, std::int64_t column,
                           std::int64_t now_ns) noexcept;

/// The namespace both domains use.
inline constexpr std::string_view root_nsp = "/";

} // namespace sio

/// What both dialects refuse alike (faults, a url with a query), naming
/// `dialect`; empty if the scenario has none of it.
std::string live_check(const scenario& s, std::string_view dialect);
/// The upgrade target: the Engine.IO path with ?EIO=4&transport=websocket
/// (the token goes in the CONNECT payload instead).
std::string live_target(const scenario& s);

/// What kind of room a socket enters: sockets that count in the room's
/// audience receive what the others send (session participants, exam
/// monitors); the others do not (exam students).
enum class audience { counted, not_counted };

/// A socket of namespace "/": answers Engine.IO pings, sends CONNECT with
/// its token, ends the handshake at the CONNECT answer, checks that the
/// recovery offsets it receives never go back, and hands events and acks
/// to the domain's conversation.
class live_socket : public dialect_session {
public:
  explicit live_socket(client_spec spec);

  void on_open(session_io& io, bool reconnect) override;
  void on_text(session_io& io, std::string_view text) final;

protected:
  /// The CONNECT was answered: the socket may join its room.
  virtual void connected(session_io& io) = 0;
  virtual void event(session_io& io, const sio::frame& f) = 0;
  /// An ack of an event this socket sent with an ack id.
  virtual void ack(session_io& io, const sio::frame& f);
  /// The socket is out of its room (a new transport, or DISCONNECT).
  virtual void dropped(session_io&) {}
  /// Events that must never carry an offset (live only).
  virtual bool live_only(std::string_view event) const = 0;
  /// The domain's error event ("error", "exam-error"): it carries the
  /// socket's last offset again.
  virtual std::string_view error_event() const = 0;

  /// Into the room (once): the driver starts the actions.
  void enter(session_io& io, audience a);
  void leave();
  bool in() const noexcept { return in_; }
  /// Sends an event on "/" (args_json: what follows the name).
  void emit(session_io& io, std::string_view event, std::string_view args_json);

  client_spec spec_;
  std::int64_t joining_at_ = 0; // when the join was sent

private:
  void offset(session_io& io, const sio::frame& f);

  bool connected_ = false;
  bool in_ = false;
  audience counted_ = audience::not_counted;
  std::int64_t last_offset_ = -1;
};

} // namespace proctord::load
