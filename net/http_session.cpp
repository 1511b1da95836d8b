// One accepted connection speaking HTTP/1.1: reads a request (header, then
// body, each under its own timeout), routes it, and either hands an upgrade
// over to a WebSocket session or gives the request to an HTTP endpoint and
// waits for its answer, which may come later from any thread. One request at
// a time: the next is read only after the answer is written (keep-alive, no
// pipelining).

#include "net/detail.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <optional>

namespace proctord::net {

void responder::respond(http_response res) const {
  if (ex_)
    ex_->respond(std::move(res));
}

bool responder::pending() const {
  return ex_ && ex_->pending();
}

namespace detail {

namespace asio = boost::asio;

http_request to_http_request(const http::request<http::string_body>& req,
                             const tcp::endpoint& remote) {
  http_request r;
  r.method = std::string{req.method_string()};
  r.target = std::string{req.target()};
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos)
    r.query = r.target.substr(q + 1);
  r.version = req.version();
  for (const auto& f : req)
    r.headers.add(std::string{f.name_string()}, std::string{f.value()});
  r.body = req.body();
  r.remote_ip = remote.address().to_string();
  r.remote_port = remote.port();
  return r;
}

namespace {

/// After an answer that ends the connection, how long unread input (the
/// rest of an oversized body) is drained so the client sees the answer
/// instead of a reset.
constexpr auto linger_time = std::chrono::seconds{1};
constexpr std::size_t max_linger_bytes = 1 << 20;

class http_session;

class exchange_impl final : public exchange {
public:
  exchange_impl(std::weak_ptr<http_session> session, std::uint64_t seq)
    : session_(std::move(session)), seq_(seq) {
  }
  ~exchange_impl() override;

  void respond(http_response res) override;

  bool pending() const override {
    return !done_.load();
  }

  /// The session no longer waits (timeout, closed): later answers are void.
  void expire() {
    done_.store(true);
  }

private:
  std::weak_ptr<http_session> session_;
  std::uint64_t seq_;
  std::atomic<bool> done_{false};
};

class http_session : public session_base,
                     public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<shared_state> st,
               std::shared_ptr<ip_slot> slot)
    : stream_(std::move(socket)),
      strand_(stream_.get_executor()),
      st_(std::move(st)),
      slot_(std::move(slot)),
      answer_timer_(strand_) {
    beast::error_code ec;
    remote_ = stream_.socket().remote_endpoint(ec);
  }

  ~http_session() override {
    forget_session(*st_, this);
  }

  void run() {
    if (!register_session(*st_, shared_from_this()))
      return; // the server is stopping: the socket closes with us
    asio::dispatch(strand_, beast::bind_front_handler(&http_session::do_read_header,
                                                      shared_from_this()));
  }

  /// Any thread, through an exchange.
  void deliver(std::uint64_t seq, http_response res) {
    asio::post(strand_, beast::bind_front_handler(&http_session::on_answer,
                                                  shared_from_this(), seq,
                                                  std::move(res)));
  }

  void shutdown() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopping_ = true;
      self->close_now();
    });
  }

  void abandon() override {
    close_now();
  }

