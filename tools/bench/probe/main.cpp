// proctord-probe: the kernel's limit for loopback fan-out (tools/bench/README.md,
// "The kernel probe"). A minimal WebSocket relay with nothing of proctord in
// it: plain POSIX sockets, one thread, one epoll set, level-triggered.
//
//   proctord-probe [--port 0] [--bind 127.0.0.1]
//
// Prints `listening on PORT`, then serves until SIGTERM / SIGINT (exit 0).
//
// The conversation (tools/scenarios/README.md, "The probe dialect"): after
// the upgrade (any path; no token checked), a connection's first text frame
// names its room (any text up to 256 bytes); the probe answers it with the
// text frame `J`. Every later text frame of that connection is an
// announcement: the probe builds ONE unmasked frame (header + payload) and
// writes those bytes to every other connection of the room with send(); only
// a socket that would block gets the rest queued (EPOLLOUT), up to 4 MiB,
// past which that reader is dropped. Pings get pongs,
// a close gets a close. GET /api/stats (no upgrade) answers the counters.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace {

constexpr std::size_t max_payload = 1 << 20;
constexpr std::size_t max_request = 8192;
/// What may wait for one slow reader (proctord's --send-queue-bytes
/// default); past it the reader is dropped, as proctord closes it (1008),
/// so the probe's memory stays bounded like the servers it measures.
constexpr std::size_t max_queued = 4 << 20;

struct conn;
using room = std::vector<conn*>;

struct conn {
  int fd = -1;
  bool upgraded = false;
  bool closing = false; // close after what is queued is written
  bool want_out = false;
  bool dead = false;    // closed; freed after the current epoll batch
  std::string in;       // bytes not yet parsed
  std::string out;      // bytes the socket would not take yet
  std::size_t out_at = 0;
  room* in_room = nullptr;
  std::size_t slot = 0; // index in *in_room
};

struct counters {
  std::uint64_t connections = 0, messages_in = 0, messages_out = 0, bytes_in = 0,
                bytes_out = 0;
};

int epfd = -1;
counters stats;
std::unordered_map<std::string, room> rooms;
volatile std::sig_atomic_t stop = 0;
/// Connections closed during one epoll batch: a later event of the same
/// batch may still point at them, so they are freed after it.
std::vector<conn*> graveyard;

void on_signal(int) { stop = 1; }

void set_events(conn& c) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (c.want_out ? EPOLLOUT : 0u);
  ev.data.ptr = &c;
  epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev);
}

void destroy(conn* c) {
  if (c->dead)
    return;
  c->dead = true;
  if (c->in_room) {
    auto& r = *c->in_room;
    r[c->slot] = r.back();
    r[c->slot]->slot = c->slot;
    r.pop_back();
    c->in_room = nullptr;
  }
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, nullptr);
  ::close(c->fd);
  if (c->upgraded)
    --stats.connections;
  graveyard.push_back(c);
}

/// Writes what is queued; false if the connection is gone.
bool flush(conn* c) {
  while (c->out_at < c->out.size()) {
    auto n = ::send(c->fd, c->out.data() + c->out_at, c->out.size() - c->out_at,
                    MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      if (errno == EINTR)
        continue;
      destroy(c);
      return false;
    }
    c->out_at += static_cast<std::size_t>(n);
  }
  bool pending = c->out_at < c->out.size();
  if (!pending) {
    c->out.clear();
    c->out_at = 0;
    if (c->closing) {
      destroy(c);
      return false;
    }
  }
  if (pending != c->want_out) {
    c->want_out = pending;
    set_events(*c);
  }
  return true;
}

/// The same bytes to `c`: straight to the socket if nothing is queued.
/// False if the connection is gone.
bool write_bytes(conn* c, const char* p, std::size_t n) {
  if (c->out_at < c->out.size()) { // already waiting for EPOLLOUT
    if (c->out.size() - c->out_at + n > max_queued) {
      destroy(c);
      return false;
    }
    if (c->out_at > 0 && c->out_at * 2 >= c->out.size()) { // drop what is sent
      c->out.erase(0, c->out_at);
      c->out_at = 0;
    }
    c->out.append(p, n);
    return true;
  }
  auto sent = ::send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      destroy(c);
      return false;
    }
    sent = 0;
  }
  if (static_cast<std::size_t>(sent) < n) {
    c->out.assign(p + sent, n - static_cast<std::size_t>(sent));
    c->out_at = 0;
    c->want_out = true;
    set_events(*c);
  }
  return true;
}

