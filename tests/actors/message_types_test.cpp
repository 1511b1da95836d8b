// Every message an actor receives crosses a node unchanged: each registered
// type round-trips through CAF's binary serializer, populated, not only in
// its default state.

#include "fixture.hpp"

#include "actors/core/message_types.hpp"
#include "actors/contest/contest.hpp"
#include "actors/contest/contest_connection.hpp"
#include "actors/contest/contests.hpp"
#include "actors/contest/timer.hpp"
#include "actors/directory.hpp"
#include "actors/exam/directory.hpp"
#include "actors/exam/exam.hpp"
#include "actors/session/directory.hpp"
#include "actors/session/session.hpp"
#include "actors/socketio/connection.hpp"
#include "actors/study/directory.hpp"
#include "actors/study/room.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

#include <set>

using namespace proctord;
using namespace proctord::test;

namespace {

namespace evt = protocol::evt;
namespace p = persistence;
namespace pc = protocol::contest;

struct samples : actor_fixture {
  connection_actor conn;
  room_actor room;
  directory_actor dir;
  contests_actor contests_dir;
  contest_actor contest;
  contest_timer_actor timer;
  contest_connection_actor contest_conn;
  sio_connection_actor sio_conn;
  sio_domain_actor sio_domain;
  study_actor study_dir;
  study_room_actor study_room_hdl;
  exam_directory_actor exam_dir;
  exam_actor exam_hdl;
  session_directory_actor session_dir;
  session_actor session_hdl;

  samples() {
    auto host = connect("h1", "Hal");
    conn = host.who.conn;
    room = open_room(host);
    dir = sys.spawn(directory, room_cfg, store_, std::vector<std::string>{},
                    std::vector<persistence::room_snapshot>{});
    remember(dir);
    contests_dir = sys.spawn(contests, contest_config{}, store_,
                             std::vector<p::contest_snapshot>{});
    remember(contests_dir);
    contest = sys.spawn(contest_new, contest_config{}, store_, "c-1",
                        contest_def(), "admin-1", 5);
    remember(contest);
    timer = sys.spawn(contest_timer, contest,
                      contest::wall_clock::starting_now(sys.clock()));
    remember(timer);
    contest_conn = sys.spawn(contest_connection, contests_dir, relay_, 9,
                             "u1", "Pat", false);
    remember(contest_conn);
    auto sio_cfg = std::make_shared<sio_connection_config>();
    sio_conn = sys.spawn(sio_connection, relay_, 11, sio_cfg, "127.0.0.1", "");
    remember(sio_conn);
    sio_domain = sys.spawn(
      [](sio_domain_actor::pointer, int) -> sio_domain_actor::behavior_type {
        return {[](sio_join&) {},
                [](sio_from&, protocol::socketio::command&) {},
                [](sio_from&, leave_atom) {}};
      },
      0);
    remember(sio_domain);
    study_config scfg;
    scfg.hash_key = "k";
    study_dir = sys.spawn(study_directory, scfg, store_.writer, relay_,
                          persistence::study_snapshot{});
    remember(study_dir);
    study_room_hdl = sys.spawn(study_room, scfg, store_.writer, relay_, study_dir,
                               p::public_room_record{"pr1", "Library", 8, 1});
    remember(study_room_hdl);
    exam_dir = sys.spawn(exam_directory, exam_config{}, store_.writer, relay_,
                         persistence::live_snapshot{},
                         std::shared_ptr<exam_stats>{});
    remember(exam_dir);
    exam_seed seed;
    seed.def = persistence::exam_record{"e-1", "Final", 600, 10, "t-1", 5};
    exam_hdl = sys.spawn(exam, exam_config{}, store_.writer, relay_, exam_dir,
                         std::shared_ptr<exam_stats>{},
                         contest::wall_clock::starting_now(sys.clock()), seed);
    remember(exam_hdl);
    session_config sess_cfg;
    session_dir = sys.spawn(session_directory, sess_cfg, store_.writer, relay_,
                            p::live_snapshot{});
    remember(session_dir);
    session_seed sseed;
    sseed.row.session_id = "s-1";
    sseed.opening = true;
    session_hdl = sys.spawn(session, sess_cfg, store_.writer, relay_, session_dir,
                            std::move(sseed));
    remember(session_hdl);
  }

  pc::question_view question() {
    return pc::question_view{"c-1", "q2", 2, "2 + 2?",
                             std::vector<std::string>{"3", "4"}, 100, 30,
                             1'700'000'030'000};
  }

