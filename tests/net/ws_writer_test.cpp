// frame_writer over a real socket pair: direct writes, a socket that blocks
// mid-frame, gathered flushes, order across threads, control frames between
// data frames, a close while frames wait, and a slow reader at its limit.

#include "net/ws_writer.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using proctord::net::shared_frame;
using proctord::net::ws::frame_writer;
using proctord::net::ws::opcode;
using status = frame_writer::status;

namespace {

/// A connected pair: `w` (non-blocking, small send buffer) is the server's
/// end, `r` the client's.
struct pair_fds {
  int w = -1;
  int r = -1;
  explicit pair_fds(int sndbuf = 4096) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    w = fds[0];
    r = fds[1];
    ::setsockopt(w, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    ::setsockopt(r, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof sndbuf);
    ::fcntl(w, F_SETFL, ::fcntl(w, F_GETFL) | O_NONBLOCK);
  }
  ~pair_fds() {
    if (w >= 0)
      ::close(w);
    if (r >= 0)
      ::close(r);
  }
};

shared_frame frame_of(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

/// One server frame as the client reads it.
struct frame {
  int op = 0;
  bool fin = false;
  std::string payload;
};

/// Reads whole frames from `fd` (blocking) until `count` are in.
class frame_reader {
public:
  explicit frame_reader(int fd) : fd_(fd) {
  }

  /// Everything readable now, without blocking.
  void drain() {
    char buf[65536];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0)
        return;
      bytes_.append(buf, static_cast<std::size_t>(n));
    }
  }

  std::vector<frame> read(std::size_t count) {
    std::vector<frame> out;
    while (out.size() < count) {
      if (auto f = parse()) {
        out.push_back(std::move(*f));
        continue;
      }
      pollfd p{fd_, POLLIN, 0};
      REQUIRE(::poll(&p, 1, 5000) == 1);
      char buf[65536];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      REQUIRE(n > 0);
      bytes_.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

  std::size_t buffered() const {
    return bytes_.size();
  }

private:
  std::optional<frame> parse() {
    if (bytes_.size() < 2)
      return std::nullopt;
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(bytes_[i]); };
    REQUIRE((b(1) & 0x80) == 0); // servers do not mask
    std::size_t len = b(1) & 0x7F;
    std::size_t at = 2;
    if (len == 126) {
      if (bytes_.size() < 4)
        return std::nullopt;
      len = (b(2) << 8) | b(3);
      at = 4;
    } else if (len == 127) {
      if (bytes_.size() < 10)
        return std::nullopt;
      len = 0;
      for (int i = 2; i < 10; ++i)
        len = (len << 8) | b(static_cast<std::size_t>(i));
      at = 10;
    }
    if (bytes_.size() < at + len)
      return std::nullopt;
    frame f{b(0) & 0x0F, (b(0) & 0x80) != 0, bytes_.substr(at, len)};
    bytes_.erase(0, at + len);
    return f;
  }

  int fd_;
  std::string bytes_;
};

/// Flushes until the writer says the queue is empty, reading on the other
/// end as it goes.
void pump(frame_writer& w, frame_reader& rd) {
  for (int i = 0; i < 100000; ++i) {
    rd.drain();
    auto s = w.flush();
    REQUIRE(s != status::failed);
    if (s == status::written)
      return;
  }
  FAIL("the writer never emptied its queue");
}

} // namespace

TEST_CASE("ws writer: a frame to an idle socket is written at once and whole",
          "[net][ws_writer]") {
  pair_fds p{65536};
  std::atomic<std::int64_t> backlog{0};
  std::atomic<std::uint64_t> messages{0}, bytes{0};
  frame_writer w{{}, {&backlog, &messages, &bytes}};
  REQUIRE(w.attach(p.w) == status::written);
  CHECK(w.send(opcode::text, frame_of("hello")) == status::written);
  CHECK(w.queued_frames() == 0);
  frame_reader rd{p.r};
  auto f = rd.read(1);
  CHECK(f[0].op == 1);
  CHECK(f[0].fin);
  CHECK(f[0].payload == "hello");
  CHECK(messages == 1);
  CHECK(bytes == 5);
  CHECK(backlog == 0);
}