/// An unmasked frame: FIN, `opcode`, the payload.
std::string frame_of(int opcode, std::string_view payload) {
  std::string f;
  f.reserve(payload.size() + 10);
  f += static_cast<char>(0x80 | opcode);
  if (payload.size() < 126) {
    f += static_cast<char>(payload.size());
  } else if (payload.size() < 65536) {
    f += static_cast<char>(126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(127);
    for (int i = 7; i >= 0; --i)
      f += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xff);
  }
  f.append(payload.data(), payload.size());
  return f;
}

void close_with(conn* c, std::uint16_t code) {
  char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  auto f = frame_of(0x8, std::string_view(body, 2));
  c->closing = true;
  c->in.clear();
  if (write_bytes(c, f.data(), f.size()))
    flush(c);
}

/// One announcement to every other member of the room, built once.
void fan_out(conn* from, std::string_view payload) {
  auto f = frame_of(0x1, payload);
  auto& r = *from->in_room;
  // destroy() swaps members around: walk a copy of the list.
  static std::vector<conn*> targets;
  targets.assign(r.begin(), r.end());
  for (auto* c : targets) {
    if (c == from || c->closing || c->dead)
      continue;
    if (write_bytes(c, f.data(), f.size())) {
      ++stats.messages_out;
      stats.bytes_out += payload.size();
    }
  }
}

/// A complete data or control frame from `c`. False if `c` is gone.
bool on_frame(conn* c, int opcode, std::string_view payload) {
  switch (opcode) {
    case 0x1: {
      ++stats.messages_in;
      stats.bytes_in += payload.size();
      if (!c->in_room) {
        if (payload.empty() || payload.size() > 256) {
          close_with(c, 1008);
          return false;
        }
        auto& r = rooms[std::string(payload)];
        c->in_room = &r;
        c->slot = r.size();
        r.push_back(c);
        auto j = frame_of(0x1, "J");
        return write_bytes(c, j.data(), j.size());
      }
      fan_out(c, payload);
      return true;
    }
    case 0x9: {
      auto pong = frame_of(0xA, payload);
      return write_bytes(c, pong.data(), pong.size());
    }
    case 0xA: return true;
    case 0x8: close_with(c, payload.size() >= 2
                              ? static_cast<std::uint16_t>(
                                  (static_cast<unsigned char>(payload[0]) << 8)
                                  | static_cast<unsigned char>(payload[1]))
                              : 1000);
      return false;
    default: close_with(c, 1003); // binary, fragments: not ours
      return false;
  }
}

/// Parses the frames in [p, end); returns how many bytes it used, or -1
/// if `c` is gone.
long parse_frames(conn* c, char* p, std::size_t size) {
  std::size_t at = 0;
  while (size - at >= 2) {
    auto b0 = static_cast<unsigned char>(p[at]);
    auto b1 = static_cast<unsigned char>(p[at + 1]);
    std::size_t head = 2;
    std::uint64_t len = b1 & 0x7f;
    if (len == 126) {
      if (size - at < 4)
        break;
      len = (static_cast<unsigned char>(p[at + 2]) << 8) | static_cast<unsigned char>(p[at + 3]);
      head = 4;
    } else if (len == 127) {
      if (size - at < 10)
        break;
      len = 0;
      for (int i = 0; i < 8; ++i)
        len = (len << 8) | static_cast<unsigned char>(p[at + 2 + i]);
      head = 10;
    }
    if (!(b1 & 0x80) || len > max_payload || !(b0 & 0x80)) {
      close_with(c, !(b1 & 0x80) ? 1002 : len > max_payload ? 1009 : 1003);
      return -1;
    }
    if (size - at < head + 4 + len)
      break;
    auto* mask = reinterpret_cast<unsigned char*>(p + at + head);
    auto* data = p + at + head + 4;
    for (std::uint64_t i = 0; i < len; ++i)
      data[i] = static_cast<char>(data[i] ^ mask[i & 3]);
    at += head + 4 + len;
    if (!on_frame(c, b0 & 0x0f, std::string_view(data, len)))
      return -1;
  }
  return static_cast<long>(at);
}

