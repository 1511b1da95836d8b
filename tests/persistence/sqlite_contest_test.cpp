// Contests in the SQLite store: every field round-trips, the lifecycle is
// rewritten in place, a double answer fails its own write set only, and the
// loads come back in their documented order.

#include "sqlite_test_support.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

constexpr millis t0 = 1'706'543'210'000; // any fixed time

/// A contest with two questions, q1 and q2, and participants u1, u2, u3.
write_set contest_with_questions(const std::string& id) {
  write_set ws;
  ws.contests.push_back(make_contest(id));
  ws.contest_questions = {make_question(id, "q1", 0),
                          make_question(id, "q2", 1)};
  ws.contest_participants = {make_participant(id, "u1", t0 + 1),
                             make_participant(id, "u2", t0 + 2),
                             make_participant(id, "u3", t0 + 3)};
  return ws;
}

std::vector<std::string> users_of(const std::vector<contest_answer_record>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.user_id + "/" + a.question_id);
  return out;
}

// A text with quotes, SQL, accents, CJK, an emoji and a NUL byte.
const std::string unicode = std::string("it's \"q\"; DROP TABLE contests; --"
                                        " \xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6"
                                        "\x9c\xac \xf0\x9f\x8f\x86 ")
                            + '\0' + "after NUL";

} // namespace

