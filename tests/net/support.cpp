#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace proctord::net_test {

// -- client -------------------------------------------------------------------

client::client(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0)
    throw std::runtime_error("socket() fails");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(std::string{"connect() fails: "} + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

client::~client() {
  if (fd_ >= 0)
    ::close(fd_);
}

void client::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

void client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return; // the server closed: what the test reads next shows it
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::uint16_t client::local_port() const {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

bool client::fill(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<ms>(deadline
                                               - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    char chunk[4096];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0)
      return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

response client::read_response(ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(deadline))
      return {};
  response r;
  std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  auto line_end = head.find("\r\n");
  auto status_line = head.substr(0, line_end);
  r.status = static_cast<unsigned>(std::stoul(status_line.substr(9, 3)));
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto eol = head.find("\r\n", pos);
    if (eol == std::string::npos)
      eol = head.size();
    auto line = head.substr(pos, eol - pos);
    auto colon = line.find(':');
    auto name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[name] = value;
    pos = eol + 2;
  }
  std::size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end())
    length = std::stoul(it->second);
  while (buf_.size() < length)
    if (!fill(deadline))
      return {};
  r.body = buf_.substr(0, length);
  buf_.erase(0, length);
  return r;
}

std::string client::read_bytes(std::size_t n, ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.size() < n && fill(deadline)) {
  }
  auto out = buf_.substr(0, std::min(n, buf_.size()));
  buf_.erase(0, out.size());
  return out;
}

bool client::closed_within(ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<ms>(deadline
                                               - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char chunk[4096];
    if (::recv(fd_, chunk, sizeof chunk, 0) <= 0)
      return true;
  }
}

// -- requests and frames ------------------------------------------------------

std::string get(std::string_view target, std::string_view extra) {
  return "GET " + std::string{target} + " HTTP/1.1\r\nHost: localhost\r\n"
         + std::string{extra} + "\r\n";
}

std::string request(std::string_view method, std::string_view target,
                    std::string_view body, std::string_view extra) {
  return std::string{method} + " " + std::string{target}
         + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n" + std::string{extra} + "\r\n"
         + std::string{body};
}

std::string upgrade(std::string_view target) {
  return get(target, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n");
}

namespace {

std::string masked(std::uint8_t opcode, std::string_view payload) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>((payload.size() >> 8) & 0xFF));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  }
  const char mask[4] = {0x11, 0x22, 0x33, 0x44};
  f.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return f;
}

} // namespace

std::string ws_text(std::string_view payload) {
  return masked(0x1, payload);
}

std::string ws_binary(std::string_view payload) {
  return masked(0x2, payload);
}

std::uint16_t close_code_of(const std::string& payload) {
  if (payload.size() < 2)
    return 0;
  return static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8
                                    | static_cast<unsigned char>(payload[1]));
}

std::string ws_close(std::uint16_t code) {
  const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return masked(0x8, std::string_view{body, 2});
}

ws_frame read_frame(client& c, ms timeout) {
  auto head = c.read_bytes(2, timeout);
  if (head.size() < 2)
    return {};
  ws_frame f;
  f.opcode = static_cast<unsigned char>(head[0]) & 0x0F;
  std::size_t len = static_cast<unsigned char>(head[1]) & 0x7F;
  if (len == 126) {
    auto ext = c.read_bytes(2, timeout);
    len = (static_cast<unsigned char>(ext[0]) << 8) | static_cast<unsigned char>(ext[1]);
  }
  f.payload = c.read_bytes(len, timeout);
  return f;
}