  pc::contest_def contest_def() {
    pc::contest_def d;
    d.title = "Weekly #42";
    d.questions.push_back(pc::question_def{"q1", "2 + 2?", std::nullopt, "4",
                                           100, 30});
    d.questions.push_back(pc::question_def{
      "q2", "Pick", std::vector<std::string>{"a", "b"}, "b", 50, 20});
    d.start_time = 1'700'000'000'000;
    d.score_rule = pc::scoring::fixed;
    d.freeze_before_end = 10;
    return d;
  }

  p::contest_record contest_row() {
    p::contest_record r;
    r.contest_id = "c-1";
    r.title = "Weekly #42";
    r.scoring = "speed";
    r.status = "PAUSED";
    r.paused_at = 99;
    r.paused_total_ms = 1500;
    return r;
  }

  caller who() {
    caller c;
    c.user_id = "u1";
    c.username = "Pat \"quoted\"";
    c.socket_id = "sock-1";
    c.conn = conn;
    c.relay = relay_;
    c.conn_id = 7;
    c.channel = 3;
    return c;
  }

  p::event_record event_row() {
    p::event_record e;
    e.room_id = "ABC123";
    e.seq = 42;
    e.audience = "USER";
    e.user_id = "u1";
    e.payload = R"({"v":1,"t":"kicked","d":{}})";
    e.created_at = 1'700'000'000'000;
    return e;
  }

  p::room_record room_row() {
    p::room_record r;
    r.room_id = "ABC123";
    r.host_id = "h1";
    r.roomname = "Interview";
    r.max_guests = 5;
    r.status = "LIVE";
    r.started_at = 17;
    return r;
  }