TEST_CASE("contests round-trip every field with 0 as NULL") {
  temp_db file;
  auto db = open_sqlite(file.path());

  contest_snapshot in;
  in.contest = make_contest("C1");
  in.contest.title = unicode;
  in.contest.scoring = "fixed";
  in.contest.freeze_before_end = 0;
  in.contest.status = "PAUSED";
  in.contest.start_at = 0;           // no scheduled start: NULL
  in.contest.started_at = t0 + 1'000;
  in.contest.paused_at = t0 + 9'000;
  in.contest.paused_total_ms = 0;    // a duration: 0, not NULL
  in.contest.ended_at = 0;           // NULL

  auto with_options = make_question("C1", "q-\xce\xbb", 0);
  with_options.text = unicode;
  with_options.options = {unicode, "", "\xe2\x88\x9a" "2", "B"};
  with_options.answer = "\xe2\x88\x9a" "2";
  auto free_text = make_question("C1", "q-free", 1);
  free_text.has_options = false; // options: null on the wire
  free_text.options.clear();
  free_text.points = 0;
  auto empty_list = make_question("C1", "q-empty", 2);
  empty_list.has_options = true; // options: [] on the wire
  empty_list.options.clear();
  empty_list.time_limit = 86'400;
  in.questions = {with_options, free_text, empty_list};

  in.participants = {make_participant("C1", "u1", 0), // joined_at NULL
                     make_participant("C1", "u2", t0 + 2'000)};
  in.participants[1].username = unicode;

  auto right = make_answer("C1", "u2", "q-\xce\xbb", t0 + 3'000);
  right.answer = unicode;
  auto wrong = make_answer("C1", "u2", "q-free", t0 + 4'000);
  wrong.correct = false;
  wrong.points = 0;
  wrong.elapsed_ms = 0;
  wrong.idempotency_key = ""; // the client sent none: NULL
  in.answers = {right, wrong};

  in.standings = {{"C1", "u2", unicode, 1, 80, 4'000},
                  {"C1", "u1", "name-u1", 2, 0, 0}};

  write_set ws;
  ws.contests = {in.contest};
  ws.contest_questions = in.questions;
  ws.contest_participants = in.participants;
  ws.contest_answers = in.answers;
  ws.contest_standings = in.standings;
  commit_one(*db, ws);

  check_same(db->load_contest("C1"), in);
  const auto all = db->load_contests();
  REQUIRE(all.size() == 1);
  check_same(all[0], in.contest);

  other_connection c(file.path());
  CHECK(c.text("SELECT quote(startAt) || quote(endedAt) FROM contests")
        == "NULLNULL");
  CHECK(c.text("SELECT quote(pausedTotalMs) FROM contests") == "0");
  CHECK(c.text("SELECT quote(joinedAt) FROM contest_participants"
               " WHERE userId = 'u1'")
        == "NULL");
  CHECK(c.text("SELECT quote(idempotencyKey) || quote(elapsedMs)"
               " FROM contest_answers WHERE questionId = 'q-free'")
        == "NULL0");
  CHECK(c.text("SELECT group_concat(questionId || ':' || hasOptions, ' ')"
               " FROM (SELECT * FROM contest_questions ORDER BY position)")
        == "q-\xce\xbb:1 q-free:0 q-empty:1");
  CHECK(c.integer("SELECT count(*) FROM contest_question_options") == 4);
}

TEST_CASE("writing a contest again rewrites its lifecycle in place") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, contest_with_questions("C1"));

  // UPCOMING -> ACTIVE -> PAUSED -> ACTIVE -> COMPLETED, one write set each,
  // carrying the contest row only (questions are written once).
  auto c = make_contest("C1");
  std::vector<contest_record> steps;
  c.status = "ACTIVE";
  c.started_at = t0 + 600'000;
  steps.push_back(c);
  c.status = "PAUSED";
  c.paused_at = t0 + 700'000;
  steps.push_back(c);
  c.status = "ACTIVE";
  c.paused_at = 0;
  c.paused_total_ms = 30'000;
  steps.push_back(c);
  c.status = "COMPLETED";
  c.ended_at = t0 + 900'000;
  c.title = "Renamed";
  steps.push_back(c);

  other_connection probe(file.path());
  for (const auto& step : steps) {
    write_set ws;
    ws.contests.push_back(step);
    commit_one(*db, ws);
    const auto all = db->load_contests();
    REQUIRE(all.size() == 1);
    INFO(step.status);
    check_same(all[0], step);
  }
  CHECK(probe.integer("SELECT count(*) FROM contests") == 1);
  CHECK(probe.text("SELECT quote(pausedAt) FROM contests") == "NULL");
  // The rest of the contest is untouched by the upserts.
  const auto snap = db->load_contest("C1");
  CHECK(snap.questions.size() == 2);
  CHECK(snap.participants.size() == 3);
}

TEST_CASE("a contest participant written again is harmless and keeps its "
          "first join") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, contest_with_questions("C1"));

  write_set again;
  auto rejoin = make_participant("C1", "u2", t0 + 50'000);
  rejoin.username = "New Name";
  again.contest_participants = {rejoin, rejoin}; // twice in one set, too
  CHECK_NOTHROW(commit_one(*db, again));

  const auto parts = db->load_contest("C1").participants;
  REQUIRE(parts.size() == 3);
  CHECK(parts[1].user_id == "u2");
  CHECK(parts[1].username == "New Name");
  CHECK(parts[1].joined_at == t0 + 2); // the first join's time
}

TEST_CASE("a second contest answer to the same question fails its write set "
          "and leaves nothing of it while the batch commits") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, contest_with_questions("C1"));

  write_set first;
  first.contest_answers.push_back(make_answer("C1", "u1", "q1", t0 + 10));

  // The double answer comes with rows of other kinds: none may stay.
  write_set twice;
  twice.contest_participants.push_back(make_participant("C1", "late", t0));
  twice.contest_answers.push_back(make_answer("C1", "u2", "q1", t0 + 11));
  auto again = make_answer("C1", "u1", "q1", t0 + 12);
  again.idempotency_key = "another key"; // a new key does not make it new
  twice.contest_answers.push_back(again);
  twice.contest_standings.push_back({"C1", "u1", "name-u1", 1, 80, 4'000});
  auto renamed = make_contest("C1");
  renamed.title = "must not stay";
  twice.contests.push_back(renamed);
  twice.rooms.push_back(make_room("R-not-kept"));

  write_set last;
  last.contest_answers.push_back(make_answer("C1", "u3", "q2", t0 + 13));

  db->begin();
  db->apply(first);
  try {
    db->apply(twice);
    FAIL("the double answer was applied");
  } catch (const store_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("insert contest answer"));
    CHECK_THAT(e.what(), Catch::Contains("UNIQUE"));
  }
  db->apply(last);
  db->commit();

  const auto snap = db->load_contest("C1");
  CHECK(users_of(snap.answers) == std::vector<std::string>{"u1/q1", "u3/q2"});
  CHECK(snap.answers[0].submitted_at == t0 + 10);
  CHECK(snap.answers[0].idempotency_key == "key-u1-q1");
  CHECK(snap.participants.size() == 3); // not "late"
  CHECK(snap.standings.empty());
  CHECK(snap.contest.title == "Contest C1");
  CHECK_FALSE(db->room_exists("R-not-kept"));

  // A later transaction cannot add it either.
  write_set later;
  later.contest_answers.push_back(make_answer("C1", "u1", "q1", t0 + 99));
  db->begin();
  CHECK_THROWS_AS(db->apply(later), store_error);
  db->commit();
  CHECK(db->load_contest("C1").answers.size() == 2);
}

TEST_CASE("a bad contest row fails its whole write set") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, contest_with_questions("C1"));

  write_set ws;
  ws.rooms.push_back(make_room("R1"));
  ws.contests.push_back(make_contest("C2"));
  ws.contest_questions.push_back(make_question("C2", "q1", 0));
  std::string expected;
  SECTION("an answer to a question the contest does not have") {
    ws.contest_answers.push_back(make_answer("C2", "u1", "no-such", t0));
    expected = "FOREIGN KEY";
  }
  SECTION("a participant of a contest that does not exist") {
    ws.contest_participants.push_back(make_participant("C9", "u1", t0));
    expected = "FOREIGN KEY";
  }
  SECTION("a status outside the lifecycle") {
    ws.contests.back().status = "RUNNING";
    expected = "CHECK";
  }
  SECTION("a question id used twice") {
    ws.contest_questions.push_back(make_question("C2", "q1", 1));
    expected = "UNIQUE";
  }
  SECTION("two questions at one position") {
    ws.contest_questions.push_back(make_question("C2", "q2", 0));
    expected = "UNIQUE";
  }
  SECTION("options on a question that has none") {
    ws.contest_questions.back().has_options = false;
    expected = "has_options is false";
  }
  SECTION("an injected failure on the last table written") {
    ws.contest_standings.push_back({"C2", "u1", "U", 1, 0, 0});
    proctord::test::failing_trigger t(file.path(), "contest_standings",
                                      "INSERT");
    db->begin();
    CHECK_THROWS_WITH(db->apply(ws), Catch::Contains("injected failure"));
    db->commit();
    expected = "";
  }
  if (!expected.empty()) {
    db->begin();
    CHECK_THROWS_WITH(db->apply(ws), Catch::Contains(expected));
    db->commit();
  }

  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM contests") == 1);
  CHECK(c.integer("SELECT count(*) FROM contest_questions") == 2);
  CHECK(c.integer("SELECT count(*) FROM contest_question_options") == 6);
  CHECK(c.integer("SELECT count(*) FROM contest_standings") == 0);
  CHECK_FALSE(db->room_exists("R1"));
  CHECK_THROWS_AS(db->load_contest("C2"), store_error);
}

