#pragma once
// What the exam actor tests share: the real Socket.IO connection actor,
// exam directory, exams, relay and store (a real SQLite file), on CAF's
// test coordinator (the clock is simulated: deadlines and time-update run
// in no time), with sockets that record the Socket.IO packets they get.

#include "fixture.hpp"
#include "sio_fixture.hpp"

#include "actors/exam/directory.hpp"
#include "actors/socketio/connection.hpp"
#include "protocol/token.hpp"

#include <caf/send.hpp>

#include <functional>
#include <map>

namespace proctord::test {

namespace px = protocol::exam;

/// One event as a client sees it: name, payload, and the offset (its last
/// argument when that is a string), "" when none.
struct sio_event {
  std::string name;
  json payload;
  std::string offset;
};

/// A client's socket on namespace "/": every packet it was sent.
struct exam_client {
  sio_connection_actor conn;
  std::shared_ptr<sio_inbox> in;
  std::uint64_t conn_id = 0;
  std::string user;

  sio_inbox* operator->() const { return in.get(); }

  std::vector<sio_event> events() const {
    std::vector<sio_event> out;
    for (auto& p : in->packets) {
      if (p.rfind("42", 0) != 0)
        continue;
      auto arr = json::parse(p.substr(2), nullptr, false);
      REQUIRE(arr.is_array());
      sio_event e{arr[0].get<std::string>(), arr.size() > 1 ? arr[1] : json{}, {}};
      if (arr.size() > 2 && arr.back().is_string())
        e.offset = arr.back().get<std::string>();
      out.push_back(std::move(e));
    }
    return out;
  }
  std::vector<json> of(const std::string& name) const { return in->events(name); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& e : events())
      out.push_back(e.name);
    return out;
  }
  /// The codes of its exam-error events, in order.
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (auto& e : of("exam-error"))
      out.push_back(e.value("code", "?"));
    return out;
  }
  /// The first argument of the ACK answering `id` (null when none came).
  json ack(std::uint64_t id) const {
    auto head = "43" + std::to_string(id) + "[";
    for (auto& p : in->packets)
      if (p.rfind(head, 0) == 0)
        return json::parse(p.substr(head.size() - 1))[0];
    return json{};
  }
  /// The CONNECT answer ({sid, pid}), null when refused or not yet.
  json connected() const {
    for (auto& p : in->packets)
      if (p.rfind("40", 0) == 0)
        return json::parse(p.substr(2));
    return json{};
  }
  bool refused() const {
    for (auto& p : in->packets)
      if (p.rfind("44", 0) == 0)
        return true;
    return false;
  }
  /// The last offset it was sent.
  std::string last_offset() const {
    std::string last;
    for (auto& e : events())
      if (!e.offset.empty())
        last = e.offset;
    return last;
  }
  void clear() { in->packets.clear(); }
};

/// A socket that records what it is sent and calls `on_packet` first.
class hooked_outbound : public net::outbound {
public:
  hooked_outbound(std::shared_ptr<sio_inbox> in,
                  std::function<void(const std::string&)> on_packet)
    : in_(std::move(in)), on_packet_(std::move(on_packet)) {}
  void send(net::shared_frame f) override {
    if (on_packet_)
      on_packet_(*f);
    in_->packets.push_back(*f);
  }
  void send_binary(net::shared_frame f) override { in_->packets.push_back(*f); }
  void close(net::close_code code, std::string) override { in_->closed = code.value; }

private:
  std::shared_ptr<sio_inbox> in_;
  std::function<void(const std::string&)> on_packet_;
};

struct exam_fixture : actor_fixture {
  exam_config cfg;
  std::shared_ptr<exam_stats> stats = std::make_shared<exam_stats>();
  exam_directory_actor dir;
  std::shared_ptr<sio_connection_config> conn_cfg;
  std::vector<std::shared_ptr<net::outbound>> keep;

  exam_fixture() {
    cfg.tokens.secret = "exam-test-secret";
    cfg.time_update_interval = std::chrono::seconds{5};
    start(persistence::live_snapshot{});
  }

  /// Spawns the directory (from what a restart would load).
  void start(persistence::live_snapshot stored) {
    dir = sys.spawn(exam_directory, cfg, store_.writer, relay_, std::move(stored),
                    stats);
    remember(dir);
    conn_cfg = std::make_shared<sio_connection_config>();
    conn_cfg->connect_timeout = std::chrono::hours{1};
    conn_cfg->namespaces.add_exact("/", dir);
    drain();
  }

  /// The server stops: the directory and its exams are gone, the sockets
  /// with them (no client hears a thing), the store keeps what it has.
  void stop_server() {
    caf::anon_send_exit(dir, caf::exit_reason::user_shutdown);
    drain();
  }

  /// What the server loads at start.
  persistence::live_snapshot stored() {
    auto out = std::make_shared<persistence::live_snapshot>();
    auto st = store_.writer;
    spawn_fn([=](caf::event_based_actor* self) -> caf::behavior {
      self->request(st, caf::infinite, live_atom::value)
        .then([=](persistence::live_snapshot& s) {
          *out = std::move(s);
          self->quit();
        });
      return {};
    });
    drain();
    return *out;
  }

