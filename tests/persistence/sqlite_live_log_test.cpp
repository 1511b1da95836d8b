// The room logs of the Socket.IO recovery in the SQLite store (and the
// exams' write-once rows): a seq is used once per room, a page of a log is
// bounded and in order, a drop empties one log, the reads stay cheap as
// logs grow, and every bad row fails its own write set only.

#include "sqlite_test_support.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

constexpr millis t0 = 1'706'543'210'000; // any fixed time

std::vector<std::int64_t> seqs(const std::vector<live_event_record>& v) {
  std::vector<std::int64_t> out;
  for (const auto& e : v) out.push_back(e.seq);
  return out;
}

using seq_list = std::vector<std::int64_t>;

live_replay_query after(const std::string& domain, const std::string& room,
                        std::int64_t after_seq, std::uint32_t limit = 10000) {
  return {domain, room, after_seq, limit};
}

/// Events 1..n of one room's log.
std::vector<live_event_record> log_of(const std::string& domain,
                                      const std::string& room, int n) {
  std::vector<live_event_record> out;
  for (int seq = 1; seq <= n; ++seq)
    out.push_back(make_live_event(domain, room, seq));
  return out;
}

write_set events_set(std::vector<live_event_record> events) {
  write_set ws;
  ws.live_events = std::move(events);
  return ws;
}

/// The VM steps that the backend's statements reading live_events ran
/// during `read` (sqlite3_stmt_status): a measure of the rows they touched.
long long live_event_steps(connection_spy& spy,
                           const std::function<void()>& read) {
  auto for_each = [&](auto&& f) {
    for (auto* st = sqlite3_next_stmt(spy.db(), nullptr); st != nullptr;
         st = sqlite3_next_stmt(spy.db(), st)) {
      const std::string sql = sqlite3_sql(st);
      if (sql.find("SELECT") == 0 && sql.find("FROM live_events")
                                       != std::string::npos)
        f(st);
    }
  };
  for_each([](sqlite3_stmt* st) {
    sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1); // reset
  });
  read();
  long long steps = 0;
  for_each([&](sqlite3_stmt* st) {
    steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
    CHECK(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 0) == 0);
  });
  return steps;
}

} // namespace

TEST_CASE("a live event with a seq already used in its room fails its write "
          "set only and the other write sets of the batch commit") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, events_set(log_of("session", "s1", 2)));

  // The same seq in another room, or in the other domain, is no conflict.
  write_set before = events_set({make_live_event("session", "s2", 1),
                                 make_live_event("exam", "s1", 1)});
  write_set duplicate = events_set({make_live_event("session", "s1", 3),
                                    make_live_event("session", "s1", 2)});
  duplicate.live_pids = {make_pid("p1", "session", "s1", "u1")};
  duplicate.collab_sessions = {make_session("s1", t0)};
  write_set after_it = events_set({make_live_event("session", "s1", 3)});

  db->begin();
  db->apply(before);
  CHECK_THROWS_WITH(db->apply(duplicate),
                    Catch::Contains("insert live event")
                      && Catch::Contains("UNIQUE constraint failed"));
  db->apply(after_it);
  db->commit();

  // Nothing of the failed set: not its seq 3, its pid or its session.
  const auto log = db->load_live_events(after("session", "s1", 0));
  CHECK(seqs(log) == seq_list{1, 2, 3});
  CHECK(log[1].args == make_live_event("session", "s1", 2).args);
  const auto snap = db->load_live();
  CHECK(snap.pids.empty());
  CHECK(snap.sessions.empty());
  CHECK(seqs(db->load_live_events(after("exam", "s1", 0))) == seq_list{1});
}

TEST_CASE("load_live_events returns the room's events after after_seq in seq "
          "order and at most limit") {
  temp_db file;
  auto db = open_sqlite(file.path());
  // Written out of order and interleaved with other rooms' logs.
  commit_one(*db, events_set({make_live_event("exam", "e1", 3),
                              make_live_event("exam", "e10", 1),
                              make_live_event("exam", "e1", 1),
                              make_live_event("session", "e1", 9)}));
  commit_one(*db, events_set({make_live_event("exam", "e1", 5),
                              make_live_event("exam", "e", 7),
                              make_live_event("exam", "e1", 2),
                              make_live_event("exam", "e1", 4)}));

  CHECK(seqs(db->load_live_events(after("exam", "e1", 0)))
        == seq_list{1, 2, 3, 4, 5});
  CHECK(seqs(db->load_live_events(after("exam", "e1", 2)))
        == seq_list{3, 4, 5});
  CHECK(seqs(db->load_live_events(after("exam", "e1", 0, 2)))
        == seq_list{1, 2});
  CHECK(seqs(db->load_live_events(after("exam", "e1", 3, 1))) == seq_list{4});
  CHECK(db->load_live_events(after("exam", "e1", 5)).empty());
  CHECK(db->load_live_events(after("exam", "e1", 0, 0)).empty());
  CHECK(db->load_live_events(after("exam", "e2", 0)).empty());
  CHECK(seqs(db->load_live_events(after("session", "e1", 0)))
        == seq_list{9});
  // Paging: the last seq of a page is the next page's after_seq.
  seq_list paged;
  std::int64_t last = 0;
  for (;;) {
    const auto page = db->load_live_events(after("exam", "e1", last, 2));
    if (page.empty()) break;
    for (const auto& e : page) paged.push_back(e.seq);
    last = page.back().seq;
  }
  CHECK(paged == seq_list{1, 2, 3, 4, 5});
}

