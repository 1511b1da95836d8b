// net/ over real sockets: routing, what an HTTP endpoint sees, answers that
// come later, keep-alive and the limits, as a client observes them.

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace proctord::net_test;

TEST_CASE("net: an exact route wins, then the longest subtree, then the "
          "fallback",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  struct row {
    const char* target;
    unsigned status;
    const char* body;
  };
  const row rows[] = {
    {"/a/b", 200, "a/b"},            // exact beats the subtree /a/*
    {"/a/b/", 200, "a/b/*"},         // longest subtree
    {"/a/b/c?x=1", 200, "a/b/*"},    // the query plays no part
    {"/a/x", 200, "a/*"},
    {"/a/", 200, "a/*"},
    {"/a", 404, "fallback"},         // /a/* does not match /a
    {"/", 200, "root"},              // "/" is exact ...
    {"/nothing/here", 404, "fallback"}, // ... and swallows nothing
    {"/a/bc", 200, "a/*"},           // /a/b/* needs the slash
  };
  for (const auto& r : rows) {
    INFO(r.target);
    c.send(get(r.target));
    auto res = c.read_response();
    CHECK(res.status == r.status);
    CHECK(res.body == r.body);
  }
}

TEST_CASE("net: with no route and no fallback the answer is an empty 404",
          "[net]") {
  test_server ts{{}, false};
  client c{ts.port()};
  c.send(get("/nothing"));
  auto res = c.read_response();
  CHECK(res.status == 404);
  CHECK(res.body.empty());
}

TEST_CASE("net: an endpoint sees method, path, query, headers, body and "
          "the client's address",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  c.send("POST /echo?x=1&y=%20 HTTP/1.1\r\nHost: localhost\r\n"
         "X-Test: hello\r\nContent-Length: 3\r\n\r\nabc");
  auto res = c.read_response();
  REQUIRE(res.status == 200);
  CHECK(res.headers["content-type"] == "text/plain"); // the endpoint's
  CHECK(res.headers["server"] == "proctord");
  CHECK(res.body
        == "method=POST\ntarget=/echo?x=1&y=%20\npath=/echo\nquery=x=1&y=%20\n"
           "x-test=hello\nbody=abc\nremote=127.0.0.1:"
             + std::to_string(c.local_port()) + "\n");
}

TEST_CASE("net: an endpoint may answer later from another thread, once",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  c.send(get("/later"));
  auto res = c.read_response();
  CHECK(res.status == 200);
  CHECK(res.body == "later");
  // The second respond() of that exchange went nowhere: the connection
  // serves the next request normally.
  c.send(get("/a/b"));
  res = c.read_response();
  CHECK(res.status == 200);
  CHECK(res.body == "a/b");
}

TEST_CASE("net: keep-alive serves a second request on the same connection",
          "[net]") {
  test_server ts;
  client c{ts.port()};
  c.send(get("/echo?n=1"));
  auto first = c.read_response();
  CHECK(first.status == 200);
  CHECK(first.body.find("query=n=1\n") != std::string::npos);
  c.send(get("/echo?n=2"));
  auto second = c.read_response();
  CHECK(second.status == 200);
  CHECK(second.body.find("query=n=2\n") != std::string::npos);
  // "Connection: close" is honoured.
  c.send(get("/", "Connection: close\r\n"));
  CHECK(c.read_response().status == 200);
  CHECK(c.closed_within(2s));
}

TEST_CASE("net: an endpoint that never answers gets 504 after the timeout; "
          "one that drops its responder, 500",
          "[net]") {
  test_server ts{[](proctord::net::server_config& cfg) {
    cfg.response_timeout = 300ms;
  }};
  {
    client c{ts.port()};
    auto t0 = std::chrono::steady_clock::now();
    c.send(get("/never"));
    auto res = c.read_response();
    CHECK(res.status == 504);
    CHECK(std::chrono::steady_clock::now() - t0 >= 250ms);
    CHECK(c.closed_within(2s));
    // Answering after the timeout is harmless.
    std::lock_guard<std::mutex> guard{ts.app().mtx};
    REQUIRE(ts.app().held.size() == 1);
    CHECK_FALSE(ts.app().held[0].pending());
    ts.app().held[0].respond({});
  }
  client c{ts.port()};
  c.send(get("/drop"));
  CHECK(c.read_response().status == 500);
}

TEST_CASE("net: a body over max_body_bytes gets 413 and the connection "
          "closes",
          "[net]") {
  test_server ts; // max_body_bytes = 1024
  SECTION("announced by Content-Length") {
    client c{ts.port()};
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n");
    CHECK(c.read_response().status == 413);
    CHECK(c.closed_within(3s));
  }
  SECTION("sent along") {
    client c{ts.port()};
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\n\r\n"
           + std::string(1500, 'x'));
    CHECK(c.read_response().status == 413);
    CHECK(c.closed_within(3s));
  }
  SECTION("chunked") {
    client c{ts.port()};
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "600\r\n"
           + std::string(0x600, 'x') + "\r\n0\r\n\r\n");
    CHECK(c.read_response().status == 413);
    CHECK(c.closed_within(3s));
  }
  SECTION("a body at the limit is fine") {
    client c{ts.port()};
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n"
           + std::string(1024, 'x'));
    CHECK(c.read_response().status == 200);
  }
}

TEST_CASE("net: a header over max_header_bytes gets 431", "[net]") {
  test_server ts; // max_header_bytes = 2048
  client c{ts.port()};
  c.send(get("/echo", "X-Big: " + std::string(4096, 'x') + "\r\n"));
  CHECK(c.read_response().status == 431);
  CHECK(c.closed_within(3s));
}

TEST_CASE("net: a client that stalls in its header or body is closed after "
          "the timeout",
          "[net]") {
  test_server ts{[](proctord::net::server_config& cfg) {
    cfg.header_timeout = 300ms;
    cfg.body_timeout = 300ms;
  }};
  SECTION("nothing sent") {
    client c{ts.port()};
    CHECK_FALSE(c.closed_within(100ms)); // not at once ...
    CHECK(c.closed_within(2s));          // ... but soon
  }
  SECTION("half a header") {
    client c{ts.port()};
    c.send("GET /echo HTTP/1.1\r\nHost: x\r\n");
    CHECK_FALSE(c.closed_within(100ms));
    CHECK(c.closed_within(2s));
  }
  SECTION("half a body") {
    client c{ts.port()};
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    CHECK_FALSE(c.closed_within(100ms));
    CHECK(c.closed_within(2s));
  }
  SECTION("idle after a kept-alive answer") {
    client c{ts.port()};
    c.send(get("/"));
    CHECK(c.read_response().status == 200);
    CHECK(c.closed_within(2s));
  }
}
