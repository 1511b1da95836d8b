#include <catch2/catch.hpp>

#include <unistd.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "dialect.hpp"
#include "recording_io.hpp"
#include "report.hpp"

using namespace proctord::load;
using json = nlohmann::json;
using proctord::load::testing::recording_io;

namespace {

scenario plan() {
  auto s = parse_scenario(R"({"url": "ws://127.0.0.1:1/ws", "rooms": 1,
    "participantsPerRoom": 3,
    "host": {"announce": {"perSecond": 1, "bytes": 40}},
    "participant": {"submit": {"perSecond": 1, "bytes": 30}}})");
  return s;
}

} // namespace

TEST_CASE("stamps survive a round trip through a relayed frame") {
  auto text = stamped_text(123456789012345, 64);
  CHECK(text.size() == 64);
  json frame = {{"type", "ANNOUNCEMENT"}, {"data", {{"message", text}}}};
  CHECK(find_stamp(frame.dump()) == 123456789012345);
  CHECK(find_stamp(R"({"type":"X"})") == -1);
  CHECK(find_stamp("~t12") == -1);
  CHECK(find_stamp("~tabc~") == -1);
  CHECK(stamped_text(5, 0) == "~t5~");
}

TEST_CASE("a native host creates, starts, approves and times announcements") {
  auto s = plan();
  room_slot room;
  auto d = make_dialect("native");
  REQUIRE(d);
  CHECK(d->check(s).empty());
  CHECK(d->target(s, "TOK") == "/ws?token=TOK");
  auto host = d->make_session({role::host, 0, &room, "h", "H", &s});
  recording_io io;

  host->on_open(io, false);
  REQUIRE(io.sent.size() == 1);
  CHECK(io.sent[0]["type"] == "CREATE_ROOM");
  CHECK(io.sent[0]["maxGuests"] == 3);
  CHECK_FALSE(host->act(io, action::announce)); // not in a room yet

  host->on_text(io, R"({"type":"ROOM_CREATED","seq":1,"data":{"roomId":"Ab3dE9","roomname":"r","resumeToken":"r1.x"}})");
  CHECK(room.ready.load());
  CHECK(room.id() == "Ab3dE9");
  REQUIRE(io.sent.size() == 2);
  CHECK(io.sent[1] == json({{"type", "START_ROOM"}, {"roomId", "Ab3dE9"}}));
  host->on_text(io, R"({"type":"ROOM_STARTED","seq":2,"data":{"roomId":"Ab3dE9"}})");
  CHECK(io.in_room_calls == 1);

  host->on_text(io, R"({"type":"JOIN_REQUEST","seq":3,"data":{"userId":"u7","username":"U"}})");
  CHECK(io.sent.back() == json({{"type", "APPROVE_JOIN"}, {"roomId", "Ab3dE9"},
                                {"userId", "u7"}, {"approve", true}}));
  host->on_text(io, R"({"type":"USER_JOINED","seq":4,"data":{"userId":"u7","connectedCount":2}})");
  CHECK(room.audience.load() == 2);

  REQUIRE(host->act(io, action::announce));
  CHECK(io.sent.back()["type"] == "ANNOUNCE");
  CHECK(io.sent.back()["message"].get<std::string>().size() == 40);
  CHECK(io.expected[tally::announcement] == 2);

  json echo = {{"type", "ANNOUNCEMENT"},
               {"data", {{"message", io.sent.back()["message"]}}}};
  io.clock += 2'500'000;
  host->on_text(io, echo.dump());
  CHECK(io.got[tally::announcement] == 1);
  REQUIRE_FALSE(io.latencies.empty());
  CHECK(io.latencies.back() == std::make_pair(latency_kind::delivery, std::int64_t{2'500'000}));

  host->on_text(io, R"({"type":"ERROR","code":"RATE_LIMITED","message":"m"})");
  CHECK(io.errors == std::vector<std::string>{"ERROR:RATE_LIMITED"});
}

TEST_CASE("a native participant joins, submits in order and resumes where it was") {
  auto s = plan();
  room_slot room;
  room.publish("Ab3dE9");
  auto d = make_dialect("native");
  auto p = d->make_session({role::participant, 0, &room, "p", "P", &s});
  recording_io io;

  p->on_open(io, false);
  CHECK(io.sent.back() == json({{"type", "JOIN_ROOM"}, {"roomId", "Ab3dE9"}}));
  p->on_text(io, R"({"type":"WAITING_APPROVAL","seq":5,"roomId":"Ab3dE9","resumeToken":"r1.tok"})");
  CHECK(io.in_room_calls == 0);
  p->on_text(io, R"({"type":"JOIN_APPROVED","seq":7,"data":{"roomId":"Ab3dE9","resumeToken":"r1.tok"}})");
  CHECK(io.in_room_calls == 1);

  REQUIRE(p->act(io, action::submit));
  io.clock += 1000;
  REQUIRE(p->act(io, action::submit));
  CHECK(io.sent.back()["type"] == "SUBMIT_CODE");
  CHECK(io.sent.back()["idempotencyKey"] == "s1");
  CHECK(io.expected[tally::submission_ack] == 2);
  io.clock += 5000;
  p->on_text(io, R"({"type":"SUBMISSION_RECEIVED","seq":9,"roomId":"Ab3dE9"})");
  CHECK(io.latencies.back() == std::make_pair(latency_kind::ack, std::int64_t{6000}));
  p->on_text(io, R"({"type":"SUBMISSION_RECEIVED","seq":12,"roomId":"Ab3dE9"})");
  CHECK(io.latencies.back() == std::make_pair(latency_kind::ack, std::int64_t{5000}));
  CHECK(io.got[tally::submission_ack] == 2);

  p->on_open(io, true);
  CHECK(io.sent.back() == json({{"type", "RESUME"}, {"resumeToken", "r1.tok"}, {"lastSeq", 12}}));
  CHECK_FALSE(p->act(io, action::code_change)); // not back in yet
  p->on_text(io, R"({"type":"RESUMED","roomId":"Ab3dE9","lastSeq":12,"replayed":0})");
  CHECK(io.in_room_calls == 2);
  CHECK(p->act(io, action::code_change));
}

