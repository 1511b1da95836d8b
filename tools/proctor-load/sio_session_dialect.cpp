// The sessions' dialect, `sio-session`: seed 003's collaborative coding
// sessions as a load client sees them (protocol/README.md, "Collaborative
// sessions"), on namespace "/" of /api/socket/.
//
// Each room slot is one session; its hosts are instructors, its
// participants learners (the token's `role` says so). A socket opens a
// WebSocket at `<path>?EIO=4&transport=websocket`, sends CONNECT with
// {"token"} and, at the answer (its handshake ends there), emits
// `join-session` {sessionId, userInfo}. The instructors name the session
// themselves (`load-<run>-i<instance>-r<room>`: an instructor's join opens
// it); the first one in publishes the id, which releases the room's
// learners in the ramp. A socket is in at `session-joined` (join latency:
// join-session → session-joined).
//
// The workload: every socket sends `cursor-update` at `cursor.perSecond`
// of its role. A cursor is two integers, so the sender's stamp goes into
// them (sio::stamp_cursor) and every `cursor-moved` is timed at its
// receiver (delivery latency). The server coalesces a user's cursor to at
// most one cursor-moved per 50 ms (the latest), so deliveries have no
// loss figure: each update counts as at most (joined sockets − 1)
// deliveries (`cursorMoved`, coalesced). `user-joined` is counted as
// `userJoined`; `user-left` and `user-activity-changed` as `presence`.

#include "sio_live.hpp"

#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace {

using json = nlohmann::json;

/// "i0-r12-h0" → "i0-r12": the instance and room of a load user id.
std::string room_part(const std::string& user_id) {
  auto dash = user_id.rfind('-');
  return dash == std::string::npos ? user_id : user_id.substr(0, dash);
}

class session_socket : public live_socket {
public:
  session_socket(client_spec spec, std::string run)
    : live_socket(std::move(spec)), run_(std::move(run)) {}

  bool act(session_io& io, action a) override {
    if (a != action::cursor || !in())
      return false;
    auto at = sio::stamp_cursor(io.now_ns());
    emit(io, "cursor-update",
         json({{"line", at.line}, {"column", at.column}}).dump());
    auto others = spec_.room->audience.load(std::memory_order_relaxed) - 1;
    if (others > 0)
      io.expect(tally::cursor_moved, others);
    return true;
  }

private:
  bool instructor() const noexcept { return spec_.who == role::host; }

  void connected(session_io& io) override {
    if (!spec_.plan->join_rooms) {
      enter(io, audience::not_counted); // connected is all there is to it
      return;
    }
    session_id_ = instructor() ? "load-" + run_ + "-" + room_part(spec_.user_id)
                               : spec_.room->id();
    joining_at_ = io.now_ns();
    emit(io, "join-session",
         json({{"sessionId", session_id_},
               {"userInfo",
                {{"userId", spec_.user_id},
                 {"name", spec_.name},
                 {"role", instructor() ? "instructor" : "learner"}}}})
           .dump());
  }

  void event(session_io& io, const sio::frame& f) override {
    if (f.event == "cursor-moved") {
      io.delivered(tally::cursor_moved);
      auto age = sio::cursor_age_ns(sio::integer_field(f.data, "line"),
                                    sio::integer_field(f.data, "column"), io.now_ns());
      if (age < 0)
        io.error("cursor-moved without a stamp");
      else
        io.record(latency_kind::delivery, age);
    } else if (f.event == "user-joined") {
      io.delivered(tally::user_joined);
    } else if (f.event == "user-left" || f.event == "user-activity-changed") {
      io.delivered(tally::presence);
    } else if (f.event == "session-joined") {
      joined(io, f);
    } else if (f.event == "error") {
      io.error("ERROR:" + std::string(sio::string_field(f.data, "code")));
    } else if (f.event == "session-closed") {
      io.error("session-closed:" + std::string(sio::string_field(f.data, "reason")));
      leave();
    } else {
      io.error("unexpected event " + std::string(f.event.substr(0, 64)));
    }
  }

  void joined(session_io& io, const sio::frame& f) {
    if (in())
      return;
    if (sio::string_field(f.data, "sessionId") != session_id_) {
      io.error("session-joined for another session");
      return;
    }
    io.record(latency_kind::join, io.now_ns() - joining_at_);
    enter(io, audience::counted);
    if (instructor() && !spec_.room->ready.load(std::memory_order_acquire))
      spec_.room->publish(session_id_); // the learners may come
  }

  bool live_only(std::string_view event) const override {
    return event == "cursor-moved";
  }
  std::string_view error_event() const override { return "error"; }

  std::string run_;
  std::string session_id_;
};

class session_dialect : public dialect {
public:
  session_dialect() {
    // Session ids are the instructors' to choose: one run's never meet
    // another's on the same server (sessions are stored).
    std::random_device rd;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    run_ = buf;
  }

  std::string_view name() const override { return "sio-session"; }

  std::string check(const scenario& s) const override {
    if (s.hosts_per_room == 0 && s.join_rooms)
      return "the sio-session dialect needs an instructor per session "
             "(hostsPerRoom >= 1): only an instructor's join opens a session";
    for (auto* p : {&s.host, &s.participant})
      if (p->heartbeat.enabled() || p->announce.enabled() || p->code_change.enabled()
          || p->violation.enabled() || p->submit.enabled())
        return "in the sio-session dialect sockets only move their cursors: only "
               "host.cursor and participant.cursor have a rate";
    return live_check(s, name());
  }

  std::string target(const scenario& s, const std::string&) const override {
    return live_target(s);
  }

  std::unique_ptr<dialect_session> make_session(client_spec spec) const override {
    return std::make_unique<session_socket>(std::move(spec), run_);
  }

  std::string role_claim(role who) const override {
    return who == role::host ? "instructor" : "learner";
  }

  bool handshake_in_session() const override { return true; }

private:
  std::string run_;
};

} // namespace

std::unique_ptr<dialect> make_sio_session_dialect() {
  return std::make_unique<session_dialect>();
}

} // namespace proctord::load
