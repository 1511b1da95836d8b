// The writer's WAL is copied back into the database file by a thread of its
// own, and starts over at checkpoint_limits::restart_frames: the WAL stays
// bounded, the copy reaches the database file, and nothing committed is
// lost on the way.

#include "sqlite_test_support.hpp"

#include <chrono>
#include <thread>

using namespace proctord::persistence;
using namespace proctord::persistence::test;

namespace {

/// Submissions of 6 KiB each: two pages of the WAL or more per commit.
void commit_submissions(backend& db, int first, int count) {
  const std::string code(6 * 1024, 'x');
  for (int i = first; i < first + count; ++i) {
    write_set ws;
    if (i == 0) {
      ws.rooms.push_back(make_room("r"));
      ws.members.push_back(make_member("r", "u"));
    }
    ws.submissions.push_back(
      {"r", "u", code + std::to_string(i), "python", 1'700'000'000'000 + i, ""});
    commit_one(db, ws);
  }
}

std::uintmax_t size_of(const std::string& path) {
  std::error_code ec;
  auto n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

} // namespace

TEST_CASE("the WAL starts over at restart_frames instead of growing with every commit") {
  temp_db file;
  constexpr int commits = 1500; // 9 MiB of code, 3,000 pages or more
  {
    // The thread never wakes here: the writer's own checkpoints alone.
    auto db = open_sqlite(file.path(), sync_mode::normal, {},
                          checkpoint_limits{1 << 30, 64});
    commit_submissions(*db, 0, commits);
    // 64 frames and one commit's between restarts, where a WAL that never
    // started over would hold all 9 MiB.
    CHECK(size_of(file.path() + "-wal") < 1024u * 1024);
  }
  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM submissions") == commits);
  CHECK(c.integer("SELECT count(DISTINCT code) FROM submissions") == commits);
  CHECK(c.text("SELECT submittedAt FROM submissions ORDER BY id DESC LIMIT 1")
        == std::to_string(1'700'000'000'000 + commits - 1));
}

TEST_CASE("with the thread and the writer both checkpointing every commit is kept") {
  temp_db file;
  constexpr int commits = 1500;
  {
    auto db = open_sqlite(file.path(), sync_mode::normal, {},
                          checkpoint_limits{16, 64});
    commit_submissions(*db, 0, commits);
    other_connection c(file.path());
    CHECK(c.integer("SELECT count(*) FROM submissions") == commits);
  }
  auto db = open_sqlite(file.path());
  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM submissions") == commits);
  CHECK(c.integer("SELECT count(DISTINCT code) FROM submissions") == commits);
}

TEST_CASE("the checkpointer's thread copies the WAL into the database file while the writer goes on") {
  temp_db file;
  // The writer never checkpoints here: only the thread can copy.
  auto db = open_sqlite(file.path(), sync_mode::normal, {},
                        checkpoint_limits{16, 1 << 30});
  const auto before = size_of(file.path());
  commit_submissions(*db, 0, 400); // 2.4 MiB of code
  CHECK(size_of(file.path() + "-wal") > 2u * 1024 * 1024);
  // The thread copies behind the writer; wait for it (bounded), then look.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (size_of(file.path()) < before + 2u * 1024 * 1024
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(size_of(file.path()) >= before + 2u * 1024 * 1024);
  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM submissions") == 400);
}

TEST_CASE("a writer with synchronous=FULL keeps every commit through its checkpoints") {
  temp_db file;
  {
    auto db = open_sqlite(file.path(), sync_mode::full, {},
                          checkpoint_limits{8, 32});
    commit_submissions(*db, 0, 200);
  }
  // The last connection to close checkpointed and removed the WAL.
  CHECK_FALSE(fs::exists(file.path() + "-wal"));
  other_connection c(file.path());
  CHECK(c.integer("SELECT count(*) FROM submissions") == 200);
}