TEST_CASE("the native dialect refuses rooms it cannot make") {
  auto s = plan();
  s.hosts_per_room = 2;
  CHECK_THAT(make_dialect("native")->check(s), Catch::Contains("exactly one host"));
  CHECK(make_dialect("socket.io") == nullptr);
}

TEST_CASE("every tally has its own name in the report") {
  std::set<std::string> names;
  for (std::size_t t = 0; t < tally_count; ++t)
    names.insert(std::string(name_of(static_cast<tally>(t))));
  CHECK(names.size() == tally_count);
  CHECK_FALSE(names.count("?"));
  // Coalesced or periodic: counted, never a loss.
  CHECK_FALSE(has_loss_figure(tally::cursor_moved));
  CHECK_FALSE(has_loss_figure(tally::time_update));
  CHECK(has_loss_figure(tally::progress_update));
  CHECK(has_loss_figure(tally::answer_submitted));
}

TEST_CASE("server stats and the JSON report carry the counts") {
  auto c = parse_server_stats(R"({"connections":3,"messagesIn":10,"messagesOut":25,"bytesIn":1,"bytesOut":2})");
  REQUIRE(c);
  CHECK(c->messages_out == 25);
  CHECK_FALSE(parse_server_stats(R"({"connections":3})"));
  CHECK_FALSE(parse_server_stats("not json"));

  report r;
  r.scenario = "x";
  r.measured_seconds = 2;
  r.received_window = 1000;
  r.expected["violation"] = 10;
  r.delivered["violation"] = 9;
  r.latency.delivery.record(2'000'000);
  r.server_pid = 1;
  r.server_window_start = proc_sample{1.0, 100, 100};
  r.server_window_end = proc_sample{1.5, 100, 100};
  auto j = to_json(r);
  CHECK(j["messages"]["deliveriesPerSecond"] == 500.0);
  CHECK(j["loss"]["violation"]["lost"] == 1);
  CHECK(j["latencyMs"]["delivery"]["p50"] == 2.0);
  CHECK(j["server"]["cpuMicrosPerDelivery"] == Approx(500.0));
  CHECK_THAT(render_text(r), Catch::Contains("violation 9/10 (lost 1)"));
  CHECK(j["coalesced"].empty());
  CHECK_THAT(render_text(r), !Catch::Contains("coalesced"));

  // Coalesced cursors: what arrived against the most that could have.
  r.at_most["cursorMoved"] = 900;
  r.delivered["cursorMoved"] = 850;
  j = to_json(r);
  CHECK(j["coalesced"]["cursorMoved"] == json({{"atMost", 900}, {"delivered", 850}}));
  CHECK_FALSE(j["loss"].contains("cursorMoved"));
  CHECK_THAT(render_text(r), Catch::Contains("coalesced    cursorMoved 850 of at most 900"));
}

TEST_CASE("this process's own /proc figures read") {
  auto p = read_proc(static_cast<int>(getpid()));
  REQUIRE(p);
  CHECK(p->rss_kib > 0);
  CHECK(p->hwm_kib >= p->rss_kib);
  CHECK_FALSE(read_proc(999'999'999));
}

TEST_CASE("a refused message is no longer expected anywhere") {
  auto s = plan();
  room_slot room;
  room.publish("Ab3dE9");
  room.audience.store(5);
  auto d = make_dialect("native");
  auto host = d->make_session({role::host, 0, &room, "h", "H", &s});
  recording_io io;
  host->on_open(io, false);
  host->on_text(io, R"({"type":"ROOM_CREATED","seq":1,"data":{"roomId":"Ab3dE9","resumeToken":"r"}})");
  host->on_text(io, R"({"type":"ROOM_STARTED","seq":2,"data":{"roomId":"Ab3dE9"}})");
  room.audience.store(5);
  REQUIRE(host->act(io, action::announce));
  REQUIRE(host->act(io, action::announce));
  CHECK(io.expected[tally::announcement] == 10);
  host->on_text(io, R"({"type":"ERROR","code":"OVERLOADED","message":"m","requestType":"ANNOUNCE"})");
  CHECK(io.expected[tally::announcement] == 5);
  CHECK(io.errors == std::vector<std::string>{"ERROR:OVERLOADED"});
}
