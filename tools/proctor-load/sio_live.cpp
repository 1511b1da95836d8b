// What the sessions' and exams' dialects share (sio_live.hpp): the stamped
// cursor and the Socket.IO conversation up to the domain's events.

#include "sio_live.hpp"

#include <algorithm>

namespace proctord::load {

namespace sio {

namespace {

/// 2^31 ms in µs: the period of a stamped cursor's clock.
constexpr std::int64_t cursor_period_us = (std::int64_t{1} << 31) * 1000;

} // namespace

cursor_stamp stamp_cursor(std::int64_t now_ns) noexcept {
  auto us = (now_ns / 1000) % cursor_period_us;
  return {static_cast<std::int32_t>(us / 1000), static_cast<std::int32_t>(us % 1000)};
}

std::int64_t cursor_age_ns(std::int64_t line, std::int64_t column,
                           std::int64_t now_ns) noexcept {
  if (line < 0 || column < 0 || column > 999 || line >= (std::int64_t{1} << 31))
    return -1;
  auto sent = line * 1000 + column;
  auto now = (now_ns / 1000) % cursor_period_us;
  auto age = (now - sent + cursor_period_us) % cursor_period_us;
  return age * 1000;
}

} // namespace sio

std::string live_check(const scenario& s, std::string_view dialect) {
  if (s.slow_fraction > 0 || s.reconnect_fraction > 0)
    return "the " + std::string(dialect)
           + " dialect injects no faults (slowReaders, reconnect)";
  if (s.url.path.find('?') != std::string::npos)
    return "the " + std::string(dialect)
           + " dialect's url is the Engine.IO path, e.g. "
             "ws://127.0.0.1:5050/socket.io/, without a query";
  return {};
}

std::string live_target(const scenario& s) {
  auto path = s.url.path;
  if (path.back() != '/')
    path += '/';
  return path + "?EIO=4&transport=websocket";
}

live_socket::live_socket(client_spec spec) : spec_(std::move(spec)) {}

void live_socket::on_open(session_io& io, bool /*reconnect*/) {
  leave();
  dropped(io);
  connected_ = false;
  last_offset_ = -1;
}

void live_socket::on_text(session_io& io, std::string_view text) {
  auto f = sio::parse(text);
  switch (f.what) {
    case sio::kind::ping: io.send("3"); return;
    case sio::kind::open:
      io.send(sio::connect_packet(sio::root_nsp, sio::token_auth(spec_.token)));
      return;
    case sio::kind::close:
    case sio::kind::engine_other:
    case sio::kind::sio_other: return;
    case sio::kind::bad: io.error("unparsable frame"); return;
    default: break;
  }
  if (f.nsp != sio::root_nsp) {
    io.error("packet for another namespace");
    return;
  }
  switch (f.what) {
    case sio::kind::connect:
      if (!connected_) {
        connected_ = true;
        io.handshake_done();
        connected(io);
      }
      return;
    case sio::kind::connect_error:
      io.error("CONNECT_ERROR:" + std::string(sio::string_field(f.data, "message")));
      return;
    case sio::kind::disconnect:
      io.error("DISCONNECT");
      leave();
      dropped(io);
      return;
    case sio::kind::ack: ack(io, f); return;
    case sio::kind::event:
      offset(io, f);
      event(io, f);
      return;
    default: return;
  }
}

void live_socket::ack(session_io& io, const sio::frame&) {
  io.error("unexpected ack");
}

void live_socket::offset(session_io& io, const sio::frame& f) {
  auto at = sio::offset_of(f.data);
  if (at < 0)
    return;
  if (live_only(f.event)) {
    io.error("offset on " + std::string(f.event));
    return;
  }
  // A logged event comes after the last one; an error repeats it.
  if (at < last_offset_ || (at == last_offset_ && f.event != error_event()))
    io.error("offset out of order");
  last_offset_ = std::max(last_offset_, at);
}

void live_socket::enter(session_io& io, audience a) {
  if (in_)
    return;
  in_ = true;
  counted_ = a;
  if (a == audience::counted)
    spec_.room->audience.fetch_add(1, std::memory_order_relaxed);
  io.in_room();
}

void live_socket::leave() {
  if (!in_)
    return;
  in_ = false;
  if (counted_ == audience::counted)
    spec_.room->audience.fetch_sub(1, std::memory_order_relaxed);
}

void live_socket::emit(session_io& io, std::string_view event,
                       std::string_view args_json) {
  io.send(sio::event_packet(sio::root_nsp, event, args_json));
}

} // namespace proctord::load
