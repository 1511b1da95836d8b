// The probe dialect: what proctor-load says to the kernel probe
// (tools/bench/probe/main.cpp, `build/proctord-probe`), the minimal relay
// that measures the kernel's limit for loopback fan-out.
//
// Each connection's first text frame names its room (the host's user id,
// which the host publishes to its participants); the probe answers `J`.
// Then the host's announcements (the sender's stamp, padded to
// host.announce.bytes) reach every other connection of the room, byte for
// byte as sent. Receivers count them (tally announcement) and record the
// delivery latency as the native dialect's do; with contest.recordTicks
// each announcement is also a tick (its stamp, first and last receipt), for
// the spread of one broadcast to a large room (tools/bench/suite.mjs,
// contest-fanout).

#include "probe_dialect.hpp"

#include <string>

namespace proctord::load {

namespace {

class probe_session : public dialect_session {
public:
  explicit probe_session(client_spec spec) : spec_(std::move(spec)) {}

  void on_open(session_io& io, bool) override {
    in_room_ = false;
    opened_at_ = io.now_ns();
    io.send(spec_.who == role::host ? spec_.user_id : spec_.room->id());
  }

  void on_text(session_io& io, std::string_view frame) override {
    if (!in_room_) {
      if (frame != "J") {
        io.error("probe: expected J");
        return;
      }
      in_room_ = true;
      io.record(latency_kind::join, io.now_ns() - opened_at_);
      if (spec_.who == role::host) {
        spec_.room->audience.store(
          static_cast<std::int64_t>(spec_.plan->participants_per_room));
        spec_.room->publish(spec_.user_id);
      }
      io.in_room();
      return;
    }
    io.delivered(tally::announcement);
    auto t = find_stamp(frame);
    if (t < 0)
      return;
    auto now = io.now_ns();
    io.record(latency_kind::delivery, now - t);
    if (spec_.plan->contest.record_ticks) {
      auto at = io.wall_us();
      io.timer_tick(std::to_string(t), 0, at - (now - t) / 1000, at);
    }
  }

  bool act(session_io& io, action a) override {
    if (a != action::announce || !in_room_ || spec_.who != role::host)
      return false;
    io.send(stamped_text(io.now_ns(), spec_.plan->host.announce.bytes));
    io.expect(tally::announcement, spec_.room->audience.load());
    return true;
  }

private:
  client_spec spec_;
  bool in_room_ = false;
  std::int64_t opened_at_ = 0;
};

class probe_dialect : public dialect {
public:
  std::string_view name() const override { return "probe"; }

  std::string check(const scenario& s) const override {
    if (s.hosts_per_room != 1)
      return "the probe dialect has exactly one sender (host) per room "
             "(hostsPerRoom must be 1)";
    if (!s.join_rooms)
      return "the probe dialect always joins its rooms (joinRooms must be true)";
    for (auto* plan : {&s.host, &s.participant})
      for (auto* r : {&plan->heartbeat, &plan->code_change, &plan->violation,
                      &plan->submit, &plan->cursor})
        if (r->enabled())
          return "the probe relays announcements only (host.announce): every "
                 "other action would be relayed to the room as well";
    return {};
  }

  std::string target(const scenario& s, const std::string&) const override {
    return s.url.path;
  }

  std::unique_ptr<dialect_session> make_session(client_spec spec) const override {
    return std::make_unique<probe_session>(std::move(spec));
  }
};

} // namespace

std::unique_ptr<dialect> make_probe_dialect() {
  return std::make_unique<probe_dialect>();
}

} // namespace proctord::load