  exam_reply call(exam_request req) {
    auto reply = std::make_shared<exam_reply>();
    auto d = dir;
    spawn_fn([=](caf::event_based_actor* self) -> caf::behavior {
      self->request(d, caf::infinite, req).then([=](exam_reply& r) {
        *reply = std::move(r);
        self->quit();
      });
      return {};
    });
    drain();
    return *reply;
  }

  std::string create_exam(std::int64_t duration_s, std::int32_t questions = 10) {
    exam_request req;
    req.what = exam_request::op::create;
    req.title = "Final";
    req.duration_s = duration_s;
    req.question_count = questions;
    req.created_by = "t-1";
    auto r = call(req);
    REQUIRE(r.status == 201);
    return r.exam.exam_id;
  }

  exam_reply results(const std::string& exam_id) {
    exam_request req;
    req.what = exam_request::op::results;
    req.exam_id = exam_id;
    return call(req);
  }

  std::string token(const std::string& user, const std::string& role) {
    return protocol::mint_token(protocol::identity{user, "Name " + user, role},
                                cfg.tokens);
  }

  /// A connection whose channel 0 connects to "/" with `auth` (raw JSON).
  exam_client connect_raw(const std::string& user, const std::string& auth,
                          std::function<void(const std::string&)> hook = {}) {
    auto in = std::make_shared<sio_inbox>();
    auto out = std::make_shared<hooked_outbound>(in, std::move(hook));
    keep.push_back(out);
    auto id = sockets->next_id();
    sockets->add(id, out, dialect::socketio);
    auto conn = sys.spawn(sio_connection, relay_, id,
                          std::shared_ptr<const sio_connection_config>{conn_cfg},
                          std::string{"10.0.0.1"}, std::string{});
    remember(conn);
    caf::anon_send(conn, channel_id{0}, sio_connect{"/", auth});
    drain();
    return exam_client{conn, in, id, user};
  }

  exam_client connect(const std::string& user, const std::string& role,
                      std::function<void(const std::string&)> hook = {}) {
    return connect_raw(user, json{{"token", token(user, role)}}.dump(),
                       std::move(hook));
  }

  /// Connects again as `old`'s user, asking to recover its pid from its
  /// last offset (as the stock client does).
  exam_client reconnect(const exam_client& old, const std::string& role) {
    json auth{{"token", token(old.user, role)},
              {"pid", old.connected().value("pid", "")},
              {"offset", old.last_offset()}};
    return connect_raw(old.user, auth.dump());
  }

  void emit(const exam_client& c, px::command cmd) {
    caf::anon_send(c.conn, channel_id{0}, protocol::socketio::command{std::move(cmd)});
    drain();
  }
  template <class Cmd>
  void emit(const exam_client& c, Cmd cmd, std::optional<std::uint64_t> ack = {}) {
    emit(c, px::command{std::move(cmd), ack});
  }

  /// The transport of `c` drops (no DISCONNECT packet).
  void drop(const exam_client& c) {
    sockets->remove(c.conn_id);
    caf::anon_send(c.conn, closed_atom::value);
    drain();
  }

  exam_client student(const std::string& exam_id, const std::string& user) {
    auto s = connect(user, "student");
    emit(s, px::cmd::join_exam_session{exam_id, "", R"({"os":"Linux"})", "null"});
    REQUIRE(s.of("exam-session-joined").size() == 1);
    return s;
  }

  exam_client teacher(const std::string& exam_id, const std::string& user) {
    auto t = connect(user, "teacher");
    emit(t, px::cmd::join_monitoring{exam_id});
    REQUIRE(t.of("monitoring-joined").size() == 1);
    return t;
  }

  px::cmd::submit_answer answer(const std::string& question, std::string value,
                                double spent = 10) {
    return px::cmd::submit_answer{"", question, std::move(value), spent};
  }

  /// A student's column of its stored sitting.
  std::string sitting(const std::string& exam_id, const std::string& student,
                      const std::string& column) {
    return db->text("SELECT " + column + " FROM exam_students WHERE examId = '"
                    + exam_id + "' AND studentId = '" + student + "'");
  }
};

/// What a teacher knows of an exam from the events it got: each student's
/// state (StudentSession fields), by id.
inline std::map<std::string, json> teacher_view(const std::vector<sio_event>& events) {
  std::map<std::string, json> view;
  for (auto& e : events) {
    auto& p = e.payload;
    if (e.name == "monitoring-joined") {
      view.clear();
      for (auto& s : p["students"])
        view[s["studentId"]] = s;
    } else if (e.name == "student-joined") {
      view[p["student"]["studentId"]] = p["student"];
    } else if (e.name == "student-disconnected") {
      auto& s = view[p["studentId"]];
      s["connected"] = false;
      if (s["status"] == "active")
        s["status"] = "disconnected";
    } else if (e.name == "progress-update") {
      auto& s = view[p["studentId"]];
      s["answeredCount"] = p["answeredCount"];
      s["lastQuestionId"] = p["lastQuestionId"];
      s["status"] = p["status"];
    } else if (e.name == "exam-ended") {
      view[p["studentId"]]["status"] = "ended";
    }
  }
  return view;
}

inline std::map<std::string, json> teacher_view(const exam_client& t) {
  return teacher_view(t.events());
}

} // namespace proctord::test
