// server::stop() with connections in every state: it returns promptly,
// every client sees its connection end, and every accepted inbound hears
// on_closed() once and is let go (defect 5: shutdown could hang).

#include "support.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace proctord::net_test;

namespace {

/// Long timeouts, so that only stop() can end these connections.
void patient(proctord::net::server_config& cfg) {
  cfg.header_timeout = 30s;
  cfg.body_timeout = 30s;
  cfg.response_timeout = 30s;
  cfg.idle_timeout = std::chrono::seconds{60};
}

struct crowd {
  std::vector<std::unique_ptr<client>> silent;   // connected, sent nothing
  std::vector<std::unique_ptr<client>> partial;  // half an upgrade request
  std::vector<std::unique_ptr<client>> pending;  // waiting for /never
  std::vector<std::unique_ptr<client>> idle;     // kept alive after an answer
  std::vector<std::unique_ptr<client>> open;     // open WebSocket sessions

  explicit crowd(test_server& ts) {
    for (int i = 0; i < 5; ++i) {
      silent.push_back(std::make_unique<client>(ts.port()));
      partial.push_back(std::make_unique<client>(ts.port()));
      partial.back()->send("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: webs");
      pending.push_back(std::make_unique<client>(ts.port()));
      pending.back()->send(get("/never"));
      idle.push_back(std::make_unique<client>(ts.port()));
      idle.back()->send(get("/"));
      REQUIRE(idle.back()->read_response().status == 200);
      open.push_back(std::make_unique<client>(ts.port()));
      open.back()->send(upgrade("/ws"));
      REQUIRE(open.back()->read_response().status == 101);
    }
    // Every request has reached its endpoint before the test stops.
    REQUIRE(eventually([&] {
      std::lock_guard<std::mutex> guard{ts.app().mtx};
      return ts.app().held.size() == 5;
    }));
  }

  /// Every client sees its connection end.
  void all_closed() {
    for (auto* group : {&silent, &partial, &pending, &idle})
      for (auto& c : *group)
        CHECK(c->closed_within(2s));
  }
};

} // namespace

TEST_CASE("net: stop() closes connections in every state and returns "
          "promptly",
          "[net][stop]") {
  test_server ts{patient};
  crowd cr{ts};
  // The WebSocket clients answer the server's close, as browsers do.
  std::vector<std::thread> answer;
  std::vector<ws_frame> got(cr.open.size());
  std::vector<char> fin(cr.open.size(), 0);
  for (std::size_t i = 0; i < cr.open.size(); ++i)
    answer.emplace_back([&, i] {
      got[i] = read_frame(*cr.open[i], 5s);
      cr.open[i]->send(ws_close(1001));
      fin[i] = cr.open[i]->closed_within(5s);
      cr.open[i]->close();
    });
  auto took = ts.stop(5000ms);
  for (auto& t : answer)
    t.join();
  CHECK(took < 2000ms); // well inside the grace period
  for (auto& f : got) {
    CHECK(f.opcode == 0x8);
    REQUIRE(f.payload.size() >= 2);
    CHECK(((static_cast<unsigned char>(f.payload[0]) << 8)
           | static_cast<unsigned char>(f.payload[1]))
          == 1001);
  }
  for (auto f : fin)
    CHECK(f);
  cr.all_closed();
  CHECK(ts.app().closed.load() == 5);
}

TEST_CASE("net: stop() lets go of sessions whose clients ignore the close",
          "[net][stop]") {
  test_server ts{patient};
  crowd cr{ts};
  // Nobody answers the close frames: stop() waits out its grace only.
  auto took = ts.stop(300ms);
  CHECK(took < 1500ms);
  cr.all_closed();
  for (auto& c : cr.open)
    CHECK(c->closed_within(2s));
  // Every inbound heard on_closed() once and was released, although each
  // holds its session's outbound.
  CHECK(ts.app().closed.load() == 5);
  std::lock_guard<std::mutex> guard{ts.app().mtx};
  for (auto& w : ts.app().inbounds)
    CHECK(w.expired());
  // The held responders outlive the server harmlessly.
  for (auto& r : ts.app().held) {
    CHECK_FALSE(r.pending());
    r.respond({});
  }
}
