// The native dialect (protocol/README.md) as a load client speaks it.
//
// A host connects, sends CREATE_ROOM, publishes the room id to its room's
// participants, starts the room if asked and approves every JOIN_REQUEST.
// A participant connects once its room exists, sends JOIN_ROOM and is in
// once JOIN_APPROVED arrives. After a drop both come back with RESUME and
// the resume token and highest seq they saw. Frames that arrive at high
// rates (ANNOUNCEMENT, CODE_UPDATE, acknowledgements) are read by looking
// for the few fields needed, not parsed whole.

#include <charconv>
#include <deque>

#include <nlohmann/json.hpp>

#include "contest_dialect.hpp"
#include "dialect.hpp"
#include "probe_dialect.hpp"
#include "sio_live.hpp"
#include "socketio_dialect.hpp"

namespace proctord::load {

namespace {

using json = nlohmann::json;

/// The string value of `"key":"..."` at top level or anywhere (our
/// frames have unique keys where we look); empty if absent.
std::string_view find_string(std::string_view frame, std::string_view key) {
  std::string pattern;
  pattern.reserve(key.size() + 4);
  pattern += '"';
  pattern += key;
  pattern += "\":\"";
  auto at = frame.find(pattern);
  if (at == std::string_view::npos)
    return {};
  auto start = at + pattern.size();
  auto end = frame.find('"', start);
  if (end == std::string_view::npos)
    return {};
  return frame.substr(start, end - start);
}

std::int64_t find_integer(std::string_view frame, std::string_view key) {
  std::string pattern;
  pattern += '"';
  pattern += key;
  pattern += "\":";
  auto at = frame.find(pattern);
  if (at == std::string_view::npos)
    return -1;
  auto p = frame.data() + at + pattern.size();
  std::int64_t v = -1;
  auto [end, ec] = std::from_chars(p, frame.data() + frame.size(), v);
  return ec == std::errc{} ? v : -1;
}

std::string frame_of(json j) {
  return j.dump();
}

class native_session : public dialect_session {
public:
  explicit native_session(client_spec spec) : spec_(std::move(spec)) {}

  void on_open(session_io& io, bool reconnect) override {
    in_room_ = false;
    opened_at_ = io.now_ns();
    if (reconnect && !resume_token_.empty()) {
      io.send(frame_of({{"type", "RESUME"},
                        {"resumeToken", resume_token_},
                        {"lastSeq", last_seq_}}));
      return;
    }
    auto& plan = *spec_.plan;
    if (!plan.join_rooms) {
      enter(io); // open is all there is to it
      return;
    }
    if (spec_.who == role::host) {
      auto guests = plan.room_max_guests.value_or(
        std::max<std::size_t>(1, plan.participants_per_room));
      io.send(frame_of({{"type", "CREATE_ROOM"},
                        {"roomname", "load room " + std::to_string(spec_.room->index)},
                        {"maxGuests", guests},
                        {"duration", plan.room_duration_minutes},
                        {"isPublic", plan.room_public}}));
    } else {
      io.send(frame_of({{"type", "JOIN_ROOM"}, {"roomId", spec_.room->id()}}));
    }
  }

  void on_text(session_io& io, std::string_view frame) override {
    auto type = find_string(frame, "type");
    if (type == "ANNOUNCEMENT") {
      io.delivered(tally::announcement);
      stamp(io, frame);
    } else if (type == "CODE_UPDATE") {
      io.delivered(tally::code_update);
      stamp(io, frame);
    } else if (type == "USER_SUBMITTED") {
      io.delivered(tally::submission_to_host);
      stamp(io, frame);
      seq(frame);
    } else if (type == "SUBMISSION_RECEIVED") {
      io.delivered(tally::submission_ack);
      if (!submits_.empty()) {
        io.record(latency_kind::ack, io.now_ns() - submits_.front());
        submits_.pop_front();
      }
      seq(frame);
    } else if (type == "VIOLATION_DETECTED") {
      if (find_string(frame, "violationType") != "DISCONNECT") {
        io.delivered(tally::violation);
        auto sent = spec_.room->violation_seen(find_string(frame, "userId"));
        if (sent >= 0)
          io.record(latency_kind::delivery, io.now_ns() - sent);
      }
      seq(frame);
    } else if (type == "HEARTBEAT_ACK" || type == "PROCTORING_UPDATE") {
      seq(frame);
    } else if (type == "ERROR") {
      auto code = find_string(frame, "code");
      io.error("ERROR:" + std::string(code));
      refused(io, find_string(frame, "requestType"));
    } else {
      control(io, type, frame);
    }
  }