bool eventually(const std::function<bool()>& pred, ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// -- the test application -----------------------------------------------------

namespace {

net::http_response text(unsigned status, std::string body) {
  net::http_response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

std::shared_ptr<net::http_endpoint> fixed(std::string body) {
  return net::http_handler([body](net::http_request, net::responder res) {
    res.respond(text(200, body));
  });
}

class echo_inbound : public net::inbound {
public:
  echo_inbound(std::shared_ptr<app_state> app, std::shared_ptr<net::outbound> out,
               bool binary)
    : app_(std::move(app)), out_(std::move(out)), binary_(binary) {
  }
  bool on_binary(std::string frame) override {
    if (binary_)
      out_->send_binary(std::make_shared<const std::string>(std::move(frame)));
    return binary_;
  }
  void on_text(std::string frame) override {
    {
      std::lock_guard<std::mutex> guard{app_->mtx};
      app_->texts.push_back(frame);
    }
    out_->send(std::make_shared<const std::string>("echo:" + frame));
  }
  void on_closed() override {
    ++app_->closed;
  }

private:
  std::shared_ptr<app_state> app_;
  // Held strongly, as the real application does: the inbound and the
  // session must not keep each other alive.
  std::shared_ptr<net::outbound> out_;
  bool binary_ = false;
};

class ws_endpoint : public net::websocket_endpoint, public net::http_endpoint {
public:
  explicit ws_endpoint(std::shared_ptr<app_state> app) : app_(std::move(app)) {
  }
  net::upgrade_answer upgrade(const net::http_request& req,
                              std::shared_ptr<net::outbound> out) override {
    net::upgrade_answer a;
    if (req.query == "refuse") {
      a.status = 403;
      a.body = "refused";
      a.content_type = "text/plain";
      return a;
    }
    ++app_->accepted;
    auto in = std::make_shared<echo_inbound>(app_, std::move(out),
                                             req.query == "binary");
    std::lock_guard<std::mutex> guard{app_->mtx};
    app_->inbounds.push_back(in);
    a.handler = in;
    if (req.query == "close4001") {
      a.close_at_once = net::close_code{4001};
      a.close_reason = "missing token";
    }
    return a;
  }
  void on_request(net::http_request, net::responder res) override {
    res.respond(text(200, "both"));
  }

private:
  std::shared_ptr<app_state> app_;
};

} // namespace

test_server::test_server(std::function<void(net::server_config&)> tune,
                         bool with_fallback) {
  net::server_config cfg;
  cfg.bind = "127.0.0.1";
  cfg.port = 0;
  cfg.io_threads = 2;
  cfg.max_body_bytes = 1024;
  cfg.max_header_bytes = 2048;
  if (tune)
    tune(cfg);
  srv_ = std::make_unique<net::server>(cfg);
  auto app = app_;
  srv_->add_route(net::route{"/echo", net::http_handler([](net::http_request req,
                                                            net::responder res) {
                               std::string b;
                               b += "method=" + req.method + "\n";
                               b += "target=" + req.target + "\n";
                               b += "path=" + req.path + "\n";
                               b += "query=" + req.query + "\n";
                               b += "x-test=" + req.headers.get("x-TEST") + "\n";
                               b += "body=" + req.body + "\n";
                               b += "remote=" + req.remote_ip + ":"
                                    + std::to_string(req.remote_port) + "\n";
                               res.respond(text(200, b));
                             }),
                             nullptr});
  srv_->add_route(net::route{"/a/*", fixed("a/*"), nullptr});
  srv_->add_route(net::route{"/a/b/*", fixed("a/b/*"), nullptr});
  srv_->add_route(net::route{"/a/b", fixed("a/b"), nullptr});
  srv_->add_route(net::route{"/", fixed("root"), nullptr});
  srv_->add_route(net::route{
    "/later", net::http_handler([app](net::http_request, net::responder res) {
      std::lock_guard<std::mutex> guard{app->mtx};
      app->threads.emplace_back([res] {
        std::this_thread::sleep_for(100ms);
        res.respond(text(200, "later"));
        res.respond(text(500, "twice")); // only the first answer counts
      });
    }),
    nullptr});
  srv_->add_route(net::route{
    "/never", net::http_handler([app](net::http_request, net::responder res) {
      std::lock_guard<std::mutex> guard{app->mtx};
      app->held.push_back(std::move(res));
    }),
    nullptr});
  srv_->add_route(net::route{"/drop", net::http_handler([](net::http_request,
                                                           net::responder) {}),
                             nullptr});
  auto ws = std::make_shared<ws_endpoint>(app_);
  srv_->add_route(net::route{"/ws", nullptr, ws});
  srv_->add_route("/both/*", ws);
  if (with_fallback)
    srv_->set_fallback(net::http_handler([](net::http_request, net::responder res) {
      res.respond(text(404, "fallback"));
    }));
  port_ = srv_->start();
}

test_server::~test_server() {
  srv_->stop(0ms);
  std::lock_guard<std::mutex> guard{app_->mtx};
  for (auto& t : app_->threads)
    t.join();
}

ms test_server::stop(ms grace) {
  auto t0 = std::chrono::steady_clock::now();
  srv_->stop(grace);
  return std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t0);
}

} // namespace proctord::net_test
