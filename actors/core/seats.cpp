#include "actors/core/seats.hpp"

namespace proctord {

void send_to(seat& s, const std::string& room_id, protocol::event e,
             std::int64_t seq) {
  if (!s.conn || (seq != 0 && seq <= s.replayed_through))
    return;
  if (s.replaying) {
    s.buffer.emplace_back(seq, std::move(e));
    return;
  }
  caf::anon_send(s.relay, envelope{room_id, seq, {s.where()}, std::move(e)});
}

void reply_to(const caller& c, const std::string& room_id, protocol::event e) {
  if (c.relay)
    caf::anon_send(c.relay,
                   envelope{room_id, 0, {recipient{c.conn_id, c.channel}},
                            std::move(e)});
}

void reply_error(const caller& c, const std::string& room_id,
                 protocol::error_code code, std::string message,
                 std::string_view request_type) {
  reply_to(c, room_id,
           protocol::evt::error{code, std::move(message),
                                std::string{request_type}});
}

void fanout::add(seat& s) {
  if (!s.conn || (seq_ != 0 && seq_ <= s.replayed_through))
    return;
  if (s.replaying) {
    s.buffer.emplace_back(seq_, event_);
    return;
  }
  for (auto& [relay, to] : groups_)
    if (relay == s.relay) {
      to.push_back(s.where());
      return;
    }
  groups_.emplace_back(s.relay, std::vector<recipient>{s.where()});
}

void fanout::send() {
  for (auto& [relay, to] : groups_)
    caf::anon_send(relay, envelope{room_id_, seq_, std::move(to), event_});
  groups_.clear();
}

void flush_buffer(seat& s, const std::string& room_id,
                  std::int64_t replayed_up_to) {
  s.replaying = false;
  s.replayed_through = replayed_up_to;
  auto buffered = std::move(s.buffer);
  s.buffer.clear();
  for (auto& [seq, e] : buffered)
    if (seq == 0 || seq > replayed_up_to)
      send_to(s, room_id, std::move(e), seq);
}

void unbind(seat& s) {
  s.conn = nullptr;
  s.relay = nullptr;
  s.conn_id = 0;
  s.socket_id.clear();
  s.replaying = false;
  s.buffer.clear();
  s.replayed_through = 0;
}

void set_away(seat& s, protocol::millis now) {
  unbind(s);
  s.away_since = now;
}

void close_seat(const seat& s, std::uint16_t code, std::string reason) {
  if (s.conn)
    caf::anon_send(s.relay, close_order{s.where(), code, std::move(reason)});
}

} // namespace proctord