TEST_CASE("load_live holds the last seq of every room log") {
  temp_db file;
  auto db = open_sqlite(file.path());
  CHECK(db->load_live().seqs.empty());
  write_set ws;
  for (const auto& [domain, room, n] :
       std::vector<std::tuple<std::string, std::string, int>>{
         {"session", "r2", 4},
         {"session", "r10", 1},
         {"exam", "r1", 2},
         {"session", "r1", 3},
         {"exam", "r", 6}})
    for (auto& e : log_of(domain, room, n)) ws.live_events.push_back(e);
  commit_one(*db, ws);
  check_same(db->load_live().seqs, std::vector<live_room_seq>{
                                     {"exam", "r", 6},
                                     {"exam", "r1", 2},
                                     {"session", "r1", 3},
                                     {"session", "r10", 1},
                                     {"session", "r2", 4}});
}

TEST_CASE("a log drop deletes every event of its room and nothing else") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set ws = events_set(log_of("session", "s1", 3));
  for (auto& e : log_of("exam", "s1", 2)) ws.live_events.push_back(e);
  for (auto& e : log_of("session", "s2", 2)) ws.live_events.push_back(e);
  ws.live_pids = {make_pid("p1", "session", "s1", "u1")};
  commit_one(*db, ws);

  // The set that closes s1 logs its last event and drops the log: the drop
  // comes last, so nothing of s1's log stays.
  write_set close = events_set({make_live_event("session", "s1", 4)});
  close.live_log_drops = {{"session", "s1", 0},
                          {"session", "nowhere", 0}}; // no log: no error
  commit_one(*db, close);

  CHECK(db->load_live_events(after("session", "s1", 0)).empty());
  CHECK(seqs(db->load_live_events(after("exam", "s1", 0))) == seq_list{1, 2});
  CHECK(seqs(db->load_live_events(after("session", "s2", 0)))
        == seq_list{1, 2});
  const auto snap = db->load_live();
  check_same(snap.seqs, std::vector<live_room_seq>{{"exam", "s1", 2},
                                                   {"session", "s2", 2}});
  CHECK(snap.pids.size() == 1); // a drop leaves the pids to their writers

  // A dropped log starts again at any seq, 1 included.
  commit_one(*db, events_set({make_live_event("session", "s1", 1)}));
  CHECK(seqs(db->load_live_events(after("session", "s1", 0))) == seq_list{1});
}

TEST_CASE("reading a page of a log and the last seqs touches the rooms and "
          "the page not the whole log") {
  temp_db file;
  connection_spy spy;
  auto db = open_sqlite(file.path());
  constexpr int rooms = 20, per_room = 500; // 10,000 events in all
  write_set ws;
  for (int r = 0; r < rooms; ++r)
    for (auto& e : log_of(r % 2 ? "exam" : "session",
                          "room-" + std::to_string(r), per_room))
      ws.live_events.push_back(e);
  commit_one(*db, ws);

  std::vector<live_room_seq> last;
  const auto load_steps
    = live_event_steps(spy, [&] { last = db->load_live().seqs; });
  REQUIRE(last.size() == rooms);
  for (const auto& r : last) CHECK(r.seq == per_room);
  // A few seeks per room (about 20 steps each); a scan of the log would
  // take about 9 steps per event.
  CHECK(load_steps < 50 * rooms);

  std::vector<live_event_record> page;
  const auto page_steps = live_event_steps(spy, [&] {
    page = db->load_live_events(after("session", "room-10", 450, 10));
  });
  CHECK(seqs(page).front() == 451);
  CHECK(page.size() == 10);
  // A seek and 10 rows; a scan would also step over the 450 rows before.
  CHECK(page_steps < per_room / 2);
}

