#include "actors/exam/directory.hpp"

#include "actors/core/sio_envelope.hpp"
#include "actors/exam/exam.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace proctord {

namespace {

using self_ptr = exam_directory_actor::stateful_pointer<exam_directory_state>;
namespace px = protocol::exam;
namespace sio = protocol::socketio;
using px::error_code;

constexpr auto store_timeout = std::chrono::seconds{10};
constexpr std::string_view domain = "exam";

std::int64_t now_ms(self_ptr self) {
  return self->state.clock.now(self->clock());
}

double now_s(self_ptr self) {
  using namespace std::chrono;
  return duration<double>(self->clock().now().time_since_epoch()).count();
}

bool student(const protocol::identity& who) {
  return who.role == "student";
}

bool teacher(const protocol::identity& who) {
  return who.role == "teacher" || who.role == "admin";
}

void to_socket(self_ptr self, const sio_from& f, sio::outgoing o) {
  self->send(self->state.relay, sio_envelope{f.nsp, {f.at}, std::move(o)});
}

/// exam-error to a socket that is in no exam (no offset: it has been sent
/// no logged event of an exam it is in), and the refusal as its ack.
void error_to(self_ptr self, const sio_from& f, std::optional<std::uint64_t> ack,
              error_code code, std::string message) {
  if (ack)
    to_socket(self, f, sio::out::ack{*ack, px::ack_refused(code, message), {}});
  auto w = px::encode(px::evt::error{code, std::move(message)});
  to_socket(self, f, sio::out::emit{std::string{w.name}, std::move(w.args), {},
                                    std::nullopt, {}});
}

exam_actor spawn_exam(self_ptr self, exam_seed seed) {
  auto& st = self->state;
  return self->spawn<caf::linked>(exam, st.cfg, st.store, st.relay,
                                  exam_directory_actor{self}, st.stats, st.clock,
                                  std::move(seed));
}

void arm_expiry(self_ptr self) {
  auto& st = self->state;
  if (st.expiring || st.pids.size() == 0)
    return;
  st.expiring = true;
  self->delayed_send(self, st.cfg.recovery.window, pid_expire_atom::value);
}

void forget_pids(self_ptr self, const std::vector<std::string>& pids) {
  if (pids.empty())
    return;
  persistence::write_set ws;
  for (auto& pid : pids) {
    persistence::live_pid_record r;
    r.pid = pid;
    r.domain = std::string{domain};
    r.removed = true;
    ws.live_pids.push_back(std::move(r));
  }
  self->request(self->state.store, store_timeout, std::move(ws))
    .then([](committed_atom) {},
          [](caf::error& err) {
            spdlog::warn("exam directory cannot forget old pids: {}",
                         caf::to_string(err));
          });
}

/// A fresh CONNECT: the socket's sid, a new pid; it waits for a join.
void connect_fresh(self_ptr self, exam_directory_state::socket_entry& e) {
  e.sock.sid = e.fresh_sid;
  e.sock.pid = new_pid();
  e.exam_id.clear();
  to_socket(self, e.sock.from, sio::out::connected{e.sock.sid, e.sock.pid});
  self->send(e.sock.conn, sio_seated{e.sock.from.at.channel, true});
}

// -- sockets -----------------------------------------------------------------------

void on_join(self_ptr self, sio_join& j) {
  auto& st = self->state;
  auto hello = authenticate(j, st.cfg.tokens);
  if (!hello || !(student(hello->who) || teacher(hello->who))) {
    to_socket(self, j.from, sio::out::refused{"UNAUTHORIZED", {}});
    self->send(j.conn, sio_seated{j.from.at.channel, false});
    return;
  }
  auto key = exam_socket_key(j.from.at);
  exam_directory_state::socket_entry e{
    live_socket{j.from, j.conn, hello->who, j.sid, {}}, j.sid, {},
    token_bucket{st.cfg.rate_per_second, st.cfg.rate_burst}};
  if (!hello->pid.empty() && hello->offset) {
    auto claimed = st.pids.claim(hello->pid, hello->who.user_id, now_ms(self),
                                 st.cfg.recovery.window);
    if (claimed) {
      if (auto x = st.exams.find(claimed->room_id); x != st.exams.end()) {
        e.sock.sid = claimed->sid;
        e.sock.pid = hello->pid;
        e.exam_id = claimed->room_id;
        self->send(x->second.actor,
                   exam_restore{e.sock, *hello->offset, claimed->monitor});
        st.sockets.insert_or_assign(key, std::move(e));
        return;
      }
      st.pids.forget(hello->pid);
    }
  }
  auto& entry = st.sockets.insert_or_assign(key, std::move(e)).first->second;
  connect_fresh(self, entry);
}

/// A command of a socket that is in no exam.
struct waiting_cmd {
  self_ptr self;
  exam_directory_state::socket_entry& e;
  std::optional<std::uint64_t> ack;

