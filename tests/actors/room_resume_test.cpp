// RESUME, the event log, idempotency keys and restoring a room after a
// restart, driven on CAF's test scheduler against a real SQLite file.

#include "fixture.hpp"

#include "actors/interview/room.hpp"

#include <catch2/catch.hpp>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;

namespace {

/// What the store holds of the room, as proctord loads it at start.
persistence::room_snapshot stored(const std::string& path,
                                  const std::string& room_id) {
  persistence::room_snapshot snap;
  auto backend = persistence::open_sqlite(path);
  for (auto& row : backend->load_rooms())
    if (row.room_id == room_id)
      snap.room = row;
  snap.members = backend->load_members(room_id);
  snap.pending = backend->load_pending_join_attempts(room_id);
  snap.keys = backend->load_idempotency_keys(room_id);
  snap.last_seq = backend->last_seq(room_id);
  return snap;
}

std::int64_t room_seq(db_probe& db) {
  return std::stoll(db.text("select max(seq) from events"));
}

std::vector<std::int64_t> seqs(const user& u) {
  std::vector<std::int64_t> out;
  for (auto& f : u->frames)
    if (f.contains("seq"))
      out.push_back(f["seq"].get<std::int64_t>());
  return out;
}


} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "room: RESUME replays exactly the missed events in order, "
                 "then goes live",
                 "[room][resume]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  send(r, host, cmd::start_room{room_id});
  auto token = resume_token_of(p);
  REQUIRE_FALSE(token.empty());
  auto seen = room_seq(*db);
  REQUIRE(seen > 0);

  close(r, p);
  // Away past the presence grace: one DISCONNECT for the absence, shown to
  // the host after the commit.
  grace_passes();
  CHECK(host->one("VIOLATION_DETECTED")["data"]["violationType"]
        == "DISCONNECT");
  // Meanwhile a second participant joins: the room goes on without p1.
  auto q = connect("p2");
  admit(r, host, q);

  auto back = connect("p1");
  send(r, back, cmd::resume{token, seen});
  auto types = back->types();
  REQUIRE(!types.empty());
  CHECK(types.front() == "RESUMED");
  auto resumed = back->one("RESUMED");
  CHECK(resumed["role"] == "participant");
  CHECK(resumed["status"] == "APPROVED");
  // Replayed: the MEMBERS events since `seen` (its own USER_LEFT, p2's
  // USER_JOINED); then live: its own USER_JOINED (resumed).
  auto replayed = resumed["replayed"].get<int>();
  CHECK(replayed == 2);
  auto all = seqs(back);
  CHECK(std::is_sorted(all.begin(), all.end()));
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front() > seen);
  auto joined = back->of("USER_JOINED");
  REQUIRE(joined.size() == 2);
  CHECK(joined[0]["data"]["userId"] == "p2");
  CHECK(joined[1]["data"]["userId"] == "p1");
  CHECK(joined[1]["data"]["resumed"] == true);
  REQUIRE(back->seats.size() == 1);
  CHECK(back->seats[0].state == seat_state::seated);
  // Still one DISCONNECT on record, and the count is kept.
  CHECK(db->count("select * from violations") == 1);
  CHECK(status_of(r, back)["participants"][0]["violationCount"] == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a host that resumes gets the join requests it missed",
                 "[room][resume]") {
  auto host = connect("h1");
  auto r = open_room(host);
  // open_room cleared ROOM_CREATED; read the token from the log instead.
  auto payload = db->text("select payload from events where seq = 1");
  auto created = json::parse(payload);
  auto token = created["d"]["resume_token"].get<std::string>();
  close(r, host);
  auto q = connect("p2");
  send(r, q, join());

  auto back = connect("h1");
  send(r, back, cmd::resume{token, 1});
  CHECK(back->types().front() == "RESUMED");
  CHECK(back->one("JOIN_REQUEST")["data"]["userId"] == "p2");
  send(r, back, approve(q));
  CHECK(q->count("JOIN_APPROVED") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a lastSeq beyond the room's gets RESYNC_REQUIRED with "
                 "a snapshot and the seat",
                 "[room][resume]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  close(r, p);
  auto back = connect("p1");
  send(r, back, cmd::resume{resume_token_of(p), 10'000});
  auto resync = back->one("RESYNC_REQUIRED");
  CHECK(resync["reason"] == "EVENTS_UNAVAILABLE");
  CHECK(resync["data"]["yourStatus"] == "APPROVED");
  send(r, back, submit("print(2)"));
  CHECK(back->count("SUBMISSION_RECEIVED") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: a resent submission key is stored once and "
                 "acknowledged again with the original time",
                 "[room][idempotency]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  auto s = submit("print(1)");
  s.idempotency_key = "k-1";
  send(r, p, s);
  send(r, p, s);
  auto acks = p->of("SUBMISSION_RECEIVED");
  REQUIRE(acks.size() == 2);
  CHECK(acks[0]["submissionTime"] == acks[1]["submissionTime"]);
  CHECK(db->count("select * from submissions") == 1);
  CHECK(host->count("USER_SUBMITTED") == 1);

  auto v = signal(cmd::signal::tab_blur);
  v.idempotency_key = "v-1";
  send(r, p, v);
  send(r, p, v);
  CHECK(host->count("VIOLATION_DETECTED") == 1);
  CHECK(db->count("select * from violations") == 1);
}

TEST_CASE_METHOD(actor_fixture,
                 "room: restored after a restart, a live room whose deadline "
                 "passed while down ends at once",
                 "[room][restore]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  send(r, host, cmd::start_room{room_id});
  caf::anon_send_exit(r, caf::exit_reason::kill); // the process dies
  drain();

  auto snap = stored(file.path(), room_id);
  snap.room.ends_at = snap.room.started_at - 1; // long past
  REQUIRE(snap.room.status == "LIVE");

  auto restored = sys.spawn(proctord::restored_room, room_cfg, store_, snap);
  remember(restored);
  drain();
  CHECK(room_column("status") == "ENDED");
  auto ended = json::parse(db->text(
    "select payload from events order by seq desc limit 1"));
  CHECK(ended["t"] == "room_ended");
  CHECK(ended["d"]["reason"] == "time_up");
  CHECK(db->text("select max(seq) from events")
        == std::to_string(snap.last_seq + 1));
}

TEST_CASE_METHOD(actor_fixture,
                 "room: restored after a restart, members resume their seats "
                 "with counters kept",
                 "[room][restore]") {
  auto host = connect("h1");
  auto r = open_room(host);
  auto p = connect("p1");
  admit(r, host, p);
  send(r, p, signal(cmd::signal::fullscreen_exit));
  send(r, p, submit("x"));
  auto token = resume_token_of(p);
  auto seen = room_seq(*db);
  caf::anon_send_exit(r, caf::exit_reason::kill);
  drain();

  auto snap = stored(file.path(), room_id);
  auto restored = sys.spawn(proctord::restored_room, room_cfg, store_, snap);
  remember(restored);
  drain();

  auto back = connect("p1");
  send(restored, back, cmd::resume{token, seen});
  CHECK(back->types().front() == "RESUMED");
  auto st = status_of(restored, back)["participants"][0];
  CHECK(st["violationCount"] == 1);
  CHECK(st["hasSubmitted"] == true);
  // No violation for the server's own restart.
  CHECK(db->count("select * from violations where type='DISCONNECT'")
        == 0);
}