TEST_CASE("contest loads come back in their documented order") {
  temp_db file;
  auto db = open_sqlite(file.path());

  // Contests by createdAt (NULL, i.e. 0, first), then contestId.
  write_set contests;
  contests.contests = {make_contest("b", t0), make_contest("late", t0 + 5),
                       make_contest("a", t0), make_contest("undated", 0)};
  commit_one(*db, contests);
  std::vector<std::string> ids;
  for (const auto& c : db->load_contests()) ids.push_back(c.contest_id);
  CHECK(ids == std::vector<std::string>{"undated", "a", "b", "late"});

  write_set ws;
  // Questions by position, whatever the order written.
  ws.contest_questions = {make_question("a", "third", 2),
                          make_question("a", "first", 0),
                          make_question("a", "second", 1)};
  ws.contest_questions[0].options = {"z", "y", "x"}; // kept as written
  // Participants by joinedAt, then userId.
  ws.contest_participants = {make_participant("a", "u9", t0 + 1),
                             make_participant("a", "u5", t0 + 2),
                             make_participant("a", "u1", t0 + 2),
                             make_participant("a", "u7", t0)};
  // Answers by submittedAt, then the order they were written.
  ws.contest_answers = {make_answer("a", "u9", "first", t0 + 20),
                        make_answer("a", "u5", "first", t0 + 10),
                        make_answer("a", "u1", "first", t0 + 10),
                        make_answer("a", "u7", "second", t0 + 5)};
  // Standings by rank, then userId (a tie shares rank 2).
  ws.contest_standings = {{"a", "u9", "n", 4, 10, 9},
                          {"a", "u5", "n", 2, 50, 5},
                          {"a", "u1", "n", 2, 50, 5},
                          {"a", "u7", "n", 1, 90, 1}};
  commit_one(*db, ws);

  const auto snap = db->load_contest("a");
  std::vector<std::string> q, p, s;
  for (const auto& x : snap.questions) q.push_back(x.question_id);
  for (const auto& x : snap.participants) p.push_back(x.user_id);
  for (const auto& x : snap.standings) s.push_back(x.user_id);
  CHECK(q == std::vector<std::string>{"first", "second", "third"});
  CHECK(snap.questions[2].options == std::vector<std::string>{"z", "y", "x"});
  CHECK(p == std::vector<std::string>{"u7", "u9", "u1", "u5"});
  CHECK(users_of(snap.answers)
        == std::vector<std::string>{"u7/second", "u5/first", "u1/first",
                                    "u9/first"});
  CHECK(s == std::vector<std::string>{"u7", "u1", "u5", "u9"});
  // Another contest's load sees none of it.
  const auto other = db->load_contest("b");
  CHECK(other.questions.empty());
  CHECK(other.participants.empty());
  CHECK(other.answers.empty());
  CHECK(other.standings.empty());
}