TEST_CASE("ws writer: frames sent before attach wait and go out in order",
          "[net][ws_writer]") {
  pair_fds p{65536};
  frame_writer w{{}};
  CHECK(w.send(opcode::text, frame_of("one")) == status::queued);
  CHECK(w.send(opcode::binary, frame_of("two")) == status::queued);
  CHECK(w.attach(p.w) == status::written);
  frame_reader rd{p.r};
  auto f = rd.read(2);
  CHECK(f[0].payload == "one");
  CHECK(f[0].op == 1);
  CHECK(f[1].payload == "two");
  CHECK(f[1].op == 2);
}

TEST_CASE("ws writer: a socket that blocks mid-frame finishes that frame "
          "first and the frames behind it follow in order",
          "[net][ws_writer]") {
  pair_fds p{4096};
  std::atomic<std::int64_t> backlog{0};
  frame_writer w{{}, {&backlog, nullptr, nullptr}};
  REQUIRE(w.attach(p.w) == status::written);
  std::string big(300000, 'x');
  big[0] = 'A';
  big.back() = 'Z';
  // The first frame cannot fit: the caller is told to wait for writability.
  CHECK(w.send(opcode::text, frame_of(big)) == status::blocked);
  // Others queue behind it; nobody else is told to wait.
  CHECK(w.send(opcode::text, frame_of("after-1")) == status::queued);
  CHECK(w.send_control(opcode::ping, "p") == status::queued);
  CHECK(w.send(opcode::text, frame_of("after-2")) == status::queued);
  CHECK(backlog == 4);
  frame_reader rd{p.r};
  pump(w, rd);
  auto f = rd.read(4);
  CHECK(f[0].payload.size() == big.size());
  CHECK(f[0].payload == big);
  CHECK(f[1].payload == "after-1");
  CHECK(f[2].op == 0x9);
  CHECK(f[2].payload == "p");
  CHECK(f[3].payload == "after-2");
  CHECK(backlog == 0);
  CHECK(w.queued_frames() == 0);
}

TEST_CASE("ws writer: frames from two threads are each written whole and in "
          "each sender's order",
          "[net][ws_writer]") {
  pair_fds p{8192};
  frame_writer w{{64 << 20, 1 << 20}};
  REQUIRE(w.attach(p.w) == status::written);
  constexpr int per_thread = 3000;
  std::atomic<bool> stop{false};
  std::atomic<int> waits{0};
  // The strand's part: flushes whenever someone was told to wait.
  std::thread flusher{[&] {
    while (!stop) {
      if (waits.load() > 0) {
        pollfd pf{p.w, POLLOUT, 0};
        ::poll(&pf, 1, 10);
        if (w.flush() != status::blocked)
          waits.fetch_sub(1);
      } else {
        std::this_thread::yield();
      }
    }
  }};
  auto sender = [&](char tag) {
    for (int i = 0; i < per_thread; ++i) {
      auto s = w.send(opcode::text, frame_of(tag + std::to_string(i)
                                             + std::string(i % 97, '.')));
      REQUIRE((s == status::written || s == status::queued || s == status::blocked));
      if (s == status::blocked)
        waits.fetch_add(1);
    }
  };
  std::thread a{sender, 'a'};
  std::thread b{sender, 'b'};
  frame_reader rd{p.r};
  auto frames = rd.read(2 * per_thread);
  a.join();
  b.join();
  stop = true;
  flusher.join();
  int next_a = 0, next_b = 0;
  for (auto& f : frames) {
    REQUIRE(f.op == 1);
    auto n = std::stoi(f.payload.substr(1));
    CHECK(f.payload.size() == 1 + std::to_string(n).size() + static_cast<std::size_t>(n % 97));
    if (f.payload[0] == 'a')
      CHECK(n == next_a++);
    else
      CHECK(n == next_b++);
  }
  CHECK(next_a == per_thread);
  CHECK(next_b == per_thread);
}

