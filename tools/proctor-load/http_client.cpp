#include "http_client.hpp"

#include <chrono>
#include <optional>

#include <netinet/in.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace proctord::load {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class beast_http_api : public http_api {
public:
  beast_http_api(const std::string& address, std::uint16_t port, std::string host,
                 std::string source, bool keep_alive)
    : at_(asio::ip::make_address(address), port),
      host_(std::move(host)),
      keep_alive_(keep_alive) {
    if (!source.empty())
      source_ = asio::ip::make_address(source);
  }

  http_reply call(std::string_view method, const std::string& target,
                  const std::string& bearer, const std::string& body) override {
    // A kept connection the server has closed meanwhile fails at once:
    // then once more on a new one.
    bool reused = stream_.has_value();
    auto reply = attempt(method, target, bearer, body);
    if (reply.status == 0 && reused)
      reply = attempt(method, target, bearer, body);
    return reply;
  }

private:
  http_reply attempt(std::string_view method, const std::string& target,
                     const std::string& bearer, const std::string& body) {
    http_reply reply;
    try {
      beast::error_code ec;
      if (!stream_) {
        stream_.emplace(ioc_);
        auto& sock = stream_->socket();
        sock.open(at_.protocol(), ec);
        if (!ec && source_) {
          int one = 1;
          ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
                       &one, sizeof one);
          sock.bind({*source_, 0}, ec);
        }
        if (ec)
          return failed(reply, "connect: " + ec.message());
        stream_->expires_after(std::chrono::seconds(10));
        stream_->connect(at_, ec);
        if (ec)
          return failed(reply, "connect: " + ec.message());
        stream_->socket().set_option(tcp::no_delay(true), ec);
      }
      stream_->expires_after(std::chrono::seconds(10));
      http::request<http::string_body> req{
        http::string_to_verb(beast::string_view(method.data(), method.size())),
        target, 11};
      req.set(http::field::host, host_);
      req.set(http::field::user_agent, "proctor-load");
      req.keep_alive(keep_alive_);
      if (!bearer.empty())
        req.set(http::field::authorization, "Bearer " + bearer);
      if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
      }
      req.prepare_payload();
      http::write(*stream_, req, ec);
      if (ec)
        return failed(reply, "write: " + ec.message());
      http::response<http::string_body> res;
      http::read(*stream_, buffer_, res, ec);
      if (ec)
        return failed(reply, "read: " + ec.message());
      reply.status = static_cast<int>(res.result_int());
      reply.body = std::move(res.body());
      if (!keep_alive_ || !res.keep_alive())
        drop();
    } catch (const std::exception& e) {
      return failed(reply, e.what());
    }
    return reply;
  }

  void drop() {
    if (stream_) {
      beast::error_code ec;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_->socket().close(ec);
      stream_.reset();
    }
    buffer_.clear();
  }

  http_reply& failed(http_reply& r, std::string why) {
    drop();
    r.status = 0;
    r.error = std::move(why);
    return r;
  }

  asio::io_context ioc_;
  tcp::endpoint at_;
  std::string host_;
  std::optional<asio::ip::address> source_;
  bool keep_alive_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

} // namespace

std::unique_ptr<http_api> make_http_api(const std::string& address,
                                        std::uint16_t port,
                                        std::string host_header) {
  return std::make_unique<beast_http_api>(address, port, std::move(host_header),
                                          std::string{}, false);
}

std::unique_ptr<http_api> make_keepalive_http_api(const std::string& address,
                                                  std::uint16_t port,
                                                  std::string host_header,
                                                  const std::string& source) {
  return std::make_unique<beast_http_api>(address, port, std::move(host_header),
                                          source, true);
}

} // namespace proctord::load