  bool act(session_io& io, action a) override {
    if (a == action::heartbeat) {
      io.send(R"({"type":"HEARTBEAT"})");
      return true;
    }
    if (!in_room_)
      return false;
    auto& plan = *spec_.plan;
    auto& room_id = room_id_;
    switch (a) {
      case action::heartbeat:
      case action::cursor: // refused in check()
        break;
      case action::announce:
        io.send(frame_of({{"type", "ANNOUNCE"},
                          {"roomId", room_id},
                          {"message", stamped_text(io.now_ns(),
                                                   plan.host.announce.bytes)}}));
        io.expect(tally::announcement, spec_.room->audience.load());
        return true;
      case action::code_change:
        io.send(frame_of({{"type", "CODE_CHANGE"},
                          {"roomId", room_id},
                          {"code", stamped_text(io.now_ns(),
                                                plan.participant.code_change.bytes)},
                          {"language", "python"}}));
        return true;
      case action::violation:
        io.send(frame_of({{"type", (violations_ % 2) ? "TAB_BLUR" : "FULLSCREEN_EXIT"},
                          {"roomId", room_id},
                          {"idempotencyKey", "v" + std::to_string(violations_)}}));
        ++violations_;
        spec_.room->violation_sent(spec_.user_id, io.now_ns());
        io.expect(tally::violation, 1);
        return true;
      case action::submit: {
        auto now = io.now_ns();
        io.send(frame_of({{"type", "SUBMIT_CODE"},
                          {"roomId", room_id},
                          {"code", stamped_text(now, plan.participant.submit.bytes)},
                          {"language", "python"},
                          {"idempotencyKey", "s" + std::to_string(submissions_)}}));
        ++submissions_;
        submits_.push_back(now);
        io.expect(tally::submission_ack, 1);
        io.expect(tally::submission_to_host, 1);
        return true;
      }
    }
    return false;
  }

private:
  void stamp(session_io& io, std::string_view frame) {
    auto t = find_stamp(frame);
    if (t >= 0)
      io.record(latency_kind::delivery, io.now_ns() - t);
  }

  /// A refused message (shed, rate limited, not stored) is not expected
  /// to arrive anywhere: the sender was told.
  void refused(session_io& io, std::string_view request_type) {
    if (request_type == "ANNOUNCE") {
      io.expect(tally::announcement, -spec_.room->audience.load());
    } else if (request_type == "FULLSCREEN_EXIT" || request_type == "TAB_BLUR") {
      io.expect(tally::violation, -1);
      spec_.room->violation_refused(spec_.user_id);
    } else if (request_type == "SUBMIT_CODE") {
      io.expect(tally::submission_ack, -1);
      io.expect(tally::submission_to_host, -1);
      if (!submits_.empty())
        submits_.pop_back();
    }
  }

  void seq(std::string_view frame) {
    auto s = find_integer(frame, "seq");
    if (s > last_seq_)
      last_seq_ = s;
  }

  void enter(session_io& io) {
    if (!in_room_) {
      in_room_ = true;
      io.in_room();
    }
  }

  /// Everything that is not hot: parsed whole.
  void control(session_io& io, std::string_view type, std::string_view frame) {
    auto j = json::parse(frame, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      io.error("unparsable frame");
      return;
    }
    if (auto s = j.find("seq"); s != j.end() && s->is_number_integer())
      last_seq_ = std::max(last_seq_, s->get<std::int64_t>());
    const json& data = j.contains("data") ? j["data"] : j;
    if (type == "ROOM_CREATED") {
      room_id_ = data.value("roomId", "");
      resume_token_ = data.value("resumeToken", "");
      spec_.room->audience.store(1);
      spec_.room->publish(room_id_);
      io.record(latency_kind::join, io.now_ns() - opened_at_);
      if (spec_.plan->room_start)
        io.send(frame_of({{"type", "START_ROOM"}, {"roomId", room_id_}}));
      else
        enter(io);
    } else if (type == "ROOM_STARTED") {
      if (spec_.who == role::host)
        enter(io);
    } else if (type == "JOIN_REQUEST") {
      io.send(frame_of({{"type", "APPROVE_JOIN"},
                        {"roomId", room_id_},
                        {"userId", data.value("userId", "")},
                        {"approve", true}}));
    } else if (type == "USER_JOINED" || type == "USER_LEFT") {
      if (spec_.who == role::host)
        if (auto c = data.find("connectedCount"); c != data.end() && c->is_number())
          spec_.room->audience.store(c->get<std::int64_t>());
    } else if (type == "WAITING_APPROVAL") {
      resume_token_ = j.value("resumeToken", resume_token_);
    } else if (type == "JOIN_APPROVED") {
      room_id_ = data.value("roomId", room_id_);
      resume_token_ = data.value("resumeToken", resume_token_);
      io.record(latency_kind::join, io.now_ns() - opened_at_);
      enter(io);
    } else if (type == "RESUMED") {
      room_id_ = j.value("roomId", room_id_);
      enter(io);
    } else if (type == "RESYNC_REQUIRED") {
      io.error("RESYNC_REQUIRED:" + j.value("reason", std::string{}));
      enter(io);
    } else if (type == "ROOM_ENDED" || type == "KICKED" || type == "JOIN_REJECTED") {
      io.error(std::string(type));
      in_room_ = false;
    }
  }