  void refuse(error_code code, std::string message) const {
    error_to(self, e.sock.from, ack, code, std::move(message));
  }
  /// Hands the socket to exam `exam_id` with its join.
  void enter(const std::string& exam_id, px::command cmd) const {
    auto x = self->state.exams.find(exam_id);
    if (x == self->state.exams.end())
      return refuse(error_code::exam_not_found, "no exam " + exam_id);
    e.exam_id = exam_id;
    self->send(x->second.actor, exam_enter{e.sock, std::move(cmd)});
  }

  void operator()(const px::cmd::join_exam_session& c) const {
    if (!student(e.sock.who))
      return refuse(error_code::forbidden, "only students take exams");
    enter(c.exam_id, px::command{c, ack});
  }
  void operator()(const px::cmd::join_monitoring& c) const {
    if (!teacher(e.sock.who))
      return refuse(error_code::forbidden, "only teachers monitor exams");
    enter(c.exam_id, px::command{c, ack});
  }
  void operator()(const px::cmd::submit_answer&) const { student_only(); }
  void operator()(const px::cmd::end_exam&) const { student_only(); }
  void operator()(const px::cmd::heartbeat&) const {
    if (ack)
      to_socket(self, e.sock.from,
                sio::out::ack{*ack, px::ack_heartbeat(now_ms(self)), {}});
  }
  void operator()(const px::cmd::leave_monitoring&) const { teacher_only(); }
  void operator()(const px::cmd::force_end_exam&) const { teacher_only(); }
  void operator()(const px::cmd::invalid& c) const {
    refuse(error_code::invalid_payload, c.message);
  }

  void student_only() const {
    if (!student(e.sock.who))
      return refuse(error_code::forbidden, "only students take exams");
    refuse(error_code::not_in_exam, "join-exam-session first");
  }
  void teacher_only() const {
    if (!teacher(e.sock.who))
      return refuse(error_code::forbidden, "only teachers monitor exams");
    refuse(error_code::not_in_exam, "join-monitoring of the exam first");
  }
};

void on_command(self_ptr self, sio_from& f, sio::command& c) {
  auto& st = self->state;
  auto i = st.sockets.find(exam_socket_key(f.at));
  auto* cmd = std::get_if<px::command>(&c);
  if (i == st.sockets.end() || cmd == nullptr)
    return;
  auto& e = i->second;
  bool limited = !e.bucket.take(now_s(self));
  if (!e.exam_id.empty()) {
    auto x = st.exams.find(e.exam_id);
    if (x != st.exams.end()) {
      self->send(x->second.actor, exam_socket_cmd{f, std::move(*cmd), limited});
      return;
    }
    e.exam_id.clear();
  }
  if (limited)
    return error_to(self, f, cmd->ack, error_code::rate_limited,
                    "too many events; slow down");
  std::visit(waiting_cmd{self, e, cmd->ack}, cmd->what);
}

void on_leave(self_ptr self, sio_from& f) {
  auto& st = self->state;
  auto i = st.sockets.find(exam_socket_key(f.at));
  if (i == st.sockets.end())
    return;
  auto& e = i->second;
  if (auto x = st.exams.find(e.exam_id); x != st.exams.end())
    self->send(x->second.actor, f, leave_atom::value);
  // Its pid may recover for a while (when it is seated somewhere).
  if (auto* p = st.pids.find(e.sock.pid); p != nullptr && p->sid == e.sock.sid) {
    st.pids.dropped(e.sock.pid, now_ms(self));
    arm_expiry(self);
  }
  st.sockets.erase(i);
}

void on_released(self_ptr self, exam_released& r) {
  auto& st = self->state;
  auto i = st.sockets.find(exam_socket_key(r.from.at));
  if (i == st.sockets.end())
    return;
  switch (r.what) {
    case exam_released::why::waiting:
      i->second.exam_id.clear();
      break;
    case exam_released::why::gone:
      st.sockets.erase(i);
      break;
    case exam_released::why::fresh: {
      auto old = i->second.sock.pid;
      st.pids.forget(old);
      forget_pids(self, {old});
      connect_fresh(self, i->second);
      break;
    }
  }
}

void on_pid(self_ptr self, exam_pid_report& r) {
  auto& st = self->state;
  if (r.what == exam_pid_report::op::forgotten) {
    st.pids.forget(r.pid);
    return;
  }
  pid_table::entry e;
  e.room_id = r.exam_id;
  e.user_id = r.user_id;
  e.sid = r.sid;
  e.monitor = r.monitor;
  st.pids.seated(r.pid, e);
  // Its socket may have dropped while the seat was committing.
  auto i = st.sockets.find(exam_socket_key(r.from.at));
  if (i == st.sockets.end() || i->second.sock.pid != r.pid) {
    st.pids.dropped(r.pid, now_ms(self));
    arm_expiry(self);
  }
}

// -- REST --------------------------------------------------------------------------

exam_reply failure(std::uint16_t status, std::string code, std::string message) {
  exam_reply r;
  r.status = status;
  r.code = std::move(code);
  r.message = std::move(message);
  return r;
}

caf::result<exam_reply> create(self_ptr self, exam_request& req) {
  auto& st = self->state;
  if (req.duration_s < 1 || req.duration_s > st.cfg.max_duration_s
      || req.question_count < 1 || req.question_count > st.cfg.max_questions)
    return failure(400, "INVALID_FIELD", "the exam is out of bounds");
  persistence::exam_record row{make_uuid(), req.title, req.duration_s,
                               req.question_count, req.created_by, now_ms(self)};
  persistence::write_set ws;
  ws.exams.push_back(row);
  auto rp = self->make_response_promise<exam_reply>();
  self->request(st.store, store_timeout, std::move(ws))
    .then(
      [=](committed_atom) mutable {
        auto actor = spawn_exam(self, exam_seed{row, {}, {}, 0});
        self->state.exams.emplace(row.exam_id,
                                  exam_directory_state::exam_entry{row, actor});
        spdlog::info("exam directory creates exam {} for {}", row.exam_id,
                     row.created_by);
        exam_reply r;
        r.status = 201;
        r.exam.exam_id = row.exam_id;
        rp.deliver(std::move(r));
      },
      [=](caf::error&) mutable {
        rp.deliver(failure(503, "STORE_UNAVAILABLE",
                           "the exam could not be saved; try again"));
      });
  return rp;
}

} // namespace