  // One populated value of each registered type.
  cmd::create_room make(cmd::create_room*) {
    return {"tok", "Interview", 5, "Q?", 60, true};
  }
  cmd::join_room make(cmd::join_room*) { return {"tok", "ABC123"}; }
  cmd::approve_join make(cmd::approve_join*) { return {"ABC123", "u2", false}; }
  cmd::start_room make(cmd::start_room*) { return {"ABC123"}; }
  cmd::leave_room make(cmd::leave_room*) { return {"ABC123"}; }
  cmd::end_room make(cmd::end_room*) { return {"ABC123"}; }
  cmd::get_room_status make(cmd::get_room_status*) { return {"ABC123"}; }
  cmd::proctor_signal make(cmd::proctor_signal*) {
    return {"ABC123", cmd::signal::tab_blur, "key-1"};
  }
  cmd::code_change make(cmd::code_change*) { return {"ABC123", "x = 1", "py"}; }
  cmd::submit_code make(cmd::submit_code*) {
    return {"ABC123", "print(1)", "python", "key-2"};
  }
  cmd::kick_user make(cmd::kick_user*) { return {"ABC123", "u2", "cheating"}; }
  cmd::announce make(cmd::announce*) { return {"ABC123", "10 minutes left"}; }
  cmd::resume make(cmd::resume*) { return {"resume-token", 9}; }
  protocol::command make(protocol::command*) {
    return cmd::kick_user{"ABC123", "u2", "cheating"};
  }
  caller make(caller*) { return who(); }
  seat_changed make(seat_changed*) {
    seat_changed s;
    s.room_id = "ABC123";
    s.channel = 2;
    s.state = seat_state::kicked;
    s.role = protocol::member_role::host;
    s.username = "Hal";
    s.room = caf::actor_cast<caf::strong_actor_ptr>(room);
    return s;
  }
  recipient make(recipient*) { return {7, 3}; }
  envelope make(envelope*) {
    evt::room_status_view v;
    v.room_id = "ABC123";
    v.status = protocol::room_status::live;
    v.participants.push_back(evt::member_view{
      "u1", "Pat", protocol::member_status::approved, true, 2, true});
    return envelope{"ABC123", 12, {{7, 3}, {8, 0}},
                    evt::resync_required{evt::resync_reason::grace_expired, v}};
  }
  close_order make(close_order*) { return {{7, 3}, 4003, "kicked"}; }
  protocol::event make(protocol::event*) {
    return evt::user_submitted{"u1", "Pat", 99, "print(1)", "python"};
  }
  p::write_set make(p::write_set*) {
    p::write_set ws;
    ws.rooms.push_back(room_row());
    ws.members.push_back(p::member_record{"ABC123", "u1", "Pat", "APPROVED", 2,
                                          true, 5, 0});
    ws.submissions.push_back(
      p::submission_record{"ABC123", "u1", "print(1)", "python", 6, "key"});
    ws.events.push_back(event_row());
    ws.public_users.push_back(p::public_user_record{"pu1", "Sam", "ab12", 3});
    ws.public_rooms.push_back(p::public_room_record{"pr1", "Library", 8, 4});
    ws.public_members.push_back(p::public_member_record{"pr1", "pu1", 0, true});
    return ws;
  }
  p::room_record make(p::room_record*) { return room_row(); }
  std::vector<p::room_record> make(std::vector<p::room_record>*) {
    return {room_row(), room_row()};
  }
  p::room_snapshot make(p::room_snapshot*) {
    p::room_snapshot s;
    s.room = room_row();
    s.members.push_back(p::member_record{"ABC123", "u1", "Pat", "PENDING", 0,
                                         false, 0, 0});
    s.last_seq = 77;
    return s;
  }
  p::replay_query make(p::replay_query*) {
    p::replay_query q;
    q.room_id = "ABC123";
    q.after_seq = 3;
    q.user_id = "u1";
    q.is_host = true;
    q.max_bytes = 1234;
    return q;
  }
  p::replay_page make(p::replay_page*) {
    p::replay_page page;
    page.events = {event_row(), event_row()};
    page.complete = false;
    page.last_seq_in_log = 50;
    return page;
  }
  storage make(storage*) { return store_; }
  connection_actor make(connection_actor*) { return conn; }
  room_actor make(room_actor*) { return room; }
  store_actor make(store_actor*) { return store_.writer; }
  store_reader_actor make(store_reader_actor*) { return store_.reader; }
  directory_actor make(directory_actor*) { return dir; }
  relay_actor make(relay_actor*) { return relay_; }
  pc::cmd::join_contest make(pc::cmd::join_contest*) { return {"c-1"}; }
  pc::cmd::submit_answer make(pc::cmd::submit_answer*) {
    return {"c-1", "q1", " Four ", "key-9"};
  }
  pc::cmd::resync make(pc::cmd::resync*) { return {"c-1"}; }
  contest_caller make(contest_caller*) {
    return contest_caller{"u1", "Pat", true, contest_conn, relay_, 9};
  }
  board_query make(board_query*) { return {20, 10, true}; }
  contest_envelope make(contest_envelope*) {
    pc::evt::leaderboard_update e;
    e.contest_id = "c-1";
    e.top = {pc::standing{1, "u1", "Pat", 180}, pc::standing{1, "u2", "Al", 180}};
    e.total_participants = 2;
    e.at = 1'700'000'000'123;
    return contest_envelope{"c-1", {{9, 0}, {10, 0}}, e,
                            {pc::you_view{1, 180}, pc::you_view{0, 0}}};
  }
  pc::event make(pc::event*) {
    pc::evt::contest_state s;
    s.contest_id = "c-1";
    s.state = pc::status::active;
    s.current_question = question();
    s.remaining = 12;
    s.answered = {"q1"};
    s.top = {pc::standing{1, "u1", "Pat", 180}};
    return s;
  }
  pc::contest_def make(pc::contest_def*) { return contest_def(); }
  pc::contest_info make(pc::contest_info*) {
    pc::contest_info i;
    i.contest_id = "c-1";
    i.title = "Weekly #42";
    i.questions = {question()};
    i.current_question = question();
    i.frozen = true;
    return i;
  }
  pc::leaderboard_page make(pc::leaderboard_page*) {
    return pc::leaderboard_page{"c-1", true, 2, 0,
                                {pc::standing{1, "u1", "Pat", 180}}};
  }
  std::vector<p::contest_record> make(std::vector<p::contest_record>*) {
    return {contest_row()};
  }
  p::contest_snapshot make(p::contest_snapshot*) {
    p::contest_snapshot s;
    s.contest = contest_row();
    p::contest_question_record q;
    q.contest_id = "c-1";
    q.question_id = "q1";
    q.has_options = true;
    q.options = {"a", ""};
    q.answer = "a";
    s.questions.push_back(q);
    s.participants.push_back(p::contest_participant_record{"c-1", "u1", "Pat", 4});
    s.answers.push_back(p::contest_answer_record{"c-1", "u1", "q1", "a", true,
                                                 90, 2000, 90, "k", 7});
    s.standings.push_back(
      p::contest_standing_record{"c-1", "u1", "Pat", 1, 90, 2000});
    return s;
  }
  contest_connection_actor make(contest_connection_actor*) {
    return contest_conn;
  }
  contest_actor make(contest_actor*) { return contest; }
  contest_timer_actor make(contest_timer_actor*) { return timer; }
  contests_actor make(contests_actor*) { return contests_dir; }
  sio_connect make(sio_connect*) { return sio_connect{"/custom", R"({"token":"t"})"}; }
  sio_from make(sio_from*) { return sio_from{recipient{11, 2}, "/public-room/r1"}; }
  sio_envelope make(sio_envelope*) {
    return sio_envelope{"/custom", {recipient{11, 1}},
                        protocol::socketio::out::emit{"message-back", R"(1,"2")",
                                                      {"\x01\x02"}, 7, {}}};
  }
  sio_seated make(sio_seated*) { return sio_seated{3, true}; }
  sio_join make(sio_join*) {
    return sio_join{sio_from{recipient{11, 0}, "/"}, "sid-1", "{}", "127.0.0.2",
                    "tok", sio_conn, relay_};
  }
  protocol::socketio::command make(protocol::socketio::command*) {
    return protocol::socketio::raw_ack{9, R"([true])", {"bin"}};
  }
  sio_connection_actor make(sio_connection_actor*) { return sio_conn; }
  sio_domain_actor make(sio_domain_actor*) { return sio_domain; }
  p::study_snapshot make(p::study_snapshot*) {
    p::study_snapshot s;
    s.users.push_back(p::public_user_record{"pu1", "Sam \"quoted\"",
                                            std::string(64, 'f'),
                                            1'700'000'000'000});
    s.rooms.push_back(p::public_room_record{"pr1", "Library", 8,
                                            1'700'000'000'001});
    s.members.push_back(
      p::public_member_record{"pr1", "pu1", 1'700'000'000'002, false});
    return s;
  }

