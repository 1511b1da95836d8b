// The writer's checkpoints on a thread of their own (sqlite_detail.hpp,
// README.md "Checkpoints").

#include "persistence/sqlite_detail.hpp"

#include <sqlite3.h>

#include <utility>

namespace proctord::persistence::sqlite_detail {

checkpointer::checkpointer(sqlite3* writer, std::string path, sync_mode sync,
                           checkpoint_limits limits)
  : writer_(writer), path_(std::move(path)), sync_(sync), limits_(limits) {
  // Replaces the autocheckpoint, which is itself a WAL hook.
  sqlite3_wal_hook(writer_, &checkpointer::on_commit, this);
}

checkpointer::~checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

int checkpointer::on_commit(void* self, sqlite3* db, const char* schema,
                            int frames) {
  static_cast<checkpointer*>(self)->committed(db, schema, frames);
  return SQLITE_OK; // a failed checkpoint never fails the commit
}

/// On the writer's thread, after each commit; `frames` is the WAL's length.
void checkpointer::committed(sqlite3* db, const char* schema, int frames) {
  if (frames >= limits_.restart_frames) {
    // SQLITE_BUSY while the thread is copying: the next commit tries again.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
    woken_at_ = 0;
    return;
  }
  if (frames < woken_at_)
    woken_at_ = 0; // the WAL started over
  if (frames - woken_at_ < limits_.wake_frames)
    return;
  woken_at_ = frames;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (wanted_)
      return; // still pending: one round copies both
    wanted_ = true;
    if (!thread_.joinable())
      thread_ = std::thread([this] { run(); });
  }
  cv_.notify_one();
}

void checkpointer::run() {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path_.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  db_handle db(raw);
  if (rc != SQLITE_OK)
    return; // the writer's own checkpoints at restart_frames remain
  sqlite3_busy_timeout(db.get(), 5000);
  // The checkpoint syncs as its connection's setting says: the writer's.
  sqlite3_exec(db.get(),
               sync_ == sync_mode::full ? "PRAGMA synchronous=FULL"
                                        : "PRAGMA synchronous=NORMAL",
               nullptr, nullptr, nullptr);
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_)
      return;
    wanted_ = false;
    lock.unlock();
    sqlite3_wal_checkpoint_v2(db.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                              nullptr, nullptr);
    lock.lock();
  }
}

} // namespace proctord::persistence::sqlite_detail
