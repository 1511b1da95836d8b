// The Engine.IO route: checks each request (CORS, EIO, transport, sid),
// opens sessions (handshake) and hands the rest to them; owns the session
// registry and the timer thread.

#include "net/engineio_detail.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace proctord::net {

namespace eio = protocol::engineio;
using detail::eio_error;
using detail::eio_reply;
using detail::eio_session;

// -- registry -------------------------------------------------------------------------

engineio_server::impl::admission
engineio_server::impl::admit(const std::shared_ptr<eio_session>& s) {
  std::lock_guard<std::mutex> guard{mtx};
  if (stopped)
    return admission::stopped;
  if (sessions.size() >= cfg.max_sessions)
    return admission::full;
  return sessions.emplace(s->sid(), s).second ? admission::ok : admission::full;
}

std::shared_ptr<eio_session> engineio_server::impl::find(const std::string& sid) const {
  std::lock_guard<std::mutex> guard{mtx};
  auto it = sessions.find(sid);
  return it == sessions.end() ? nullptr : it->second;
}

void engineio_server::impl::forget(const std::string& sid, const eio_session* s) {
  std::lock_guard<std::mutex> guard{mtx};
  if (auto it = sessions.find(sid); it != sessions.end() && it->second.get() == s)
    sessions.erase(it);
}

namespace detail {

std::string eio_error_body(eio_error e) {
  static const char* const messages[] = {
    "Transport unknown", "Session ID unknown", "Bad handshake method",
    "Bad request",       "Forbidden",          "Unsupported protocol version"};
  auto code = static_cast<int>(e);
  return "{\"code\":" + std::to_string(code) + ",\"message\":\"" + messages[code]
         + "\"}";
}

http_response eio_error_response(eio_error e, unsigned status) {
  http_response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = eio_error_body(e);
  return r;
}

} // namespace detail

