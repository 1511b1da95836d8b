// proctord: wires the store, the directory, the gateway and the network
// front together, then waits for SIGINT/SIGTERM and shuts down in order:
// stop accepting and close sessions (1001), stop the rooms, flush the store.

#include "actors/contest/contest_api.hpp"
#include "actors/contest/contests.hpp"
#include "actors/core/message_types.hpp"
#include "actors/doors/contest_door.hpp"
#include "actors/core/relay.hpp"
#include "actors/directory.hpp"
#include "actors/exam/directory.hpp"
#include "actors/exam/exam_api.hpp"
#include "actors/gateway.hpp"
#include "actors/session/directory.hpp"
#include "actors/store.hpp"
#include "actors/store_reader.hpp"
#include "actors/study/directory.hpp"
#include "actors/study/study_api.hpp"
#include "net/server.hpp"
#include "protocol/event_log.hpp"
#include "protocol/token.hpp"
#include "tools/proctord/json_log.hpp"
#include "tools/proctord/options.hpp"
#include "tools/proctord/socketio_front.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <thread>

namespace {

using namespace proctord;

void setup_logging(const server_options& opts) {
  spdlog::init_thread_pool(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto logger = std::make_shared<spdlog::async_logger>(
    "proctord", sink, spdlog::thread_pool(),
    spdlog::async_overflow_policy::block);
  if (opts.log_format == "json")
    logger->set_formatter(json_line_formatter());
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(opts.log_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

/// With no secret configured, one is generated at first start and kept
/// beside the database, so tokens stay valid across restarts.
bool ensure_secret(server_options& opts) {
  if (!opts.gateway.tokens.secret.empty())
    return true;
  auto path = opts.db_path + ".secret";
  if (std::ifstream in{path}; in) {
    std::getline(in, opts.gateway.tokens.secret);
    if (!opts.gateway.tokens.secret.empty()) {
      spdlog::info("proctord uses the JWT secret in {}", path);
      return true;
    }
  }
  opts.gateway.tokens.secret = protocol::random_secret();
  auto old = ::umask(077);
  std::ofstream out{path, std::ios::trunc};
  out << opts.gateway.tokens.secret << '\n';
  ::umask(old);
  if (!out) {
    spdlog::error("proctord cannot write {}", path);
    return false;
  }
  spdlog::info("proctord generated a JWT secret and saved it to {}", path);
  spdlog::info("mint a token: proctorctl token --sub user123 --name \"John "
               "Doe\" --secret-file {}",
               path);
  return true;
}

/// The exams' figures, beside the server's counters.
std::string exam_stats_json(const exam_stats& e) {
  return "{\"active\":" + std::to_string(e.active_exams.load())
         + ",\"studentsActive\":" + std::to_string(e.students_active.load())
         + ",\"studentsDisconnected\":"
         + std::to_string(e.students_disconnected.load())
         + ",\"studentsEnded\":" + std::to_string(e.students_ended.load())
         + ",\"monitoringTeachers\":"
         + std::to_string(e.monitoring_teachers.load()) + "}";
}

std::string stats_json(const net::server* srv, const exam_stats& exams) {
  auto s = srv ? srv->stats() : net::server_stats{};
  return "{\"connections\":" + std::to_string(s.connections_open)
         + ",\"connectionsTotal\":" + std::to_string(s.connections_total)
         + ",\"connectionsRefused\":" + std::to_string(s.connections_refused)
         + ",\"slowConsumersClosed\":"
         + std::to_string(s.slow_consumers_closed)
         + ",\"queuedFrames\":" + std::to_string(s.queued_frames)
         + ",\"messagesIn\":" + std::to_string(s.messages_in)
         + ",\"messagesOut\":" + std::to_string(s.messages_out)
         + ",\"bytesIn\":" + std::to_string(s.bytes_in)
         + ",\"bytesOut\":" + std::to_string(s.bytes_out)
         + ",\"exams\":" + exam_stats_json(exams) + "}";
}

int run(server_options& opts) {
  opts.contest_door.tokens = opts.gateway.tokens;
  opts.contest_door.limits.max_depth = opts.gateway.limits.max_depth;
  opts.contest_door.rate_per_sec = opts.gateway.rate_per_sec;
  opts.contest_door.rate_burst = opts.gateway.rate_burst;
  opts.study.hash_key = opts.gateway.tokens.secret;
  opts.exams.tokens = opts.gateway.tokens;
  opts.exams.recovery = opts.sio_recovery;
  opts.session.tokens = opts.gateway.tokens;
  opts.session.recovery = opts.sio_recovery;
  for (auto problem : {opts.rooms.validate(), opts.gateway.validate(),
                       opts.contests.validate(), opts.contest_door.validate(),
                       opts.study.validate(), opts.exams.validate(),
                       opts.session.validate()})
    if (!problem.empty()) {
      spdlog::error("proctord cannot start: {}", problem);
      return 2;
    }

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", opts.caf_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  std::vector<char*> caf_argv;
  for (auto& a : opts.caf_args)
    caf_argv.push_back(a.data());
  if (auto err = cfg.parse(static_cast<int>(caf_argv.size()), caf_argv.data())) {
    spdlog::error("proctord cannot parse CAF options: {}", caf::to_string(err));
    return 2;
  }
  add_message_types(cfg);
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};

  std::shared_ptr<persistence::backend> db;
  try {
    // A file of an older release migrates here; its stored native frames
    // become the event log encoding (or the open fails, leaving it as it was).
    db = persistence::open_sqlite(opts.db_path, opts.db_sync,
                                  protocol::event_log::convert_legacy_native);
  } catch (const std::exception& e) {
    spdlog::error("proctord cannot open {}: {}", opts.db_path, e.what());
    return 1;
  }
  spdlog::info("store opens {} (WAL, synchronous={})", opts.db_path,
               opts.db_sync == persistence::sync_mode::full ? "FULL"
                                                            : "NORMAL");
  auto store_hdl = sys.spawn<caf::detached>(store, db);
  // Replays read through a second, read-only connection on a detached actor
  // of their own, off the commit path.
  auto reader_hdl = spawn_store_reader(sys, opts.db_path);
  if (!reader_hdl) {
    spdlog::error("proctord cannot open a reader on {}", opts.db_path);
    return 1;
  }
  db.reset();

  // Rooms that had not ended come back with their members, requests,
  // counters and event log; ended ones only reserve their ids.
  std::vector<std::string> ended;
  std::vector<persistence::room_snapshot> restore;
  {
    caf::scoped_actor self{sys};
    bool ok = true;
    std::vector<persistence::room_record> rooms;
    self->request(store_hdl, caf::infinite, rooms_atom::value)
      .receive([&](std::vector<persistence::room_record>& xs) { rooms = std::move(xs); },
               [&](caf::error&) { ok = false; });
    for (auto& r : rooms) {
      if (!ok)
        break;
      if (r.status == "ENDED") {
        ended.push_back(r.room_id);
        continue;
      }
      self->request(store_hdl, caf::infinite, snapshot_atom::value, r.room_id)
        .receive(
          [&](persistence::room_snapshot& snap) {
            snap.room = std::move(r);
            restore.push_back(std::move(snap));
          },
          [&](caf::error&) { ok = false; });
    }
    if (!ok) {
      spdlog::error("proctord cannot read the rooms from the store");
      return 1;
    }
  }
  if (!restore.empty())
    spdlog::info("proctord restores {} rooms", restore.size());
  // Every contest comes back: running ones where their schedule says they
  // are, finished ones with their results.
  std::vector<persistence::contest_snapshot> contests_back;
  {
    caf::scoped_actor self{sys};
    bool ok = true;
    std::vector<persistence::contest_record> rows;
    self->request(store_hdl, caf::infinite, contests_atom::value)
      .receive([&](std::vector<persistence::contest_record>& xs) { rows = std::move(xs); },
               [&](caf::error&) { ok = false; });
    for (auto& r : rows) {
      if (!ok)
        break;
      self->request(store_hdl, caf::infinite, contest_atom::value, r.contest_id)
        .receive(
          [&](persistence::contest_snapshot& snap) {
            contests_back.push_back(std::move(snap));
          },
          [&](caf::error&) { ok = false; });
    }
    if (!ok) {
      spdlog::error("proctord cannot read the contests from the store");
      return 1;
    }
  }
  if (!contests_back.empty())
    spdlog::info("proctord restores {} contests", contests_back.size());
  // The public study rooms' users and rooms (their memberships do not
  // survive a restart: the reconnecting clients make the occupancy).
  persistence::study_snapshot study_back;
  {
    caf::scoped_actor self{sys};
    bool ok = true;
    self->request(store_hdl, caf::infinite, study_atom::value)
      .receive([&](persistence::study_snapshot& snap) { study_back = std::move(snap); },
               [&](caf::error&) { ok = false; });
    if (!ok) {
      spdlog::error("proctord cannot read the public rooms from the store");
      return 1;
    }
  }
  // The collaborative sessions that were open, the exams, their students'
  // sittings and answers, and the pids of their sockets (recovery works
  // across a restart).
  persistence::live_snapshot live_back;
  {
    caf::scoped_actor self{sys};
    bool ok = true;
    self->request(store_hdl, caf::infinite, live_atom::value)
      .receive([&](persistence::live_snapshot& snap) { live_back = std::move(snap); },
               [&](caf::error&) { ok = false; });
    if (!ok) {
      spdlog::error("proctord cannot read the sessions and exams from the store");
      return 1;
    }
  }
  opts.rooms.tokens = opts.gateway.tokens;
  auto dir = sys.spawn(directory, opts.rooms, storage{store_hdl, *reader_hdl},
                       std::move(ended),
                       std::move(restore));

  // The node's sockets, and the relay that writes every actor's frames to
  // them.
  auto sockets = std::make_shared<socket_registry>();
  auto relay_hdl = sys.spawn(relay, sockets);

  auto contests_hdl = sys.spawn(contests, opts.contests,
                               storage{store_hdl, *reader_hdl},
                               std::move(contests_back));
  auto contest_gw = std::make_shared<contest_gateway>(
    sys, contests_hdl, relay_hdl, sockets, opts.contest_door);
  auto contest_http = std::make_shared<contest_api>(sys, contests_hdl,
                                                    opts.gateway.tokens);

  std::unique_ptr<net::server> srv;
  auto exam_figures = std::make_shared<exam_stats>();
  auto gw = std::make_shared<gateway>(sys, dir, relay_hdl, sockets, opts.gateway,
                                      [&srv, exam_figures] {
                                        return stats_json(srv.get(), *exam_figures);
                                      });
  srv = std::make_unique<net::server>(opts.net);
  // WebSocket only (a plain GET gets 426); "/" is exact, so it is the
  // native door too without swallowing the paths below it.
  srv->add_route(net::route{"/ws", nullptr, gw});
  srv->add_route(net::route{"/", nullptr, gw});
  srv->add_route(net::route{"/health", gw, nullptr});
  srv->add_route(net::route{"/api/stats", gw, nullptr});
  srv->add_route(net::route{"/ws/contest", nullptr, contest_gw});
  srv->add_route(net::route{"/api/contests", contest_http, nullptr});
  srv->add_route(net::route{"/api/contests/*", contest_http, nullptr});
  auto study_hdl = sys.spawn(study_directory, opts.study, store_hdl, relay_hdl,
                             std::move(study_back));
  auto study_http = std::make_shared<study_api>(sys, study_hdl, opts.gateway.tokens,
                                                opts.trusted_proxies,
                                                opts.study.max_capacity);
  srv->add_route(net::route{"/api/public/users", study_http, nullptr});
  srv->add_route(net::route{"/api/public/rooms", study_http, nullptr});
  srv->add_route(net::route{"/api/public/rooms/*", study_http, nullptr});
  auto exams_hdl = sys.spawn(exam_directory, opts.exams, store_hdl, relay_hdl,
                             live_back, exam_figures);
  auto exam_http = std::make_shared<exam_api>(sys, exams_hdl, opts.gateway.tokens,
                                              opts.exams);
  srv->add_route(net::route{"/api/exams", exam_http, nullptr});
  srv->add_route(net::route{"/api/exams/*", exam_http, nullptr});
  auto session_hdl = sys.spawn(session_directory, opts.session, store_hdl,
                               relay_hdl, std::move(live_back));
  sio_domains domains;
  domains.study = sio_domain_actor{study_hdl};
  domains.exam = caf::actor_cast<sio_domain_actor>(exams_hdl);
  domains.session = caf::actor_cast<sio_domain_actor>(session_hdl);
  socketio_front sio{sys, relay_hdl, sockets, opts, domains};
  sio.add_routes(*srv);
  srv->set_fallback(gw); // JSON 404s for every other path
  std::uint16_t port = 0;
  try {
    port = srv->start();
  } catch (const std::exception& e) {
    spdlog::error("proctord {}", e.what());
    return 1;
  }
  spdlog::info("proctord listening on {}:{}", opts.net.bind, port);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("proctord shuts down ({})", sig == SIGINT ? "SIGINT" : "SIGTERM");

  // In-flight work finishes and is acknowledged before the sessions close:
  // new frames get a retryable error, and an empty write set's commit
  // means everything the store was asked to write before it is on disk.
  srv->stop_accepting();
  gw->drain();
  contest_gw->drain();
  {
    caf::scoped_actor self{sys};
    self->request(store_hdl, std::chrono::seconds{5}, persistence::write_set{})
      .receive([](committed_atom) {},
               [](caf::error& err) {
                 spdlog::warn("proctord cannot flush the store: {}",
                              caf::to_string(err));
               });
  }
  // Give the rooms a moment to hand the acknowledgements to the sockets.
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  // Socket.IO clients see their transport drop (no DISCONNECT packet), so
  // they reconnect to the next server.
  sio.stop();
  srv->stop(std::chrono::seconds{5});
  srv.reset(); // sessions still open are destroyed here and tell their actors
  {
    caf::scoped_actor self{sys};
    // The directory stops its rooms first; what they sent the store is
    // then in its mailbox, and the store commits it before it exits.
    for (auto hdl : {caf::actor_cast<caf::actor>(dir),
                     caf::actor_cast<caf::actor>(contests_hdl),
                     caf::actor_cast<caf::actor>(study_hdl),
                     caf::actor_cast<caf::actor>(exams_hdl),
                     caf::actor_cast<caf::actor>(session_hdl),
                     caf::actor_cast<caf::actor>(store_hdl),
                     caf::actor_cast<caf::actor>(*reader_hdl),
                     caf::actor_cast<caf::actor>(relay_hdl)}) {
      self->monitor(hdl);
      self->send_exit(hdl, caf::exit_reason::user_shutdown);
      self->receive([](caf::down_msg&) {});
    }
  }
  sys.await_all_actors_done();
  spdlog::info("proctord stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only sigwait sees
  // them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // glibc gives the free top of a thread's arena back to the kernel
  // (madvise) once 128 KiB of it is free, and faults the pages in again on
  // the next burst: at 5,000 violations/s the store thread, whose SQLite
  // buffers come and go with each commit, did that ~45 times a second and
  // paid ~12 % of the server's CPU per violation for it (tools/bench
  // README, "violations"). Keep up to 64 MiB of free arena top instead.
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);

  server_options opts;
  if (auto err = parse_options(argc, argv, opts); !err.empty()) {
    std::cerr << "proctord: " << err << '\n';
    return 2;
  }
  if (opts.help) {
    std::cout << usage();
    return 0;
  }
  if (opts.version) {
    std::cout << "proctord 0.1.0\n";
    return 0;
  }
  setup_logging(opts);
  if (!ensure_secret(opts))
    return 1;
  int rc = run(opts);
  spdlog::shutdown();
  return rc;
}