exam_directory_actor::behavior_type
exam_directory(self_ptr self, exam_config cfg, store_actor store, relay_actor relay,
               persistence::live_snapshot stored, std::shared_ptr<exam_stats> stats) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.relay = std::move(relay);
  st.stats = std::move(stats);
  st.clock = contest::wall_clock::starting_now(self->clock());
  st.pids.load(stored.pids, domain, now_ms(self));
  std::map<std::string, exam_seed> seeds;
  for (auto& e : stored.exams) {
    auto id = e.exam_id;
    seeds[id].def = std::move(e);
  }
  for (auto& s : stored.students)
    if (auto i = seeds.find(s.exam_id); i != seeds.end())
      i->second.students.push_back(std::move(s));
  for (auto& a : stored.answers)
    if (auto i = seeds.find(a.exam_id); i != seeds.end())
      i->second.answers.push_back(std::move(a));
  for (auto& q : stored.seqs)
    if (auto i = seeds.find(q.room_id); q.domain == domain && i != seeds.end())
      i->second.last_seq = q.seq;
  for (auto& [id, seed] : seeds) {
    auto def = seed.def;
    auto actor = spawn_exam(self, std::move(seed));
    st.exams.emplace(id, exam_directory_state::exam_entry{std::move(def), actor});
  }
  if (!st.exams.empty())
    spdlog::info("exam directory restores {} exams", st.exams.size());
  arm_expiry(self);
  return {
    [=](sio_join& j) { on_join(self, j); },
    [=](sio_from& f, sio::command& c) { on_command(self, f, c); },
    [=](sio_from& f, leave_atom) { on_leave(self, f); },
    [=](exam_request& req) -> caf::result<exam_reply> {
      if (req.what == exam_request::op::create)
        return create(self, req);
      auto x = self->state.exams.find(req.exam_id);
      if (x == self->state.exams.end())
        return failure(404, "EXAM_NOT_FOUND", "no exam " + req.exam_id);
      return self->delegate(x->second.actor, std::move(req));
    },
    [=](exam_released& r) { on_released(self, r); },
    [=](exam_pid_report& r) { on_pid(self, r); },
    [=](pid_expire_atom) {
      auto& st = self->state;
      st.expiring = false;
      forget_pids(self, st.pids.expire(now_ms(self), st.cfg.recovery.window));
      arm_expiry(self);
    },
  };
}

} // namespace proctord
