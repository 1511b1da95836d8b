#include "tools/sio-conformance/echo.hpp"

#include "protocol/socketio/engineio.hpp"

namespace proctord::conformance {

namespace {

namespace sio = protocol::socketio;

class echo_inbound : public net::inbound {
public:
  explicit echo_inbound(std::shared_ptr<net::outbound> out) : out_(std::move(out)) {
  }
  void on_text(std::string frame) override {
    out_->send(std::make_shared<const std::string>(
      protocol::engineio::message_packet(frame)));
  }
  bool on_binary(std::string frame) override {
    out_->send_binary(std::make_shared<const std::string>(std::move(frame)));
    return true;
  }
  void on_closed() override {
  }

private:
  std::shared_ptr<net::outbound> out_;
};

using self_ptr = sio_domain_actor::stateful_pointer<echo_state>;

void to(self_ptr self, const sio_from& f, sio::outgoing o) {
  self->send(self->state.relay, sio_envelope{f.nsp, {f.at}, std::move(o)});
}

struct on_command {
  self_ptr self;
  const sio_from& from;

  void operator()(sio::raw_event& e) const {
    if (e.name == "message") {
      to(self, from, sio::out::emit{"message-back", std::move(e.args),
                                    std::move(e.attachments), std::nullopt, {}});
    } else if (e.name == "message-with-ack" && e.ack) {
      to(self, from, sio::out::ack{*e.ack, std::move(e.args), std::move(e.attachments)});
    } else if (e.name == "ask") {
      to(self, from, sio::out::emit{"question", std::move(e.args),
                                    std::move(e.attachments),
                                    self->state.next_ack++, {}});
    }
  }

  // The echo namespaces decode nothing: no typed command reaches here.
  void operator()(protocol::study::command&) const {}
  void operator()(protocol::session::command&) const {}
  void operator()(protocol::exam::command&) const {}

  void operator()(sio::raw_ack& a) const {
    to(self, from, sio::out::emit{"answered", std::move(a.args),
                                  std::move(a.attachments), std::nullopt, {}});
  }
};

} // namespace

std::shared_ptr<net::inbound>
engineio_echo::open(const net::http_request&, std::shared_ptr<net::outbound> out) {
  return std::make_shared<echo_inbound>(std::move(out));
}

sio_domain_actor::behavior_type echo_domain(self_ptr self, relay_actor relay) {
  self->state.relay = std::move(relay);
  return {
    [=](sio_join& j) {
      to(self, j.from, sio::out::connected{j.sid, {}});
      to(self, j.from, sio::out::emit{"auth", j.auth.empty() ? "{}" : j.auth,
                                      {}, std::nullopt, {}});
      self->send(j.conn, sio_seated{j.from.at.channel, true});
    },
    [=](sio_from& f, sio::command& c) {
      // "/custom" only greets (emits `auth`), as the reference server does.
      if (f.nsp == "/")
        std::visit(on_command{self, f}, c);
    },
    [=](sio_from&, leave_atom) {},
  };
}

} // namespace proctord::conformance