TEST_CASE("ws writer: a close while frames wait goes after them and refuses "
          "anything later",
          "[net][ws_writer]") {
  pair_fds p{4096};
  frame_writer w{{}};
  REQUIRE(w.attach(p.w) == status::written);
  CHECK(w.send(opcode::text, frame_of(std::string(100000, 'q'))) == status::blocked);
  CHECK(w.send(opcode::text, frame_of("last words")) == status::queued);
  CHECK(w.send_control(opcode::close, std::string{"\x03\xe8", 2}) == status::queued);
  CHECK(w.send(opcode::text, frame_of("too late")) == status::closed);
  CHECK(w.send_control(opcode::ping, "") == status::closed);
  CHECK_FALSE(w.close_written());
  frame_reader rd{p.r};
  pump(w, rd);
  CHECK(w.close_written());
  auto f = rd.read(3);
  CHECK(f[0].payload.size() == 100000);
  CHECK(f[1].payload == "last words");
  CHECK(f[2].op == 0x8);
  CHECK(f[2].payload == std::string("\x03\xe8", 2));
  rd.drain();
  CHECK(rd.buffered() == 0); // nothing after the close frame
}

TEST_CASE("ws writer: a reader that stops is cut off at the queue limit and "
          "only a close frame is taken after",
          "[net][ws_writer]") {
  pair_fds p{4096};
  std::atomic<std::int64_t> backlog{0};
  frame_writer w{{64 * 1024, 8}, {&backlog, nullptr, nullptr}};
  REQUIRE(w.attach(p.w) == status::written);
  auto chunk = frame_of(std::string(10000, 'z'));
  status s = status::written;
  int sent = 0;
  while (sent < 100 && (s = w.send(opcode::text, chunk)) != status::overflow)
    ++sent;
  REQUIRE(s == status::overflow);
  CHECK(sent < 100);
  // The queue was dropped, but for the frame already partly on the wire.
  CHECK(w.queued_frames() <= 1);
  CHECK(backlog == static_cast<std::int64_t>(w.queued_frames()));
  CHECK(w.send(opcode::text, frame_of("more")) == status::overflow);
  CHECK(w.send_control(opcode::close, std::string{"\x03\xf0", 2}) == status::queued);
  // The client reads again: it gets whole frames, then the close frame.
  frame_reader rd{p.r};
  pump(w, rd);
  rd.drain();
  std::vector<frame> got;
  for (;;) {
    auto f = rd.read(1);
    got.push_back(f[0]);
    if (f[0].op == 0x8)
      break;
  }
  for (std::size_t i = 0; i + 1 < got.size(); ++i)
    CHECK(got[i].payload.size() == 10000);
  CHECK(got.back().payload == std::string("\x03\xf0", 2));
  CHECK(backlog == 0);
}

TEST_CASE("ws writer: a peer that is gone fails the write and empties the queue",
          "[net][ws_writer]") {
  pair_fds p{4096};
  frame_writer w{{}};
  REQUIRE(w.attach(p.w) == status::written);
  ::close(p.r);
  p.r = -1;
  CHECK(w.send(opcode::text, frame_of("anyone?")) == status::failed);
  CHECK(w.send(opcode::text, frame_of("again")) == status::closed);
  CHECK(w.queued_frames() == 0);
}

TEST_CASE("ws writer: after detach nothing is written to the descriptor",
          "[net][ws_writer]") {
  pair_fds p{65536};
  frame_writer w{{}};
  REQUIRE(w.attach(p.w) == status::written);
  w.detach();
  CHECK(w.send(opcode::text, frame_of("x")) == status::closed);
  CHECK(w.send_control(opcode::close, "") == status::closed);
  frame_reader rd{p.r};
  rd.drain();
  CHECK(rd.buffered() == 0);
}

