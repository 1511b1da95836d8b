// The contest actor on CAF's simulated clock, with the real store: a whole
// contest from creation to contest_end, answers acknowledged only after
// their commit, duplicates and resends, pause and resume, the batched
// leaderboard with its freeze, and a contest restored from the store.

#include "contest_fixture.hpp"

#include "tests/sqlite_support.hpp"

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

TEST_CASE_METHOD(contest_fixture,
                 "contest: a whole contest from creation to contest_end",
                 "[contest]") {
  auto id = create(three_questions());
  auto c = find(id);
  CHECK(db->count("SELECT 1 FROM contest_questions") == 3);
  auto ann = connect("ann");
  auto bob = connect("bob");
  join(c, ann, id);
  // Before the start: the state only, UPCOMING.
  CHECK(ann.events() == strings{"contest_state"});
  CHECK(ann.one("contest_state")["status"] == "UPCOMING");
  CHECK(ann.one("contest_state")["currentQuestion"].is_null());
  join(c, bob, id);
  ann.clear();
  bob.clear();

  auto info = start(c);
  CHECK(info.state == pc::status::active);
  for (auto* u : {&ann, &bob}) {
    CHECK(u->events()
          == strings{"contest_start", "question_broadcast", "timer_update"});
    auto q = u->one("question_broadcast");
    CHECK(q["questionId"] == "q1");
    CHECK(q["index"] == 1);
    CHECK(q["options"] == json::array({"3", "4"}));
    CHECK_FALSE(q.contains("answer"));
    CHECK(u->one("timer_update")["remaining"] == 10);
    CHECK(u->one("contest_start")["totalQuestions"] == 3);
    CHECK(u->one("contest_start")["estimatedDuration"] == 60);
  }
  // The same frame bytes for both: encoded once.
  CHECK(ann->raw[1] == bob->raw[1]);
  ann.clear();
  bob.clear();

  // Ann answers right after 2 s (speed: 100 * (1 - 0.5 * 0.2) = 90); Bob
  // wrong.
  advance(2s);
  std::string stored_at_ack;
  ann->on_frame = [&](const json& f) {
    if (f["event"] == "submission_result")
      stored_at_ack = std::to_string(answers_stored("ann"));
  };
  answer(c, ann, id, "q1", " 4 ");
  answer(c, bob, id, "q1", "3");
  auto r = ann.one("submission_result");
  CHECK(r["accepted"] == true);
  CHECK(r["correct"] == true);
  CHECK(r["pointsAwarded"] == 90);
  CHECK(r["totalScore"] == 90);
  CHECK(stored_at_ack == "1"); // acknowledged after the commit
  CHECK(bob.one("submission_result")["correct"] == false);
  CHECK(bob.one("submission_result")["pointsAwarded"] == 0);

  // The same question again: ALREADY_ANSWERED, nothing stored twice.
  answer(c, ann, id, "q1", "4");
  CHECK(ann.errors() == strings{"ALREADY_ANSWERED"});
  // Another question than the open one: QUESTION_CLOSED.
  answer(c, bob, id, "q2", "Paris");
  CHECK(bob.errors() == strings{"QUESTION_CLOSED"});
  CHECK(answers_stored("ann") == 1);
  ann.clear();
  bob.clear();

  // q1 ends at 10 s: question_change, then q2 opens on the schedule.
  advance(8s);
  for (auto* u : {&ann, &bob}) {
    auto ch = u->one("question_change");
    CHECK(ch["previousQuestionId"] == "q1");
    CHECK(ch["nextQuestionId"] == "q2");
    CHECK(u->one("question_broadcast")["questionId"] == "q2");
    CHECK(u->last("timer_update")["remaining"] == 20);
  }
  answer(c, bob, id, "q2", "paris");
  CHECK(bob.last("submission_result")["pointsAwarded"] == 200);
  advance(20s); // q3
  answer(c, ann, id, "q3", "Jupiter");
  advance(30s); // the end
  for (auto* u : {&ann, &bob}) {
    auto end = u->one("contest_end");
    REQUIRE(end["standings"].size() == 2);
    CHECK(end["standings"][0]["userId"] == "ann");
    CHECK(end["standings"][0]["rank"] == 1);
    CHECK(end["standings"][1]["userId"] == "bob");
    CHECK(u->last("question_change")["nextQuestionId"].is_null());
  }
  CHECK(ann.one("contest_end")["you"]["rank"] == 1);
  CHECK(bob.one("contest_end")["you"]["rank"] == 2);
  CHECK(bob.one("contest_end")["you"]["score"] == 200);
  CHECK(db->text("SELECT status FROM contests") == "COMPLETED");
  CHECK(db->count("SELECT 1 FROM contest_standings") == 2);
  // A completed contest refuses answers.
  answer(c, bob, id, "q3", "Jupiter");
  CHECK(bob.errors().back() == "CONTEST_NOT_ACTIVE");
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: a resend with the same idempotencyKey gets the "
                 "original result and is stored once",
                 "[contest]") {
  auto id = create(three_questions(pc::scoring::fixed));
  auto c = find(id);
  auto ann = connect("ann");
  join(c, ann, id);
  start(c);
  ann.clear();
  answer(c, ann, id, "q1", "4", "k-1");
  advance(3s);
  answer(c, ann, id, "q1", "3", "k-1"); // a resend, even with other text
  auto results = ann.of("submission_result");
  REQUIRE(results.size() == 2);
  CHECK(results[0]["correct"] == true);
  CHECK(results[1]["correct"] == true);
  CHECK(results[1]["pointsAwarded"] == 100);
  CHECK(results[1]["totalScore"] == 100);
  CHECK(ann.errors().empty());
  CHECK(answers_stored("ann") == 1);
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: who may answer (not joined, observer, paused)",
                 "[contest]") {
  auto id = create(three_questions());
  auto c = find(id);
  auto ann = connect("ann");
  auto admin = connect("root", true);
  answer(c, ann, id, "q1", "4");
  CHECK(ann.errors() == strings{"NOT_JOINED"});
  send(c, ann, pc::cmd::resync{id});
  CHECK(ann.errors() == strings{"NOT_JOINED", "NOT_JOINED"});
  join(c, ann, id);
  join(c, admin, id);
  answer(c, ann, id, "q1", "4");
  CHECK(ann.errors().back() == "CONTEST_NOT_ACTIVE"); // not started
  start(c);
  answer(c, admin, id, "q1", "4");
  CHECK(admin.errors() == strings{"FORBIDDEN"});
  // The observer sees the contest but has no place on the board.
  CHECK(admin.one("contest_start")["totalQuestions"] == 3);
  CHECK(ask<pc::contest_info>(c, nullptr, info_atom::value).participants == 1);
  CHECK(answers_stored("root") == 0);
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: pause keeps the open question's remaining time, "
                 "resume goes on from it",
                 "[contest]") {
  auto id = create(three_questions());
  auto c = find(id);
  auto ann = connect("ann");
  join(c, ann, id);
  start(c);
  advance(4s); // 6 s left of q1
  ann.clear();
  auto info = pause(c);
  CHECK(info.state == pc::status::paused);
  CHECK(ann.one("contest_paused")["remaining"] == 6);
  std::string err;
  pause(c, &err);
  CHECK(err == "INVALID_STATE");
  answer(c, ann, id, "q1", "4");
  CHECK(ann.errors() == strings{"CONTEST_NOT_ACTIVE"});
  ann.clear();
  advance(1min); // nothing moves while paused
  for (auto& e : ann.events())
    CHECK(e == "leaderboard_update"); // the start changed the board
  CHECK(ann.of("timer_update").empty());
  CHECK(db->text("SELECT status FROM contests") == "PAUSED");
  // A resync while paused: the question has no deadline until the resume.
  send(c, ann, pc::cmd::resync{id});
  CHECK(ann.one("contest_state")["currentQuestion"]["endsAt"].is_null());
  CHECK(ann.one("question_broadcast")["endsAt"].is_null());
  CHECK(ann.one("timer_update")["endsAt"].is_null());
  CHECK(ann.one("timer_update")["remaining"] == 6);
  CHECK(ann.one("contest_paused")["remaining"] == 6);
  ann.clear();
  resume(c);
  CHECK(ann.one("contest_resumed")["remaining"] == 6);
  CHECK(db->text("SELECT status FROM contests") == "ACTIVE");
  // Answered 1 s after the resume: 5 s of the 10 elapsed (pause excluded).
  advance(1s);
  answer(c, ann, id, "q1", "4");
  CHECK(ann.last("submission_result")["pointsAwarded"] == 75);
  advance(5s);
  CHECK(ann.last("question_change")["nextQuestionId"] == "q2");
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: the leaderboard goes out in batches, only when it "
                 "changed, with each participant's own place",
                 "[contest]") {
  auto id = create(three_questions(pc::scoring::fixed));
  auto c = find(id);
  auto ann = connect("ann");
  auto bob = connect("bob");
  auto cat = connect("cat");
  for (auto* u : {&ann, &bob, &cat})
    join(c, *u, id);
  start(c);
  advance(5s);
  for (auto* u : {&ann, &bob, &cat})
    u->clear();
  answer(c, bob, id, "q1", "4");
  advance(1s);
  answer(c, cat, id, "q1", "4");
  CHECK(ann.of("leaderboard_update").empty()); // not yet: batched
  advance(4s);
  auto a = ann.one("leaderboard_update");
  auto b = bob.one("leaderboard_update");
  CHECK(a["totalParticipants"] == 3);
  CHECK(a["top"] == b["top"]);
  CHECK(a["top"][0]["userId"] == "bob"); // same score, less time
  CHECK(b["you"]["rank"] == 1);
  CHECK(cat.one("leaderboard_update")["you"]["rank"] == 2);
  CHECK(a["you"]["rank"] == 3);
  CHECK(a["you"]["score"] == 0);
  // Nothing changed: no update at the next interval.
  ann.clear();
  advance(5s);
  CHECK(ann.of("leaderboard_update").empty());
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: during the freeze participants' top and rank stand "
                 "still, the score stays live, admins see the live board",
                 "[contest]") {
  // 60 s in all, frozen for the last 25 s: from 35 s, inside q3 (30-60 s).
  auto id = create(three_questions(pc::scoring::fixed, 25));
  auto c = find(id);
  auto ann = connect("ann");
  auto bob = connect("bob");
  join(c, ann, id);
  join(c, bob, id);
  start(c);
  answer(c, ann, id, "q1", "4"); // ann 100
  advance(30s);                  // q3 opens at 30 s
  answer(c, bob, id, "q3", "Jupiter"); // before the freeze: bob 300
  advance(10s);                  // 40 s: frozen
  answer(c, ann, id, "q3", "Jupiter"); // after the freeze: ann 400
  ann.clear();
  bob.clear();
  advance(5s);
  auto a = ann.one("leaderboard_update");
  CHECK(a["top"][0]["userId"] == "bob"); // as it stood at the freeze
  CHECK(a["you"]["rank"] == 2);
  CHECK(a["you"]["score"] == 400); // live
  auto frozen = board(c, false);
  CHECK(frozen.frozen);
  CHECK(frozen.standings.at(0).user_id == "bob");
  auto live = board(c, true);
  CHECK_FALSE(live.frozen);
  CHECK(live.standings.at(0).user_id == "ann");
  advance(20s);
  // The end reveals the real standings.
  CHECK(ann.one("contest_end")["standings"][0]["userId"] == "ann");
  CHECK(ann.one("contest_end")["you"]["rank"] == 1);
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: an answer the store refuses is not acknowledged "
                 "and does not count",
                 "[contest]") {
  auto id = create(three_questions(pc::scoring::fixed));
  auto c = find(id);
  auto ann = connect("ann");
  join(c, ann, id);
  start(c);
  ann.clear();
  {
    failing_trigger broken{file.path(), "contest_answers", "INSERT"};
    answer(c, ann, id, "q1", "4");
    CHECK(ann.of("submission_result").empty());
    CHECK(ann.errors() == strings{"STORE_UNAVAILABLE"});
    CHECK(board(c, true).standings.at(0).score == 0);
  }
  // The store is back: the same answer goes through.
  answer(c, ann, id, "q1", "4");
  CHECK(ann.last("submission_result")["totalScore"] == 100);
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: restored after a restart it is where its schedule "
                 "says with its scores",
                 "[contest]") {
  auto id = create(three_questions(pc::scoring::fixed));
  auto c = find(id);
  auto ann = connect("ann");
  join(c, ann, id);
  start(c);
  answer(c, ann, id, "q1", "4");
  advance(12s); // q2, 18 s left
  auto snap = snapshot_of(id);
  CHECK(snap.contest.status == "ACTIVE");
  // The new process's wall clock starts at the real present, which knows
  // nothing of the 12 simulated seconds: they move into the stored start.
  snap.contest.started_at -= 12'000;
  REQUIRE(snap.answers.size() == 1);
  // A new directory from what is stored (the old actors stand for the
  // process that died); the restored contest keeps its clock.
  caf::anon_send_exit(dir, caf::exit_reason::user_shutdown);
  drain();
  start_directory({snap});
  auto again = find(id);
  auto back = connect("ann");
  send(again, back, pc::cmd::resync{id});
  auto s = back.one("contest_state");
  CHECK(s["status"] == "ACTIVE");
  CHECK(s["currentQuestion"]["questionId"] == "q2");
  CHECK(s["you"]["score"] == 100);
  CHECK(s["you"]["answered"] == json::array({"q1"}));
  CHECK(back.one("timer_update")["remaining"].get<int>() <= 18);
  answer(again, back, id, "q1", "4");
  CHECK(back.errors() == strings{"QUESTION_CLOSED"});
  answer(again, back, id, "q2", "Paris");
  CHECK(back.last("submission_result")["totalScore"] == 300);
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: a late joiner gets the open question and the last "
                 "tick as everyone saw them, and the next tick is new",
                 "[contest]") {
  auto id = create(three_questions());
  auto c = find(id);
  auto ann = connect("ann");
  join(c, ann, id);
  start(c);
  advance(3s); // ticks 10, 9, 8, 7 went out
  auto late = connect("late");
  join(c, late, id);
  CHECK(late.events()
        == strings{"contest_state", "contest_start", "question_broadcast",
                   "timer_update"});
  auto frame_of = [](const contest_user& u, std::string_view e) {
    for (auto& f : u->frames)
      if (f["event"] == e)
        return f;
    return json{};
  };
  // Byte for byte the frames Ann got live, timestamps included.
  CHECK(frame_of(late, "question_broadcast") == frame_of(ann, "question_broadcast"));
  CHECK(frame_of(late, "contest_start") == frame_of(ann, "contest_start"));
  CHECK(late.last("timer_update") == ann.last("timer_update"));
  CHECK(late.last("timer_update")["remaining"] == 7);
  advance(1s);
  CHECK(late.last("timer_update")["remaining"] == 6);
  CHECK(late.of("timer_update").size() == 2);
  // contest_end once the final row is on disk.
  std::string status_at_end;
  late->on_frame = [&](const json& f) {
    if (f["event"] == "contest_end")
      status_at_end = db->text("SELECT status FROM contests");
  };
  advance(60s);
  CHECK(status_at_end == "COMPLETED");
}

TEST_CASE_METHOD(contest_fixture,
                 "contest: a resume sent while the pause still commits waits "
                 "for it and succeeds",
                 "[contest]") {
  auto id = create(three_questions());
  auto c = find(id);
  start(c);
  std::vector<std::string> outcomes;
  spawn_fn([&](caf::event_based_actor* self) {
    for (auto step : {0, 1})
      (step == 0 ? self->request(c, caf::infinite, pause_atom::value)
                 : self->request(c, caf::infinite, resume_atom::value))
        .then(
          [&](pc::contest_info& info) {
            outcomes.emplace_back(pc::to_string(info.state));
          },
          [&](caf::error& e) {
            outcomes.emplace_back(protocol::to_code(to_error_code(e)));
          });
    return caf::behavior{[](int) {}};
  });
  drain();
  CHECK(outcomes == strings{"PAUSED", "ACTIVE"});
  CHECK(db->text("SELECT status FROM contests") == "ACTIVE");
}
