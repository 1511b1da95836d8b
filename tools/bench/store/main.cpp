// proctord-store-bench: what the SQLite store costs per persisted violation,
// apart from the sockets and the actors (tools/bench/README.md, "The store
// alone").
//
// It opens a real database file with persistence::open_sqlite() (the schema,
// the prepared statements and the checkpointer thread the server uses), fills
// it with rooms of approved members, then applies violation write sets the
// way the interview room stages them (actors/interview/room_proctoring.cpp:
// the violation row, which the store also counts in the member's row, and
// the host's event) and the store actor commits them (actors/store.cpp: begin, one apply per
// write set, commit), in transactions of a given number of write sets. It
// prints one Markdown row per transaction size: CPU per violation on the
// applying thread, on the whole process (the checkpointer included), and
// the write sets per second of wall time.

#include "persistence/backend.hpp"

#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace pe = proctord::persistence;

namespace {

struct options {
  int rooms = 100;
  int per_room = 20;
  int violations = 20000;
  std::vector<int> batches{1, 8, 64, 512, 4096};
  bool member_row = false; // the whole member row too (--member-row), as the
                           // room staged it until the store counted for it
  bool event_row = true;
  std::string dir;
  pe::checkpoint_limits limits; // --wake-frames, --restart-frames
};

[[noreturn]] void usage(const char* why) {
  std::cerr << "proctord-store-bench: " << why << "\n"
            << "usage: proctord-store-bench [--violations N] [--rooms N]"
               " [--per-room N] [--batches 1,8,64] [--member-row]"
               " [--without-event] [--wake-frames N] [--restart-frames N]"
               " [--dir PATH]\n";
  std::exit(2);
}

int positive(const std::string& v) {
  try {
    std::size_t used = 0;
    int n = std::stoi(v, &used);
    if (used == v.size() && n > 0)
      return n;
  } catch (const std::exception&) {
  }
  usage(("not a positive number: " + v).c_str());
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--member-row") {
      o.member_row = true;
      continue;
    }
    if (a == "--without-event") {
      o.event_row = false;
      continue;
    }
    if (i + 1 >= argc)
      usage(("missing value for " + a).c_str());
    std::string v = argv[++i];
    if (a == "--violations") {
      o.violations = positive(v);
    } else if (a == "--rooms") {
      o.rooms = positive(v);
    } else if (a == "--per-room") {
      o.per_room = positive(v);
    } else if (a == "--batches") {
      o.batches.clear();
      std::stringstream ss(v);
      for (std::string b; std::getline(ss, b, ',');)
        o.batches.push_back(positive(b));
    } else if (a == "--wake-frames") {
      o.limits.wake_frames = positive(v);
    } else if (a == "--restart-frames") {
      o.limits.restart_frames = positive(v);
    } else if (a == "--dir") {
      o.dir = v;
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  return o;
}

double cpu_seconds(clockid_t which) {
  timespec ts{};
  clock_gettime(which, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

std::string room_id(int r) {
  return "room" + std::to_string(r);
}

std::string user_id(int r, int u) {
  return "r" + std::to_string(r) + "-p" + std::to_string(u);
}

struct member_state {
  std::int32_t violations = 0;
};

/// One room's members and log position, as the room actor holds them.
struct room_state {
  std::vector<member_state> members;
  std::int64_t seq = 0;
};

pe::member_record member_row(int r, int u, std::int32_t count, std::int64_t at) {
  pe::member_record m;
  m.room_id = room_id(r);
  m.user_id = user_id(r, u);
  m.username = "candidate " + user_id(r, u);
  m.status = "APPROVED";
  m.violation_count = count;
  m.joined_at = at;
  return m;
}

/// The rooms, live, with every member approved: one transaction.
std::vector<room_state> populate(pe::backend& db, const options& o) {
  std::vector<room_state> rooms(static_cast<std::size_t>(o.rooms));
  const auto at = now_ms();
  pe::write_set ws;
  for (int r = 0; r < o.rooms; ++r) {
    pe::room_record room;
    room.room_id = room_id(r);
    room.host_id = "host" + std::to_string(r);
    room.host_name = "Host " + std::to_string(r);
    room.roomname = "Interview " + std::to_string(r);
    room.max_guests = o.per_room;
    room.question = "Reverse a linked list.";
    room.duration = 60;
    room.status = "LIVE";
    room.created_at = at;
    room.started_at = at;
    room.ends_at = at + 3600 * 1000;
    ws.rooms.push_back(room);
    rooms[static_cast<std::size_t>(r)].members.resize(
      static_cast<std::size_t>(o.per_room));
    for (int u = 0; u < o.per_room; ++u)
      ws.members.push_back(member_row(r, u, 0, at));
  }
  db.begin();
  db.apply(ws);
  db.commit();
  return rooms;
}

/// The write set of one violation, as record_violation() stages it.
pe::write_set violation(const options& o, std::vector<room_state>& rooms, int r,
                        int u, std::uint64_t n) {
  auto& room = rooms[static_cast<std::size_t>(r)];
  auto& m = room.members[static_cast<std::size_t>(u)];
  const auto at = now_ms();
  const auto count = ++m.violations;
  pe::write_set ws;
  ws.violations.push_back(pe::violation_record{room_id(r), user_id(r, u),
                                               "FULLSCREEN_EXIT", at, count,
                                               "v" + std::to_string(n)});
  if (o.member_row)
    ws.members.push_back(member_row(r, u, count, at));
  if (o.event_row) {
    pe::event_record e;
    e.room_id = room_id(r);
    e.seq = ++room.seq;
    e.audience = "HOST";
    // protocol::event_log's encoding of violation_detected.
    e.payload = "{\"v\":1,\"t\":\"violation_detected\",\"d\":{\"timestamp\":"
                + std::to_string(at)
                + ",\"type\":\"fullscreen_exit\",\"user_id\":\""
                + user_id(r, u) + "\",\"username\":\"candidate "
                + user_id(r, u) + "\",\"violation_count\":"
                + std::to_string(count) + "}}";
    e.created_at = at;
    ws.events.push_back(std::move(e));
  }
  return ws;
}

struct figures {
  double thread_us = 0;  // per violation, the applying thread
  double process_us = 0; // per violation, the whole process
  double per_second = 0; // write sets per second of wall time
};

figures run(const options& o, int batch, const fs::path& file) {
  auto db = pe::open_sqlite(file.string(), pe::sync_mode::normal, {}, o.limits);
  auto rooms = populate(*db, o);
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> pick_room(0, o.rooms - 1);
  std::uniform_int_distribution<int> pick_user(0, o.per_room - 1);
  // The write sets are built before the clock starts: the bench measures
  // the store, not the room's staging.
  std::vector<pe::write_set> sets;
  sets.reserve(static_cast<std::size_t>(o.violations));
  for (int i = 0; i < o.violations; ++i)
    sets.push_back(violation(o, rooms, pick_room(rng), pick_user(rng),
                             static_cast<std::uint64_t>(i)));
  const auto t0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  const auto p0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  const auto w0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < sets.size();) {
    db->begin();
    for (int k = 0; k < batch && i < sets.size(); ++k, ++i)
      db->apply(sets[i]);
    db->commit();
  }
  const auto t1 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  const auto w1 = std::chrono::steady_clock::now();
  // Closing stops the checkpointer: what it still owes the file counts.
  db.reset();
  const auto p1 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  const double n = static_cast<double>(o.violations);
  const double wall = std::chrono::duration<double>(w1 - w0).count();
  return {(t1 - t0) / n * 1e6, (p1 - p0) / n * 1e6, n / wall};
}

} // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  fs::path dir = o.dir.empty() ? fs::temp_directory_path() : fs::path(o.dir);
  std::string tmpl = (dir / "proctord-store-bench.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("proctord-store-bench: mkdtemp");
    return 1;
  }
  const fs::path work{tmpl};
  std::printf("%d violations, %d rooms of %d, rows: violation%s%s\n\n",
              o.violations, o.rooms, o.per_room,
              o.member_row ? " + member row" : "", o.event_row ? " + event" : "");
  std::printf("| write sets per transaction | CPU per violation, writer |"
              " CPU per violation, process | violations/s (wall) |\n"
              "|---|---|---|---|\n");
  int status = 0;
  for (std::size_t i = 0; i < o.batches.size(); ++i) {
    const auto file = work / ("store" + std::to_string(i) + ".db");
    try {
      const auto f = run(o, o.batches[i], file);
      std::printf("| %d | %.1f µs | %.1f µs | %.0f |\n", o.batches[i],
                  f.thread_us, f.process_us, f.per_second);
      std::fflush(stdout);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "proctord-store-bench: %s\n", e.what());
      status = 1;
      break;
    }
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  return status;
}