// -- batches (the relay's, when frames for one socket queued up) ----------------

namespace {

std::vector<proctord::net::batch_frame> batch_of(std::vector<std::string> texts,
                                                 bool binary_last = false) {
  std::vector<proctord::net::batch_frame> out;
  for (auto& t : texts)
    out.push_back({frame_of(t), false});
  if (binary_last && !out.empty())
    out.back().binary = true;
  return out;
}

} // namespace

TEST_CASE("ws writer: a batch to an idle socket is written at once, in order, text and binary",
          "[net][ws_writer]") {
  pair_fds p{65536};
  std::atomic<std::int64_t> backlog{0};
  std::atomic<std::uint64_t> messages{0}, bytes{0};
  frame_writer w{{}, {&backlog, &messages, &bytes}};
  REQUIRE(w.attach(p.w) == status::written);
  CHECK(w.send_batch(batch_of({"one", "two", "three"}, true)) == status::written);
  CHECK(w.queued_frames() == 0);
  frame_reader rd{p.r};
  auto f = rd.read(3);
  CHECK(f[0].payload == "one");
  CHECK(f[1].payload == "two");
  CHECK(f[2].payload == "three");
  CHECK(f[0].op == 1);
  CHECK(f[2].op == 2);
  CHECK(messages == 3);
  CHECK(bytes == 11);
  CHECK(backlog == 0);
}

TEST_CASE("ws writer: a batch behind a blocked frame waits whole and keeps its order",
          "[net][ws_writer]") {
  pair_fds p{4096};
  frame_writer w{{}};
  REQUIRE(w.attach(p.w) == status::written);
  std::string big(300000, 'x');
  CHECK(w.send(opcode::text, frame_of(big)) == status::blocked);
  CHECK(w.send_batch(batch_of({"a", "b", "c"})) == status::queued);
  CHECK(w.send(opcode::text, frame_of("d")) == status::queued);
  frame_reader rd{p.r};
  pump(w, rd);
  auto f = rd.read(5);
  CHECK(f[0].payload.size() == big.size());
  CHECK(f[1].payload == "a");
  CHECK(f[2].payload == "b");
  CHECK(f[3].payload == "c");
  CHECK(f[4].payload == "d");
}

TEST_CASE("ws writer: a batch longer than the frame limit reaches a reader that keeps up",
          "[net][ws_writer]") {
  pair_fds p{1 << 20};
  frame_writer w{{64 * 1024, 8}};
  REQUIRE(w.attach(p.w) == status::written);
  std::vector<std::string> texts;
  for (int i = 0; i < 100; ++i)
    texts.push_back("m" + std::to_string(i));
  CHECK(w.send_batch(batch_of(texts)) == status::written);
  frame_reader rd{p.r};
  auto f = rd.read(100);
  for (int i = 0; i < 100; ++i)
    CHECK(f[static_cast<std::size_t>(i)].payload == "m" + std::to_string(i));
}

TEST_CASE("ws writer: a batch to a reader that stopped blocks then overflows at the limit",
          "[net][ws_writer]") {
  pair_fds p{4096};
  std::atomic<std::int64_t> backlog{0};
  frame_writer w{{64 * 1024, 8}, {&backlog, nullptr, nullptr}};
  REQUIRE(w.attach(p.w) == status::written);
  std::vector<std::string> texts(4, std::string(3000, 'y'));
  // The socket takes a little, then the rest waits: the caller arms a wait.
  CHECK(w.send_batch(batch_of(texts)) == status::blocked);
  status s = status::queued;
  int batches = 0;
  while (batches < 100 && (s = w.send_batch(batch_of(texts))) != status::overflow) {
    CHECK(s == status::queued);
    ++batches;
  }
  CHECK(s == status::overflow);
  CHECK(batches < 100);
  CHECK(w.send_batch(batch_of({"more", "still"})) == status::overflow);
  CHECK(backlog == static_cast<std::int64_t>(w.queued_frames()));
}
