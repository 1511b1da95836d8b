// The Socket.IO dialect: seed 002's public study rooms as a load client
// sees them (protocol/README.md, "Socket.IO door" and "Study rooms").
//
// There are no hosts. Before the ramp the dialect creates one study room per
// room slot (POST /api/public/rooms, admin token, capacity = the room's
// participants) and, when rooms are joined, one anonymous user per
// connection (POST /api/public/users) from the local address that
// connection will use: the server binds a user to its creator's address.
// Each connection opens a WebSocket at `<path>?EIO=4&transport=websocket`,
// waits for Engine.IO's open packet, sends CONNECT to
// `/public-room/<roomId>`, and, when the answer comes (its handshake ends
// there: TCP connect → CONNECT answer), emits `join-room`; it is in once
// its own `user-joined` arrives. It answers Engine.IO pings (`2` → `3`) and
// the study room's `ping` event (→ `pong`).
//
// The workload is the admin's: during the window, `host.announce.perSecond`
// broadcasts per room (POST /api/public/rooms/:id/broadcast, event
// `load-notice`, `host.announce.bytes` of text carrying the sender's
// monotonic stamp), from up to 16 threads with a keep-alive connection
// each. Each broadcast expects one delivery per socket of this tool joined
// in the room (tally `roomBroadcast`); `user-joined` and `user-left` are
// counted as `presence` (no loss figure).

#include "socketio_dialect.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

std::string reply_text(const http_reply& r) {
  return r.status ? "status " + std::to_string(r.status) + " " + r.body.substr(0, 300)
                  : r.error;
}

class socketio_session : public dialect_session {
public:
  explicit socketio_session(client_spec spec) : spec_(std::move(spec)) {}

  void on_open(session_io&, bool /*reconnect*/) override {
    leave_room();
    connected_ = false;
    nsp_ = "/public-room/" + spec_.room->id();
  }

  void on_text(session_io& io, std::string_view text) override {
    auto f = sio::parse(text);
    switch (f.what) {
      case sio::kind::ping: io.send("3"); return;
      case sio::kind::open: io.send(sio::connect_packet(nsp_)); return;
      case sio::kind::close:
      case sio::kind::engine_other:
      case sio::kind::ack:
      case sio::kind::sio_other: return;
      case sio::kind::bad: io.error("unparsable frame"); return;
      default: break;
    }
    if (f.nsp != nsp_) {
      io.error("packet for another namespace");
      return;
    }
    switch (f.what) {
      case sio::kind::connect: connected(io); return;
      case sio::kind::connect_error:
        io.error("CONNECT_ERROR:" + std::string(sio::string_field(f.data, "message")));
        return;
      case sio::kind::disconnect:
        io.error("DISCONNECT");
        leave_room();
        return;
      case sio::kind::event: event(io, f); return;
      default: return;
    }
  }

  bool act(session_io&, action) override {
    return false; // the admin broadcasts; sockets only listen
  }

private:
  void connected(session_io& io) {
    if (connected_)
      return;
    connected_ = true;
    io.handshake_done();
    if (!spec_.plan->join_rooms) {
      enter(io); // connected is all there is to it
      return;
    }
    user_id_ = spec_.room->user_id(spec_.user_index);
    if (user_id_.empty()) {
      io.error("no user for this connection");
      return;
    }
    joining_at_ = io.now_ns();
    io.send(sio::event_packet(
      nsp_, "join-room", json({{"userId", user_id_}, {"userName", spec_.name}}).dump()));
  }

  void event(session_io& io, const sio::frame& f) {
    if (f.event == sio::broadcast_event) {
      io.delivered(tally::room_broadcast);
      auto t = find_stamp(f.data);
      if (t >= 0)
        io.record(latency_kind::delivery, io.now_ns() - t);
    } else if (f.event == "user-joined") {
      io.delivered(tally::presence);
      if (!in_ && !user_id_.empty() && sio::string_field(f.data, "userId") == user_id_) {
        io.record(latency_kind::join, io.now_ns() - joining_at_);
        enter(io);
      }
    } else if (f.event == "user-left") {
      io.delivered(tally::presence);
    } else if (f.event == "ping") {
      io.send(sio::event_packet(nsp_, "pong"));
    } else if (f.event == "error") {
      io.error("ERROR:" + std::string(sio::string_field(f.data, "code")));
    } else {
      io.error("unexpected event " + std::string(f.event.substr(0, 64)));
    }
  }

  void enter(session_io& io) {
    if (in_)
      return;
    in_ = true;
    spec_.room->audience.fetch_add(1, std::memory_order_relaxed);
    io.in_room();
  }