TEST_CASE("a second exam with the same id fails its write set and the rest "
          "of the batch commits") {
  temp_db file;
  auto db = open_sqlite(file.path());
  write_set first;
  first.exams = {make_exam("e1", t0)};
  commit_one(*db, first);

  write_set duplicate;
  auto other = make_exam("e1", t0 + 5);
  other.title = "Another";
  duplicate.exams = {make_exam("e2", t0 + 5), other};
  write_set next;
  next.exams = {make_exam("e3", t0 + 6)};
  db->begin();
  CHECK_THROWS_WITH(db->apply(duplicate),
                    Catch::Contains("insert exam")
                      && Catch::Contains("UNIQUE constraint failed"));
  db->apply(next);
  db->commit();

  const auto exams = db->load_live().exams;
  REQUIRE(exams.size() == 2);
  check_same(exams[0], make_exam("e1", t0));
  CHECK(exams[1].exam_id == "e3");
}

TEST_CASE("a live row that breaks a rule fails its write set") {
  struct bad_case {
    const char* what;
    const char* error; // in the store_error's message
    std::function<void(write_set&)> make;
  };
  const std::vector<bad_case> cases = {
    {"a participant of an unknown session", "FOREIGN KEY",
     [](write_set& ws) {
       ws.collab_participants = {make_collab_participant("s9", "u", t0)};
     }},
    {"a participant role that is neither instructor nor learner", "CHECK",
     [](write_set& ws) {
       ws.collab_participants = {make_collab_participant("s1", "u", t0,
                                                         "admin")};
     }},
    {"a student of an unknown exam", "FOREIGN KEY",
     [](write_set& ws) {
       ws.exam_students = {make_student("e9", "st", t0)};
     }},
    {"an answer of a student who never joined", "FOREIGN KEY",
     [](write_set& ws) {
       ws.exam_answers = {make_exam_answer("e1", "st9", "q1", t0)};
     }},
    {"an unknown student status", "CHECK",
     [](write_set& ws) {
       auto s = make_student("e1", "st", t0);
       s.status = "paused";
       ws.exam_students = {s};
     }},
    {"an ended student without a submission type", "CHECK",
     [](write_set& ws) {
       auto s = make_student("e1", "st", t0);
       s.status = "ended";
       ws.exam_students = {s};
     }},
    {"a submission type of a student still active", "CHECK",
     [](write_set& ws) {
       auto s = make_student("e1", "st", t0);
       s.submission_type = "manual";
       ws.exam_students = {s};
     }},
    {"an exam of no duration", "CHECK",
     [](write_set& ws) {
       auto e = make_exam("e2", t0);
       e.duration_s = 0;
       ws.exams = {e};
     }},
    {"an event for one user without its user", "CHECK",
     [](write_set& ws) {
       auto e = make_live_event("exam", "e1", 1);
       e.audience = live_audience::only;
       ws.live_events = {e};
     }},
    {"an event for all but one user without its user", "CHECK",
     [](write_set& ws) {
       auto e = make_live_event("exam", "e1", 1);
       e.audience = live_audience::all_but;
       ws.live_events = {e};
     }},
    {"an event of seq 0", "CHECK",
     [](write_set& ws) {
       ws.live_events = {make_live_event("exam", "e1", 0)};
     }},
    {"an event of an unknown domain", "CHECK",
     [](write_set& ws) {
       ws.live_events = {make_live_event("contest", "e1", 1)};
     }},
    {"a pid of an unknown domain", "CHECK",
     [](write_set& ws) {
       ws.live_pids = {make_pid("p", "study", "r", "u")};
     }},
  };

  temp_db file;
  auto db = open_sqlite(file.path());
  write_set base;
  base.collab_sessions = {make_session("s1", t0)};
  base.exams = {make_exam("e1", t0)};
  commit_one(*db, base);

  for (const auto& c : cases) {
    INFO(c.what);
    write_set ws;
    // A good row first: the set must leave it out too.
    ws.live_pids = {make_pid("good", "exam", "e1", "u")};
    c.make(ws);
    db->begin();
    CHECK_THROWS_WITH(db->apply(ws), Catch::Contains(c.error));
    db->commit();
  }
  const auto snap = db->load_live();
  CHECK(snap.participants.empty());
  CHECK(snap.students.empty());
  CHECK(snap.answers.empty());
  CHECK(snap.exams.size() == 1);
  CHECK(snap.pids.empty());
  CHECK(snap.seqs.empty());
  other_connection c(file.path());
  CHECK(c.column("PRAGMA foreign_key_check").empty());
}
