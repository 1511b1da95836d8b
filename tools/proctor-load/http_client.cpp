#include "http_client.hpp"

#include <chrono>

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
  beast_http_api(const std::string& address, std::uint16_t port, std::string host)
    : at_(asio::ip::make_address(address), port), host_(std::move(host)) {}

  http_reply call(std::string_view method, const std::string& target,
                  const std::string& bearer, const std::string& body) override {
    http_reply reply;
    try {
      asio::io_context ioc;
      beast::tcp_stream stream(ioc);
      stream.expires_after(std::chrono::seconds(10));
      beast::error_code ec;
      stream.connect(at_, ec);
      if (ec)
        return failed(reply, "connect: " + ec.message());
      http::request<http::string_body> req{
        http::string_to_verb(beast::string_view(method.data(), method.size())),
        target, 11};
      req.set(http::field::host, host_);
      req.set(http::field::user_agent, "proctor-load");
      req.set(http::field::connection, "close");
      if (!bearer.empty())
        req.set(http::field::authorization, "Bearer " + bearer);
      if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
      }
      req.prepare_payload();
      http::write(stream, req, ec);
      if (ec)
        return failed(reply, "write: " + ec.message());
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      http::read(stream, buffer, res, ec);
      if (ec)
        return failed(reply, "read: " + ec.message());
      reply.status = static_cast<int>(res.result_int());
      reply.body = std::move(res.body());
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    } catch (const std::exception& e) {
      return failed(reply, e.what());
    }
    return reply;
  }

private:
  static http_reply& failed(http_reply& r, std::string why) {
    r.status = 0;
    r.error = std::move(why);
    return r;
  }

  tcp::endpoint at_;
  std::string host_;
};

} // namespace

std::unique_ptr<http_api> make_http_api(const std::string& address,
                                        std::uint16_t port,
                                        std::string host_header) {
  return std::make_unique<beast_http_api>(address, port, std::move(host_header));
}

} // namespace proctord::load
