// The relay's pace: how long an event handed to it now would wait, which the
// doors read to shed live-only messages when the node is short of CPU. On
// CAF's test scheduler and clock, one message at a time.

#include "fixture.hpp"

#include <caf/send.hpp>

using namespace proctord;
using namespace proctord::test;
using namespace std::chrono_literals;

namespace {

/// A close order for a socket that is not there: the relay looks it up and
/// does nothing else.
void nobody(const relay_actor& relay) {
  caf::anon_send(relay, close_order{recipient{987654, 0}, 1000, "bye"});
}

} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "the relay publishes the wait of its backlog and none once it keeps up") {
  drain();
  CHECK(sockets->relay_wait() == 0ns);
  for (int i = 0; i < 11; ++i)
    nobody(relay_);

  // The first message: ten wait behind it, but no pace is known yet.
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() == 0ns);

  // It took 2 ms: nine behind the second, 18 ms.
  sched.clock().current_time += 2ms;
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() == 18ms);

  // A slower one moves the pace by a sixteenth of the difference, and
  // counts at most four times the pace (a preemption is not a slow relay):
  // 10 ms counts as 8, 2 ms + (8 ms - 2 ms) / 16 = 2.375 ms, eight behind.
  sched.clock().current_time += 10ms;
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() == 19ms);

  // The last one has nothing behind it: no wait.
  drain();
  CHECK(sockets->relay_wait() == 0ns);

  // A message that finds the relay idle is not measured against the last
  // one, however long ago that was: one behind it waits the recent pace
  // (2.375 ms, worn down by the eight instant ones since), not 5 s.
  sched.clock().current_time += 5s;
  nobody(relay_);
  nobody(relay_);
  REQUIRE(sched.try_run_once());
  CHECK(sockets->relay_wait() > 0ns);
  CHECK(sockets->relay_wait() < 3ms);
  drain();
  CHECK(sockets->relay_wait() == 0ns);
}

namespace {

/// A socket that records how its frames came: one by one, or in batches.
class batch_recorder : public net::outbound {
public:
  std::vector<std::string> calls;   // "send" or "batch N", in order
  std::vector<std::string> frames;  // every frame, in order
  int closed = 0;

  void send(net::shared_frame f) override {
    calls.push_back("send");
    frames.push_back(*f);
  }
  void send_binary(net::shared_frame f) override {
    calls.push_back("binary");
    frames.push_back(*f);
  }
  void send_batch(const std::vector<net::batch_frame>& batch) override {
    calls.push_back("batch " + std::to_string(batch.size()));
    for (auto& b : batch)
      frames.push_back(*b.frame);
  }
  void close(net::close_code code, std::string) override {
    calls.push_back("close");
    closed = code.value;
  }
};

envelope announcement_to(std::vector<recipient> to, const std::string& text) {
  return envelope{"room-1", 0, std::move(to),
                  protocol::evt::announcement{"room-1", text, "host", 1}};
}

} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "frames for a socket that arrive while the relay is behind go out as one batch in order") {
  drain();
  auto a = std::make_shared<batch_recorder>();
  auto b = std::make_shared<batch_recorder>();
  auto ida = sockets->next_id();
  auto idb = sockets->next_id();
  sockets->add(ida, a, dialect::native);
  sockets->add(idb, b, dialect::native);
  recipient ra{ida, 0}, rb{idb, 0};

  caf::anon_send(relay_, announcement_to({ra}, "zero"));
  caf::anon_send(relay_, announcement_to({ra, rb}, "one"));
  caf::anon_send(relay_, announcement_to({rb}, "two"));
  caf::anon_send(relay_, announcement_to({ra, rb}, "three"));
  caf::anon_send(relay_, announcement_to({ra}, "four"));

  // The first has no pace to go by: written at once.
  REQUIRE(sched.try_run_once());
  CHECK(a->calls == std::vector<std::string>{"send"});
  // It took 10 ms: three behind the second wait 30 ms, over batch_after.
  // It holds its frames, and so do the others until the flush; each socket
  // then gets its own in one batch, in the order they were sent.
  sched.clock().current_time += 10ms;
  drain();
  CHECK(a->calls == std::vector<std::string>{"send", "batch 3"});
  CHECK(b->calls == std::vector<std::string>{"batch 3"});
  auto said = [](const std::vector<std::string>& frames) {
    std::vector<std::string> out;
    for (auto& f : frames)
      out.push_back(json::parse(f)["data"]["message"].get<std::string>());
    return out;
  };
  CHECK(said(a->frames) == std::vector<std::string>{"zero", "one", "three", "four"});
  CHECK(said(b->frames) == std::vector<std::string>{"one", "two", "three"});

  // A relay that keeps up writes each frame at once.
  caf::anon_send(relay_, announcement_to({rb}, "five"));
  drain();
  CHECK(b->calls.back() == "send");
  CHECK(said(b->frames).back() == "five");
}

TEST_CASE_METHOD(actor_fixture,
                 "a relay only a little behind writes at once") {
  drain();
  auto a = std::make_shared<batch_recorder>();
  auto id = sockets->next_id();
  sockets->add(id, a, dialect::native);
  recipient ra{id, 0};
  for (auto word : {"a", "b", "c"})
    caf::anon_send(relay_, announcement_to({ra}, word));
  REQUIRE(sched.try_run_once());
  // 1 ms a message, two behind: 2 ms of wait, under batch_after.
  sched.clock().current_time += 1ms;
  drain();
  CHECK(a->calls == std::vector<std::string>{"send", "send", "send"});
}

TEST_CASE_METHOD(actor_fixture,
                 "a close order queued behind held frames closes after them") {
  drain();
  auto a = std::make_shared<batch_recorder>();
  auto id = sockets->next_id();
  sockets->add(id, a, dialect::native);
  recipient ra{id, 0};
  caf::anon_send(relay_, announcement_to({ra}, "first"));
  caf::anon_send(relay_, announcement_to({ra}, "second"));
  caf::anon_send(relay_, announcement_to({ra}, "third"));
  caf::anon_send(relay_, close_order{ra, 4001, "kicked"});
  caf::anon_send(relay_, announcement_to({ra}, "after"));
  REQUIRE(sched.try_run_once());
  sched.clock().current_time += 10ms;
  drain();
  REQUIRE(a->calls.size() >= 3);
  CHECK(a->calls[0] == "send");
  CHECK(a->calls[1] == "batch 2");
  CHECK(a->calls[2] == "close");
  CHECK(a->closed == 4001);
  // What the relay was given after the close still reaches the socket
  // after it (a real session refuses it: closing).
  CHECK(a->frames.size() == 4);
}