std::string header_value(std::string_view req, std::string_view name) {
  std::size_t at = 0;
  while ((at = req.find("\r\n", at)) != std::string_view::npos) {
    at += 2;
    if (req.size() - at > name.size() && req[at + name.size()] == ':'
        && std::equal(name.begin(), name.end(), req.begin() + at,
                      [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      auto v = at + name.size() + 1;
      auto e = req.find("\r\n", v);
      auto s = std::string(req.substr(v, e - v));
      s.erase(0, s.find_first_not_of(' '));
      s.erase(s.find_last_not_of(' ') + 1);
      return s;
    }
  }
  return {};
}

/// The upgrade (or GET /api/stats). False if `c` is gone.
bool on_request(conn* c) {
  auto end = c->in.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (c->in.size() > max_request) {
      destroy(c);
      return false;
    }
    return true;
  }
  std::string_view req(c->in.data(), end + 2);
  auto key = header_value(req, "Sec-WebSocket-Key");
  std::string reply;
  if (key.empty()) {
    std::string body = "{\"code\":\"NOT_FOUND\"}";
    std::string status = "404 Not Found";
    if (req.rfind("GET /api/stats", 0) == 0) {
      body = "{\"connections\":" + std::to_string(stats.connections)
             + ",\"messagesIn\":" + std::to_string(stats.messages_in)
             + ",\"messagesOut\":" + std::to_string(stats.messages_out)
             + ",\"bytesIn\":" + std::to_string(stats.bytes_in)
             + ",\"bytesOut\":" + std::to_string(stats.bytes_out) + "}";
      status = "200 OK";
    }
    reply = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
            + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    c->closing = true;
  } else {
    key += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
    unsigned char accept[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    EVP_EncodeBlock(accept, digest, SHA_DIGEST_LENGTH);
    reply = std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Accept: ")
            + reinterpret_cast<char*>(accept) + "\r\n\r\n";
    c->upgraded = true;
    ++stats.connections;
  }
  c->in.erase(0, end + 4);
  if (!write_bytes(c, reply.data(), reply.size()))
    return false;
  if (c->closing)
    return flush(c);
  return true;
}

void on_readable(conn* c) {
  static char buf[256 * 1024];
  auto n = ::recv(c->fd, buf, sizeof buf, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    destroy(c);
    return;
  }
  if (n < 0 || c->closing)
    return;
  if (!c->upgraded) {
    c->in.append(buf, static_cast<std::size_t>(n));
    if (!on_request(c) || !c->upgraded || c->in.empty())
      return;
    std::string rest;
    rest.swap(c->in);
    auto used = parse_frames(c, rest.data(), rest.size());
    if (used >= 0)
      c->in.assign(rest, static_cast<std::size_t>(used), std::string::npos);
    return;
  }
  if (c->in.empty()) { // the usual case: whole frames, parsed in place
    auto used = parse_frames(c, buf, static_cast<std::size_t>(n));
    if (used >= 0 && used < n)
      c->in.assign(buf + used, static_cast<std::size_t>(n - used));
    return;
  }
  c->in.append(buf, static_cast<std::size_t>(n));
  std::string rest;
  rest.swap(c->in);
  auto used = parse_frames(c, rest.data(), rest.size());
  if (used >= 0)
    c->in.assign(rest, static_cast<std::size_t>(used), std::string::npos);
}

void accept_all(int lfd) {
  for (;;) {
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return; // EAGAIN, or out of files: the next readiness retries
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto* c = new conn;
    c->fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  }
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "proctord-probe: %s\nusage: proctord-probe [--port 0] [--bind 127.0.0.1]\n", why);
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string bind = "127.0.0.1";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--port" || a == "--bind") && i + 1 >= argc)
      usage((a + " needs a value").c_str());
    if (a == "--port") {
      char* end = nullptr;
      long v = std::strtol(argv[++i], &end, 10);
      if (*end || v < 0 || v > 65535)
        usage("bad --port");
      port = static_cast<int>(v);
    } else if (a == "--bind") {
      bind = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::puts("usage: proctord-probe [--port 0] [--bind 127.0.0.1]");
      return 0;
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, bind.c_str(), &addr.sin_addr) != 1)
    usage("--bind takes an IPv4 address");
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::listen(lfd, 4096) != 0) {
    std::perror("proctord-probe: listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.ptr = nullptr; // the listener
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
  std::printf("listening on %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  std::vector<epoll_event> events(1024);
  while (!stop) {
    int n = epoll_wait(epfd, events.data(), static_cast<int>(events.size()), 1000);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<conn*>(events[i].data.ptr);
      if (!c) {
        accept_all(lfd);
        continue;
      }
      if (c->dead)
        continue; // closed earlier in this batch (a failed send to it)
      if ((events[i].events & EPOLLOUT) && !flush(c))
        continue;
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        on_readable(c);
    }
    for (auto* c : graveyard)
      delete c;
    graveyard.clear();
  }
  return 0;
}