  study_request make(study_request*) {
    study_request r;
    r.what = study_request::op::broadcast;
    r.room_id = "pr1";
    r.event = "notice";
    r.data = R"({"text":"hi"})";
    return r;
  }
  study_reply make(study_reply*) {
    study_reply r;
    r.status = 201;
    r.user = study_user_view{"pu1", "Sam", 5};
    r.rooms = {study_room_view{"pr1", "Library", 8, 2, 7}};
    r.recipients = 3;
    return r;
  }
  study_attach make(study_attach*) {
    return study_attach{sio_from{recipient{11, 1}, "/public-room/pr1"}, sio_conn,
                        std::string(64, 'a')};
  }
  study_socket_cmd make(study_socket_cmd*) {
    return study_socket_cmd{sio_from{recipient{11, 1}, "/public-room/pr1"},
                            protocol::study::cmd::join_room{"pu1"},
                            study_user_view{"pu1", "Sam", 5}};
  }
  study_occupancy make(study_occupancy*) { return study_occupancy{"pr1", 4}; }
  study_room_actor make(study_room_actor*) { return study_room_hdl; }
  study_actor make(study_actor*) { return study_dir; }
  p::live_event_record live_event() {
    return p::live_event_record{"session", "s-1", 7, p::live_audience::all_but,
                                "u1", "user-left", R"({"userId":"u1"})", 1'700'000'000'007};
  }
  p::live_snapshot make(p::live_snapshot*) {
    p::live_snapshot s;
    s.sessions.push_back(p::collab_session_record{"s-1", "u0", 1, 0, ""});
    s.participants.push_back(
      p::collab_participant_record{"s-1", "u1", "Pat", "learner", false, 2, false});
    p::exam_record exam;
    exam.exam_id = "e-1";
    exam.duration_s = 60;
    s.exams.push_back(exam);
    p::exam_student_record student;
    student.exam_id = "e-1";
    student.student_id = "u2";
    s.students.push_back(student);
    s.answers.push_back(p::exam_answer_record{"e-1", "u2", "q1", "[1]", 2.5, 3});
    s.pids.push_back(
      p::live_pid_record{"pid-1", "session", "s-1", "u1", "sid-1", false, 4, false});
    s.seqs.push_back(p::live_room_seq{"session", "s-1", 7});
    return s;
  }
  p::live_replay_query make(p::live_replay_query*) {
    return p::live_replay_query{"session", "s-1", 3, 100};
  }
  std::vector<p::live_event_record> make(std::vector<p::live_event_record>*) {
    return {live_event()};
  }
  live_socket sample_socket() {
    return live_socket{sio_from{recipient{11, 0}, "/"}, sio_conn,
                       protocol::identity{"u1", "Pat", "learner"}, "sid-1", "pid-1"};
  }
  protocol::session::command make(protocol::session::command*) {
    return protocol::session::cmd::cursor_update{{3, 4}};
  }
  session_join make(session_join*) { return session_join{sample_socket(), "s-1"}; }
  session_restore make(session_restore*) {
    return session_restore{sample_socket(), 6, "sid-2"};
  }
  session_pid_update make(session_pid_update*) {
    return session_pid_update{session_pid_update::op::dropped, "pid-1", "s-1",
                              "u1", "sid-1", 9};
  }
  session_released make(session_released*) {
    return session_released{sio_from{recipient{11, 0}, "/"}, "s-1",
                            session_released::kind::disconnected};
  }
  session_ended make(session_ended*) { return session_ended{"s-1", {"pid-1"}}; }
  session_actor make(session_actor*) { return session_hdl; }
  session_directory_actor make(session_directory_actor*) { return session_dir; }