  void leave_room() {
    if (in_) {
      in_ = false;
      spec_.room->audience.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  client_spec spec_;
  std::string nsp_;
  std::string user_id_;
  bool connected_ = false;
  bool in_ = false;
  std::int64_t joining_at_ = 0;
};

class socketio_dialect : public dialect {
public:
  ~socketio_dialect() override { stop_senders(); }

  std::string_view name() const override { return "socketio"; }

  std::string check(const scenario& s) const override {
    if (s.hosts_per_room != 0)
      return "the socketio dialect has no hosts (hostsPerRoom must be 0): the "
             "admin's broadcasts are host.announce";
    if (s.participants_per_room == 0)
      return "the socketio dialect needs participants (participantsPerRoom)";
    if (s.participants_per_room > 10000)
      return "a study room holds at most 10000 (participantsPerRoom)";
    auto& p = s.participant;
    auto& h = s.host;
    if (p.heartbeat.enabled() || p.announce.enabled() || p.code_change.enabled()
        || p.violation.enabled() || p.submit.enabled() || p.cursor.enabled()
        || h.heartbeat.enabled() || h.cursor.enabled())
      return "in the socketio dialect sockets only listen (Engine.IO pings are "
             "the server's): only host.announce, the admin's broadcasts per "
             "room, has a rate";
    if (h.announce.enabled() && !s.join_rooms)
      return "host.announce broadcasts into rooms: joinRooms must be true";
    if (s.slow_fraction > 0 || s.reconnect_fraction > 0)
      return "the socketio dialect injects no faults (slowReaders, reconnect)";
    if (s.url.path.find('?') != std::string::npos)
      return "the socketio dialect's url is the Engine.IO path, e.g. "
             "ws://127.0.0.1:5050/socket.io/, without a query";
    return {};
  }

  std::string target(const scenario& s, const std::string&) const override {
    auto path = s.url.path;
    if (path.back() != '/')
      path += '/';
    return path + "?EIO=4&transport=websocket";
  }

  std::unique_ptr<dialect_session> make_session(client_spec spec) const override {
    return std::make_unique<socketio_session>(std::move(spec));
  }

  bool handshake_in_session() const override { return true; }

  void before_ramp(run_context& ctx) override {
    auto t0 = clock_type::now();
    auto& plan = ctx.plan;
    std::vector<std::string> ids;
    for (auto& room : ctx.rooms) {
      json body = {{"name", "load " + (plan.name.empty() ? std::string("sio") : plan.name)
                              + " " + std::to_string(room.index)},
                   {"capacity", plan.participants_per_room}};
      auto reply = ctx.http.call("POST", "/api/public/rooms", ctx.admin_token, body.dump());
      auto j = json::parse(reply.body, nullptr, false);
      if (reply.status != 201 || !j.is_object() || !j.contains("roomId")
          || !j["roomId"].is_string())
        throw std::runtime_error("POST /api/public/rooms: " + reply_text(reply));
      ids.push_back(j["roomId"].get<std::string>());
    }
    std::size_t users = 0;
    if (plan.join_rooms) {
      auto made = create_users(ctx);
      users = made.size();
      for (auto& room : ctx.rooms) {
        std::lock_guard<std::mutex> guard{room.mutex};
        room.user_ids.assign(plan.participants_per_room, std::string{});
      }
      for (std::size_t i = 0; i < ctx.clients.size(); ++i) {
        auto& spec = *ctx.clients[i];
        std::lock_guard<std::mutex> guard{spec.room->mutex};
        spec.room->user_ids.at(spec.user_index) = std::move(made[i]);
      }
    }
    for (std::size_t r = 0; r < ctx.rooms.size(); ++r)
      ctx.rooms[r].publish(ids[r]);
    std::fprintf(stderr, "proctor-load: created %zu study rooms and %zu users in %.1f s\n",
                 ctx.rooms.size(), users,
                 std::chrono::duration<double>(clock_type::now() - t0).count());
    std::fflush(stderr);
  }

  std::string window_starts(run_context& ctx) override {
    auto& rate = ctx.plan.host.announce;
    if (!rate.enabled())
      return {};
    stop_ = false;
    // A sender waits for each answer: enough of them that a server which
    // answers after its fan-out (Node's emit is synchronous) is never idle
    // for want of requests.
    auto threads = std::min<std::size_t>(16, ctx.rooms.size());
    for (std::size_t k = 0; k < threads; ++k)
      senders_.emplace_back([this, &ctx, k, threads] { send_loop(ctx, k, threads); });
    return {};
  }

  void window_ends(run_context&) override {
    if (senders_.empty())
      return;
    stop_senders();
    std::fprintf(stderr,
                 "proctor-load: %llu broadcasts posted, %llu refused, %llu not sent "
                 "(the sender fell behind)\n",
                 static_cast<unsigned long long>(posted_.load()),
                 static_cast<unsigned long long>(refused_.load()),
                 static_cast<unsigned long long>(behind_.load()));
    std::fflush(stderr);
  }

private:
  /// One user per connection, from its source address: a thread per
  /// address (at most 8; connections without one are dealt out to 4).
  std::vector<std::string> create_users(run_context& ctx) {
    std::map<std::string, std::vector<std::size_t>> by_source;
    for (std::size_t i = 0; i < ctx.clients.size(); ++i) {
      auto& src = ctx.clients[i]->source;
      by_source[src.empty() ? "#" + std::to_string(i % 4) : src].push_back(i);
    }
    std::vector<std::vector<std::size_t>> groups;
    for (auto& [src, list] : by_source) {
      (void) src;
      groups.push_back(std::move(list));
    }
    std::vector<std::string> ids(ctx.clients.size());
    std::mutex failure_mutex;
    std::string failure;
    auto work = [&](std::vector<std::size_t> mine) {
      if (mine.empty())
        return;
      auto api = ctx.http_from(ctx.clients[mine.front()]->source);
      for (auto i : mine) {
        auto& spec = *ctx.clients[i];
        auto reply = api->call("POST", "/api/public/users", "",
                               json({{"userName", spec.name}}).dump());
        auto j = json::parse(reply.body, nullptr, false);
        if (reply.status != 201 || !j.is_object() || !j.contains("userId")
            || !j["userId"].is_string()) {
          std::lock_guard<std::mutex> guard{failure_mutex};
          if (failure.empty())
            failure = "POST /api/public/users from " + spec.source + ": "
                      + reply_text(reply)
                      + (reply.status == 429 ? " (raise the server's --public-user-rate)"
                                             : "");
          return;
        }
        ids[i] = j["userId"].get<std::string>();
      }
    };
    // At most 8 threads: groups beyond that run after one another.
    std::vector<std::thread> pool;
    std::size_t width = std::min<std::size_t>(8, groups.size());
    for (std::size_t t = 0; t < width; ++t)
      pool.emplace_back([&, t] {
        for (std::size_t g = t; g < groups.size(); g += width)
          work(groups[g]);
      });
    for (auto& th : pool)
      th.join();
    if (!failure.empty())
      throw std::runtime_error(failure);
    return ids;
  }

  /// Thread k of n broadcasts into rooms k, k + n, k + 2n, ... (mod the
  /// room count) in turn, open loop, so that every room gets
  /// host.announce.perSecond from all threads together (no burst to catch
  /// up after a stall of a second: those are counted as not sent).
  void send_loop(run_context& ctx, std::size_t k, std::size_t n) {
    auto& rate = ctx.plan.host.announce;
    auto rooms = ctx.rooms.size();
    std::vector<room_slot*> mine;
    std::vector<bool> seen(rooms, false);
    for (auto r = k % rooms; !seen[r]; r = (r + n) % rooms) {
      seen[r] = true;
      mine.push_back(&ctx.rooms[r]);
    }
    std::vector<std::string> targets;
    for (auto* room : mine)
      targets.push_back("/api/public/rooms/" + room->id() + "/broadcast");
    auto api = ctx.http_from("");
    // This thread's share of rooms × perSecond.
    auto per_second = rate.per_second * static_cast<double>(rooms) / static_cast<double>(n);
    auto interval = std::max<std::int64_t>(1, static_cast<std::int64_t>(1e9 / per_second));
    auto next = mono_ns() + static_cast<std::int64_t>(k) * interval / static_cast<std::int64_t>(n);
    std::size_t turn = 0;
    while (!stop_.load()) {
      auto now = mono_ns();
      if (next > now) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(
          std::min<std::int64_t>(next - now, 50'000'000)));
        continue;
      }
      if (now - next > 1'000'000'000) {
        behind_ += static_cast<std::uint64_t>((now - next) / interval);
        next = now;
      }
      next += interval;
      auto i = turn++ % mine.size();
      auto audience = mine[i]->audience.load(std::memory_order_relaxed);
      auto sent_at = mono_ns();
      auto reply = api->call("POST", targets[i], ctx.admin_token,
                             sio::broadcast_body(sio::broadcast_event, sent_at, rate.bytes));
      if (reply.status != 200) {
        ++refused_;
        ctx.error("broadcast: " + (reply.status ? "status " + std::to_string(reply.status)
                                                : reply.error));
        continue;
      }
      ++posted_;
      ctx.record(latency_kind::ack, mono_ns() - sent_at);
      ctx.expect(tally::room_broadcast, audience);
      auto recipients = sio::integer_field(reply.body, "recipients");
      if (recipients >= 0 && recipients < audience)
        ctx.error("broadcast recipients fewer than joined sockets");
    }
  }

  void stop_senders() {
    stop_ = true;
    for (auto& t : senders_)
      if (t.joinable())
        t.join();
    senders_.clear();
  }

  std::vector<std::thread> senders_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> posted_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> behind_{0};
};

} // namespace

std::unique_ptr<dialect> make_socketio_dialect() {
  return std::make_unique<socketio_dialect>();
}

} // namespace proctord::load
