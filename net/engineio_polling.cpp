// HTTP long-polling: a GET takes what waits for the client (or is held
// until something does), a POST brings the client's packets. One of each
// at a time: a second one closes the session.

#include "net/engineio_detail.hpp"

#include <spdlog/spdlog.h>

namespace proctord::net::detail {

namespace eio = protocol::engineio;

void eio_reply::payload(std::string body) const {
  http_response r;
  r.status = 200;
  r.headers.set("Content-Type", "text/plain; charset=UTF-8");
  r.body = std::move(body);
  send(std::move(r));
}

namespace {

void answer_ok(const eio_reply& res) {
  http_response r;
  r.status = 200;
  r.headers.set("Content-Type", "text/html");
  r.body = "ok";
  res.send(std::move(r));
}

} // namespace

/// An HTTP strand.
void eio_session::on_poll(eio_reply res) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (closed_)
    return res.error(eio_error::unknown_sid);
  if (websocket_)
    return res.error(eio_error::bad_request); // upgraded: polling is over
  // A held poll whose client went away does not count.
  if (held_ && !held_->res.pending())
    held_.reset();
  if (held_) {
    guard.unlock();
    end("1", close_code::policy_violation, "duplicate poll");
    return res.error(eio_error::bad_request);
  }
  if (!pending_.empty()) {
    bool last = closing_;
    auto body = take_payload_locked();
    guard.unlock();
    res.payload(std::move(body));
    if (last)
      end("", close_code::normal, "closed by the application");
    return;
  }
  if (probed_) {
    // The client is upgrading: end this poll cleanly.
    guard.unlock();
    return res.payload("6");
  }
  held_ = std::move(res);
}

/// An HTTP strand.
void eio_session::on_post(std::string body, eio_reply res) {
  if (body.size() > srv_->cfg.max_payload) {
    end("1", close_code::too_big, "payload too large");
    http_response r;
    r.status = 413;
    return res.send(std::move(r));
  }
  {
    std::unique_lock<std::mutex> guard{mtx_};
    if (closed_)
      return res.error(eio_error::unknown_sid);
    if (websocket_)
      return res.error(eio_error::bad_request);
    if (posting_) {
      guard.unlock();
      end("1", close_code::policy_violation, "duplicate post");
      return res.error(eio_error::bad_request);
    }
    posting_ = true;
  }
  auto packets = eio::decode_payload(body);
  bool client_close = false;
  const char* bad = packets ? nullptr : "malformed payload";
  {
    std::lock_guard<std::mutex> guard{mtx_};
    ++batching_; // one answer for all that the application sends meanwhile
  }
  for (std::size_t i = 0; packets && i < packets->size(); ++i) {
    if (bad || client_close || closed_)
      break;
    auto& p = (*packets)[i];
    switch (p.type) {
    case eio::packet_type::message:
      if (!p.binary)
        deliver_text(std::move(p.data));
      else if (!deliver_binary(std::move(p.data)))
        bad = "binary message refused";
      break;
    case eio::packet_type::pong:
      on_pong();
      break;
    case eio::packet_type::close:
      client_close = true;
      break;
    case eio::packet_type::ping:
      bad = "ping from the client";
      break;
    default: // open, upgrade, noop: nothing to do
      break;
    }
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    --batching_;
    posting_ = false;
  }
  if (bad) {
    end("1", close_code::policy_violation, bad);
    return res.error(eio_error::bad_request);
  }
  if (client_close)
    end("6", close_code::normal, "closed by the client");
  else
    flush();
  answer_ok(res);
}

/// Any thread without the lock.
void eio_session::flush() {
  std::unique_lock<std::mutex> guard{mtx_};
  flush_posted_ = false;
  if (closed_ || !held_ || pending_.empty() || batching_ > 0)
    return;
  if (!held_->res.pending()) {
    held_.reset(); // the client went away; what waits, waits for the next
    return;
  }
  bool last = closing_;
  auto res = std::move(*held_);
  held_.reset();
  auto body = take_payload_locked();
  guard.unlock();
  res.payload(std::move(body));
  if (last)
    end("", close_code::normal, "closed by the application");
}

std::string eio_session::take_payload_locked() {
  std::size_t size = 0;
  for (const auto& e : pending_)
    size += 1 + (e.binary ? 1 + (e.bytes->size() + 2) / 3 * 4 : e.bytes->size());
  std::string body;
  body.reserve(size);
  for (const auto& e : pending_) {
    if (e.binary)
      eio::append_binary(body, *e.bytes);
    else
      eio::append_text(body, *e.bytes);
  }
  pending_.clear();
  pending_bytes_ = 0;
  return body;
}

} // namespace proctord::net::detail