TEST_CASE("load_contest of an unknown contest throws store_error") {
  temp_db file;
  auto db = open_sqlite(file.path());
  commit_one(*db, contest_with_questions("C1"));
  CHECK_THROWS_AS(db->load_contest("C2"), store_error);
  CHECK_THROWS_WITH(db->load_contest(""), Catch::Contains("no contest"));
  CHECK_NOTHROW(db->load_contest("C1")); // the statements are still usable
}

TEST_CASE("contests survive closing and reopening the store") {
  temp_db file;
  contest_snapshot before;
  {
    auto db = open_sqlite(file.path(), sync_mode::full);
    auto ws = contest_with_questions("C1");
    ws.contest_answers = {make_answer("C1", "u1", "q1", t0 + 10),
                          make_answer("C1", "u2", "q1", t0 + 11)};
    ws.contest_standings = {{"C1", "u1", "name-u1", 1, 80, 4'000},
                            {"C1", "u2", "name-u2", 1, 80, 4'000}};
    commit_one(*db, ws);
    before = db->load_contest("C1");
    REQUIRE(before.answers.size() == 2);
  }
  auto db = open_sqlite(file.path());
  check_same(db->load_contest("C1"), before);
  REQUIRE(db->load_contests().size() == 1);
  check_same(db->load_contests()[0], before.contest);
  // ... and a double answer is still refused after the restart.
  write_set again;
  again.contest_answers.push_back(make_answer("C1", "u2", "q1", t0 + 50));
  db->begin();
  CHECK_THROWS_AS(db->apply(again), store_error);
  db->rollback();
}