  // exam monitoring (seed 004)
  live_socket exam_sock() {
    return live_socket{sio_from{recipient{11, 2}, "/"}, sio_conn,
                       protocol::identity{"s-1", "Sue", "student"}, "sid-1",
                       "pid-1"};
  }
  exam_request make(exam_request*) {
    exam_request r;
    r.what = exam_request::op::create;
    r.title = "Final";
    r.duration_s = 600;
    r.question_count = 10;
    r.created_by = "t-1";
    return r;
  }
  exam_reply make(exam_reply*) {
    exam_reply r;
    r.status = 201;
    r.exam = protocol::exam::exam_info{"e-1", "Final", 600, 10, "t-1", 5, 1, 2, 3};
    protocol::exam::student_result s;
    s.session.student_id = "s-1";
    s.session.at = protocol::exam::status::ended;
    s.session.device_info = R"({"os":"Linux"})";
    s.ended_at = 9;
    s.type = protocol::exam::submission::forced;
    s.final_score = "87.5";
    s.answers.push_back(protocol::exam::answer_view{"q1", "[1,2]", 3.5, 8});
    r.students.push_back(s);
    return r;
  }
  exam_enter make(exam_enter*) {
    return exam_enter{exam_sock(),
                      protocol::exam::command{
                        protocol::exam::cmd::join_exam_session{"e-1", "sess",
                                                               "{}", "null"},
                        4}};
  }
  exam_restore make(exam_restore*) { return exam_restore{exam_sock(), 17, true}; }
  exam_socket_cmd make(exam_socket_cmd*) {
    return exam_socket_cmd{sio_from{recipient{11, 2}, "/"},
                           protocol::exam::command{
                             protocol::exam::cmd::submit_answer{"e-1", "q1", R"("b")",
                                                                12.5},
                             3},
                           true};
  }
  exam_released make(exam_released*) {
    return exam_released{sio_from{recipient{11, 2}, "/"},
                         exam_released::why::fresh};
  }
  exam_pid_report make(exam_pid_report*) {
    return exam_pid_report{exam_pid_report::op::forgotten, "pid-1", "e-1", "s-1",
                           "sid-1", true, sio_from{recipient{11, 2}, "/"}};
  }
  exam_deadline make(exam_deadline*) { return exam_deadline{"s-1", 99}; }
  exam_actor make(exam_actor*) { return exam_hdl; }
  exam_directory_actor make(exam_directory_actor*) { return exam_dir; }

  template <class T>
  void round_trip(const char* name) {
    INFO(name);
    T original = make(static_cast<T*>(nullptr));
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    REQUIRE_FALSE(sink(original));
    T copy{};
    caf::binary_deserializer source{sys, buf};
    REQUIRE_FALSE(source(copy));
    CHECK(source.remaining() == 0);
    auto text = caf::deep_to_string(original);
    CHECK(caf::deep_to_string(copy) == text);
    // The sample is not the default value: the fields really travelled.
    CHECK(text != caf::deep_to_string(T{}));
  }

  template <class... Ts>
  void round_trip_all(caf::detail::type_list<Ts...>) {
    std::size_t i = 0;
    (round_trip<Ts>(message_type_names()[i++]), ...);
  }
};

} // namespace

TEST_CASE_METHOD(samples,
                 "message types: every registered type round-trips through "
                 "CAF's binary serializer",
                 "[messages]") {
  round_trip_all(message_types{});
}

TEST_CASE("message types: every type is registered under its own name",
          "[messages]") {
  caf::actor_system_config cfg;
  add_message_types(cfg);
  auto& names = message_type_names();
  CHECK(names.size() == caf::detail::tl_size<message_types>::value);
  std::set<std::string> unique(names.begin(), names.end());
  CHECK(unique.size() == names.size());
  for (auto name : names) {
    INFO(name);
    CHECK(cfg.value_factories_by_name.count(name) == 1);
  }
}
