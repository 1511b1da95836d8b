#include "actors/doors/socketio_door.hpp"

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

namespace proctord {

namespace {

namespace sio = protocol::socketio;

/// The `token` query parameter (not percent-decoded: a JWT needs none).
std::string token_param(std::string_view query) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    if (part.substr(0, 6) == "token=")
      return std::string{part.substr(6)};
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

/// One Engine.IO connection's Socket.IO side. The transport calls it one
/// call at a time.
class sio_link : public net::inbound {
public:
  sio_link(std::shared_ptr<const socketio_door_config> cfg,
           std::shared_ptr<net::outbound> out,
           std::shared_ptr<socket_registry> sockets, std::uint64_t id,
           sio_connection_actor conn)
    : cfg_(std::move(cfg)),
      out_(std::move(out)),
      sockets_(std::move(sockets)),
      id_(id),
      conn_(std::move(conn)) {
  }

  void on_text(std::string frame) override {
    if (closing_)
      return;
    if (waiting_ > 0)
      return fail("a text packet while attachments were due");
    auto decoded = sio::decode(frame, cfg_->limits);
    if (auto* err = std::get_if<sio::decode_error>(&decoded))
      return fail(err->message);
    auto& p = std::get<sio::packet>(decoded);
    switch (p.type) {
      case sio::packet_type::connect:
        if (auto ch = channel_for(p.nsp, true))
          caf::anon_send(conn_, *ch, sio_connect{p.nsp, std::move(p.data)});
        return;
      case sio::packet_type::disconnect:
        if (auto ch = channel_for(p.nsp, false))
          caf::anon_send(conn_, *ch, leave_atom::value);
        return;
      case sio::packet_type::event:
      case sio::packet_type::ack:
        return dispatch(std::move(p), {});
      case sio::packet_type::binary_event:
      case sio::packet_type::binary_ack:
        if (p.attachments == 0)
          return dispatch(std::move(p), {});
        waiting_ = p.attachments;
        pending_ = std::move(p);
        return;
      case sio::packet_type::connect_error:
        return fail("CONNECT_ERROR from a client");
    }
  }

  bool on_binary(std::string frame) override {
    if (closing_)
      return true;
    if (waiting_ == 0) {
      fail("an attachment nobody announced");
      return true;
    }
    attachments_.push_back(std::move(frame));
    if (--waiting_ == 0) {
      auto atts = std::move(attachments_);
      attachments_.clear();
      dispatch(std::move(pending_), std::move(atts));
    }
    return true;
  }

  void on_closed() override {
    sockets_->remove(id_);
    caf::anon_send(conn_, closed_atom::value);
  }

private:
  void dispatch(sio::packet p, std::vector<std::string> atts) {
    auto ch = channel_for(p.nsp, false);
    if (!ch)
      return; // a namespace never connected: dropped, as Node does
    if (p.type == sio::packet_type::event || p.type == sio::packet_type::binary_event) {
      auto parts = sio::split_event(p.data);
      if (!parts)
        return; // a numeric event name: no domain has one
      sio::raw_event e{std::move(parts->name), std::string{parts->args},
                       std::move(atts), p.id};
      if (!cfg_->decode_event) {
        caf::anon_send(conn_, *ch, sio::command{std::move(e)});
        return;
      }
      if (auto cmd = cfg_->decode_event(p.nsp, e))
        caf::anon_send(conn_, *ch, std::move(*cmd));
      return;
    }
    auto args = sio::array_elements(p.data);
    caf::anon_send(conn_, *ch,
                   sio::command{sio::raw_ack{p.id.value_or(0),
                                             std::string{args.value_or("")},
                                             std::move(atts)}});
  }

  /// The channel of a namespace; `assign` gives a new namespace the next
  /// channel (a connection naming too many is closed).
  std::optional<channel_id> channel_for(const std::string& nsp, bool assign) {
    auto i = channels_.find(nsp);
    if (i != channels_.end())
      return i->second;
    if (!assign)
      return std::nullopt;
    if (channels_.size() >= cfg_->max_namespaces) {
      fail("too many namespaces");
      return std::nullopt;
    }
    auto ch = static_cast<channel_id>(channels_.size());
    channels_.emplace(nsp, ch);
    return ch;
  }

  void fail(const std::string& why) {
    spdlog::debug("sio door closes connection {}: {}", id_, why);
    closing_ = true;
    out_->close(net::close_code::policy_violation, "malformed packet");
  }

  std::shared_ptr<const socketio_door_config> cfg_;
  std::shared_ptr<net::outbound> out_;
  std::shared_ptr<socket_registry> sockets_;
  std::uint64_t id_;
  sio_connection_actor conn_;
  std::unordered_map<std::string, channel_id> channels_;
  std::size_t waiting_ = 0;
  sio::packet pending_;
  std::vector<std::string> attachments_;
  bool closing_ = false;
};

} // namespace

socketio_gateway::socketio_gateway(caf::actor_system& sys, relay_actor relay,
                                   std::shared_ptr<socket_registry> sockets,
                                   socketio_door_config cfg)
  : sys_(sys),
    relay_(std::move(relay)),
    sockets_(std::move(sockets)),
    cfg_(std::make_shared<const socketio_door_config>(std::move(cfg))) {
}

std::shared_ptr<net::inbound>
socketio_gateway::open(const net::http_request& handshake,
                       std::shared_ptr<net::outbound> out) {
  auto id = sockets_->next_id();
  sockets_->add(id, out, dialect::socketio);
  auto conn = sys_.spawn(sio_connection, relay_, id, cfg_->connection,
                         net::client_address(handshake, cfg_->trusted_proxies),
                         token_param(handshake.query));
  return std::make_shared<sio_link>(cfg_, std::move(out), sockets_, id,
                                    std::move(conn));
}

} // namespace proctord