private:
  void do_read_header() {
    if (stopping_)
      return close_now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(st_->cfg.max_header_bytes));
    parser_->body_limit(st_->cfg.max_body_bytes);
    stream_.expires_after(st_->cfg.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&http_session::on_read_header,
                                                      shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read_error(ec);
    if (parser_->is_done())
      return on_request();
    stream_.expires_after(st_->cfg.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read_body,
                                               shared_from_this()));
  }

  void on_read_body(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read_error(ec);
    on_request();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return answer_and_close(413);
    if (ec == http::error::header_limit)
      return answer_and_close(431);
    if (ec.category() == http::make_error_code(http::error::bad_target).category()
        && ec != http::error::end_of_stream && ec != http::error::partial_message)
      return answer_and_close(400); // a malformed request
    // Closed, reset, timed out (the stream is closed already) or stopping.
    if (ec != http::error::end_of_stream)
      fail(ec, "http read");
    close_now();
  }

  void on_request() {
    stream_.expires_never();
    auto req = parser_->release();
    parser_.reset();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    auto info = to_http_request(req, remote_);
    const auto& routes = st_->routes;
    const route* r = routes.find(info.path);
    if (r && r->ws && boost::beast::websocket::is_upgrade(req)) {
      handed_off_ = true;
      start_websocket_session(std::move(stream_), std::move(req), std::move(info),
                              r->ws, st_, std::move(slot_));
      return;
    }
    if (r && !r->http) {
      http_response res;
      res.status = 426;
      res.headers.set("Upgrade", "websocket");
      return write(std::move(res), keep_alive_);
    }
    auto ep = r ? r->http : routes.fallback();
    if (!ep) {
      http_response res;
      res.status = 404;
      return write(std::move(res), keep_alive_);
    }
    auto ex = std::make_shared<exchange_impl>(weak_from_this(), ++seq_);
    current_ = ex;
    waiting_ = true;
    answer_timer_.expires_after(st_->cfg.response_timeout);
    answer_timer_.async_wait(beast::bind_front_handler(&http_session::on_answer_timeout,
                                                       shared_from_this(), seq_));
    try {
      ep->on_request(std::move(info), responder{std::move(ex)});
    } catch (const std::exception& e) {
      spdlog::warn("net endpoint for {} throws: {}", std::string{req.target()},
                   e.what());
      http_response res;
      res.status = 500;
      on_answer(seq_, std::move(res));
    }
  }

  void on_answer(std::uint64_t seq, http_response res) {
    if (stopping_ || !waiting(seq))
      return;
    end_exchange();
    write(std::move(res), keep_alive_);
  }

  /// Whether exchange `seq` still waits for its answer (its responder may
  /// be gone already: the 500 of a dropped responder arrives that way).
  bool waiting(std::uint64_t seq) const {
    return waiting_ && seq == seq_;
  }

  void on_answer_timeout(std::uint64_t seq, beast::error_code ec) {
    if (ec || !waiting(seq))
      return;
    end_exchange();
    http_response res;
    res.status = 504;
    write(std::move(res), false);
  }

  void end_exchange() {
    waiting_ = false;
    answer_timer_.cancel();
    if (auto ex = current_.lock())
      ex->expire();
    current_.reset();
  }

  void answer_and_close(unsigned status) {
    http_response res;
    res.status = status;
    write(std::move(res), false);
  }

  void write(http_response answer, bool keep_alive) {
    res_.emplace(static_cast<http::status>(answer.status), version_);
    res_->set(http::field::server, "proctord");
    for (auto& [name, value] : answer.headers.fields())
      res_->insert(name, value);
    res_->body() = std::move(answer.body);
    res_->keep_alive(keep_alive && !stopping_);
    res_->prepare_payload();
    // A client that does not read its answer is closed like one that does
    // not send its body.
    stream_.expires_after(st_->cfg.body_timeout);
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&http_session::on_write,
                                                shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    bool keep_alive = res_->keep_alive();
    res_.reset();
    if (ec) {
      fail(ec, "http write");
      return close_now();
    }
    if (keep_alive)
      return do_read_header();
    do_linger();
  }

  /// Half-closes, then reads and drops what the client still sends for a
  /// moment, so closing does not reset the connection under the answer.
  void do_linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_time);
    on_linger({}, 0);
  }

  void on_linger(beast::error_code ec, std::size_t n) {
    lingered_ += n;
    if (ec || stopping_ || lingered_ > max_linger_bytes)
      return close_now();
    stream_.async_read_some(asio::buffer(scratch_),
                            beast::bind_front_handler(&http_session::on_linger,
                                                      shared_from_this()));
  }

  void close_now() {
    if (handed_off_)
      return;
    waiting_ = false;
    answer_timer_.cancel();
    if (auto ex = current_.lock())
      ex->expire();
    current_.reset();
    stream_.close();
  }

  beast::tcp_stream stream_;
  // A copy of the stream's strand: the stream moves to a WebSocket session
  // on upgrade, and late handlers still need somewhere to run.
  beast::tcp_stream::executor_type strand_;
  beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> st_;
  std::shared_ptr<ip_slot> slot_;
  tcp::endpoint remote_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  asio::steady_timer answer_timer_;
  std::weak_ptr<exchange_impl> current_;
  std::uint64_t seq_ = 0; // the latest exchange
  bool waiting_ = false;  // the latest exchange waits for its answer
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool handed_off_ = false;
  bool stopping_ = false;
  std::array<char, 4096> scratch_{};
  std::size_t lingered_ = 0;
};

exchange_impl::~exchange_impl() {
  // Nobody will answer: say so now rather than at the timeout.
  if (!done_.load()) {
    http_response res;
    res.status = 500;
    respond(std::move(res));
  }
}

void exchange_impl::respond(http_response res) {
  if (done_.exchange(true))
    return;
  if (auto s = session_.lock())
    s->deliver(seq_, std::move(res));
}

} // namespace

void start_http_session(tcp::socket socket, std::shared_ptr<shared_state> st,
                        std::shared_ptr<ip_slot> slot) {
  std::make_shared<http_session>(std::move(socket), std::move(st), std::move(slot))
    ->run();
}

} // namespace detail
} // namespace proctord::net