  client_spec spec_;
  bool in_room_ = false;
  std::string room_id_;
  std::string resume_token_;
  std::int64_t last_seq_ = 0;
  std::int64_t opened_at_ = 0;
  std::uint64_t violations_ = 0;
  std::uint64_t submissions_ = 0;
  std::deque<std::int64_t> submits_; // send times, acknowledged in order
};

class native_dialect : public dialect {
public:
  std::string_view name() const override { return "native"; }

  std::string check(const scenario& s) const override {
    if (s.hosts_per_room != 1)
      return "the native dialect has exactly one host per room "
             "(hostsPerRoom must be 1)";
    if (s.participants_per_room > 1000)
      return "the native dialect allows at most 1000 participants a room";
    if (s.host.cursor.enabled() || s.participant.cursor.enabled())
      return "the native dialect moves no cursors (cursor is sio-session's)";
    return {};
  }

  std::string target(const scenario& s, const std::string& token) const override {
    auto path = s.url.path;
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "token="
           + token;
  }

  std::unique_ptr<dialect_session> make_session(client_spec spec) const override {
    return std::make_unique<native_session>(std::move(spec));
  }
};

} // namespace

std::unique_ptr<dialect> make_dialect(std::string_view name) {
  if (name == "native")
    return std::make_unique<native_dialect>();
  if (name == "contest")
    return make_contest_dialect();
  if (name == "socketio")
    return make_socketio_dialect();
  if (name == "sio-session")
    return make_sio_session_dialect();
  if (name == "sio-exam")
    return make_sio_exam_dialect();
  if (name == "probe")
    return make_probe_dialect();
  return nullptr;
}

std::string_view name_of(tally t) noexcept {
  switch (t) {
    case tally::announcement: return "announcement";
    case tally::code_update: return "codeUpdate";
    case tally::submission_ack: return "submissionAck";
    case tally::submission_to_host: return "submissionToHost";
    case tally::violation: return "violation";
    case tally::answer_ack: return "answerAck";
    case tally::answer_refused: return "answerRefused";
    case tally::question: return "question";
    case tally::timer_tick: return "timerTick";
    case tally::leaderboard: return "leaderboard";
    case tally::contest_end: return "contestEnd";
    case tally::room_broadcast: return "roomBroadcast";
    case tally::presence: return "presence";
    case tally::cursor_moved: return "cursorMoved";
    case tally::user_joined: return "userJoined";
    case tally::answer_submitted: return "answerSubmitted";
    case tally::progress_update: return "progressUpdate";
    case tally::time_update: return "timeUpdate";
  }
  return "?";
}

bool has_loss_figure(tally t) noexcept {
  return t != tally::code_update && t != tally::answer_refused
         && t != tally::leaderboard && t != tally::presence
         && t != tally::cursor_moved && t != tally::user_joined
         && t != tally::time_update;
}

std::string stamped_text(std::int64_t now_ns, std::size_t bytes) {
  auto s = "~t" + std::to_string(now_ns) + "~";
  if (s.size() < bytes)
    s.append(bytes - s.size(), 'x');
  return s;
}

std::int64_t find_stamp(std::string_view frame) noexcept {
  auto at = frame.find("~t");
  if (at == std::string_view::npos)
    return -1;
  std::int64_t v = -1;
  auto first = frame.data() + at + 2;
  auto last = frame.data() + frame.size();
  auto [end, ec] = std::from_chars(first, last, v);
  if (ec != std::errc{} || end == last || *end != '~')
    return -1;
  return v;
}

} // namespace proctord::load