namespace {

/// The value of `key` in a query string ("" when absent); no
/// percent-decoding: EIO, transport and sid never need it.
std::optional<std::string_view> query_param(std::string_view query,
                                            std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

/// Whether `origin` ("http://host:port") is the server's own (the Host the
/// request was sent to): a same-origin POST carries Origin too.
bool same_origin(std::string_view origin, std::string_view host) {
  auto scheme = origin.find("://");
  return scheme != std::string_view::npos && !host.empty()
         && iequals(origin.substr(scheme + 3), host);
}

/// What a request's checks found, before any session is involved.
struct verdict {
  std::optional<http_response> refusal; // answer this and stop
  http_headers cors;                    // for every answer otherwise
};

/// The inbound of a WebSocket closed as soon as it is accepted.
class idle_inbound final : public inbound {
public:
  void on_text(std::string) override {
  }
  void on_closed() override {
  }
};

http_response plain(unsigned status) {
  http_response r;
  r.status = status;
  return r;
}

} // namespace

// -- the endpoints --------------------------------------------------------------------

engineio_server::engineio_server(engineio_config cfg,
                                 std::shared_ptr<engineio_handler> app)
  : impl_(std::make_shared<impl>()) {
  impl_->cfg = std::move(cfg);
  impl_->app = std::move(app);
  impl_->work.emplace(impl_->timers.get_executor());
  impl_->thread = std::thread{[ioc = &impl_->timers] { ioc->run(); }};
}

engineio_server::~engineio_server() {
  stop();
}

namespace {

/// CORS: requests without Origin (or from the server's own origin) are
/// served as they are; others need an allowed origin.
verdict check_origin(const engineio_config& cfg, const http_request& req) {
  verdict v;
  auto origin = req.headers.find("Origin");
  if (!origin || same_origin(*origin, req.headers.get("Host")))
    return v;
  const auto& allowed = cfg.cors_origins;
  bool listed = std::find(allowed.begin(), allowed.end(), *origin) != allowed.end();
  bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  if (!listed && !any) {
    v.refusal = detail::eio_error_response(eio_error::forbidden, 403);
    return v;
  }
  if (listed) {
    v.cors.add("Access-Control-Allow-Origin", std::string{*origin});
    v.cors.add("Access-Control-Allow-Credentials", "true");
  } else {
    v.cors.add("Access-Control-Allow-Origin", "*");
  }
  v.cors.add("Vary", "Origin");
  return v;
}

/// EIO and transport, as Node checks them: the transport first.
std::optional<eio_error> check_query(std::string_view query, bool websocket) {
  auto transport = query_param(query, "transport");
  if (!transport || (*transport != "polling" && *transport != "websocket"))
    return eio_error::unknown_transport;
  if (query_param(query, "EIO") != std::optional<std::string_view>{"4"})
    return eio_error::bad_version;
  if ((*transport == "websocket") != websocket)
    return eio_error::bad_request;
  return std::nullopt;
}

} // namespace

/// An HTTP strand.
void engineio_server::on_request(http_request req, responder res) {
  auto v = check_origin(impl_->cfg, req);
  if (v.refusal)
    return res.respond(std::move(*v.refusal));
  eio_reply reply{std::move(res), std::move(v.cors)};
  if (req.method == "OPTIONS") {
    auto r = plain(204);
    r.headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    if (auto asked = req.headers.find("Access-Control-Request-Headers"))
      r.headers.set("Access-Control-Allow-Headers", std::string{*asked});
    r.headers.set("Access-Control-Max-Age", "86400");
    return reply.send(std::move(r));
  }
  if (auto bad = check_query(req.query, false))
    return reply.error(*bad);
  if (auto sid = query_param(req.query, "sid")) {
    auto s = impl_->find(std::string{*sid});
    if (!s)
      return reply.error(eio_error::unknown_sid);
    if (req.method == "GET")
      return s->on_poll(std::move(reply));
    if (req.method == "POST")
      return s->on_post(std::move(req.body), std::move(reply));
    return reply.error(eio_error::bad_request);
  }
  if (req.method != "GET")
    return reply.error(eio_error::bad_method);
  auto s = std::make_shared<eio_session>(impl_, eio::new_sid());
  switch (impl_->admit(s)) {
  case impl::admission::ok:
    return s->open_polling(req, std::move(reply));
  case impl::admission::full:
    spdlog::warn("engineio refuses a session: {} open", impl_->cfg.max_sessions);
    [[fallthrough]];
  case impl::admission::stopped:
    return reply.send(plain(503));
  }
}

/// A WebSocket strand.
upgrade_answer engineio_server::upgrade(const http_request& req,
                                        std::shared_ptr<outbound> out) {
  upgrade_answer a;
  auto refuse = [&a](eio_error e, unsigned status = 400) {
    a.status = status;
    a.body = detail::eio_error_body(e);
    a.content_type = "application/json";
    return a;
  };
  if (auto bad = check_query(req.query, true))
    return refuse(*bad);
  a.own_heartbeat = true;
  a.max_message_bytes = impl_->cfg.max_payload;
  if (auto sid = query_param(req.query, "sid")) {
    auto s = impl_->find(std::string{*sid});
    if (!s)
      return refuse(eio_error::unknown_sid);
    a.handler = s->start_probe(std::move(out));
    if (!a.handler) {
      // Upgraded already, or probing: one WebSocket per session. Node
      // accepts this one and closes it at once, and the protocol suite
      // expects that (a refused upgrade is an error event its client
      // does not listen for).
      a.handler = std::make_shared<idle_inbound>();
      a.close_at_once = close_code::normal;
      a.close_reason = "one WebSocket per session";
    }
    return a;
  }
  auto s = std::make_shared<eio_session>(impl_, eio::new_sid());
  switch (impl_->admit(s)) {
  case impl::admission::ok:
    a.handler = s->open_websocket(req, std::move(out));
    return a.handler ? a : refuse(eio_error::bad_request, 503);
  case impl::admission::full:
    spdlog::warn("engineio refuses a session: {} open", impl_->cfg.max_sessions);
    [[fallthrough]];
  case impl::admission::stopped:
    break;
  }
  a.status = 503;
  return a;
}

void engineio_server::stop() {
  std::unordered_map<std::string, std::shared_ptr<eio_session>> open;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    if (impl_->stopped)
      return;
    impl_->stopped = true;
    open.swap(impl_->sessions);
  }
  // No close packet: the clients see their transport drop. A held poll
  // ends with a noop, so that its next request learns the session is gone.
  for (auto& [sid, s] : open)
    s->end("6", close_code::going_away, "server shutting down");
  open.clear();
  impl_->work.reset();
  impl_->timers.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
  // What the timer thread did not get to (the on_closed() calls above
  // among it) runs here: every inbound has its on_closed() when stop()
  // returns. Timers and flushes find their sessions closed.
  impl_->timers.restart();
  impl_->timers.poll();
}

std::size_t engineio_server::sessions() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->sessions.size();
}

} // namespace proctord::net
