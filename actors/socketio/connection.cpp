#include "actors/socketio/connection.hpp"

#include "protocol/socketio/engineio.hpp"

#include <spdlog/spdlog.h>

namespace proctord {

namespace {

using self_ptr = sio_connection_actor::stateful_pointer<sio_connection_state>;

sio_from from(self_ptr self, channel_id ch, const std::string& nsp) {
  return sio_from{recipient{self->state.conn_id, ch}, nsp};
}

void refuse(self_ptr self, channel_id ch, const std::string& nsp,
            std::string message) {
  self->send(self->state.relay,
             sio_envelope{nsp, {recipient{self->state.conn_id, ch}},
                          protocol::socketio::out::refused{std::move(message), {}}});
}

} // namespace

sio_connection_actor::behavior_type
sio_connection(self_ptr self, relay_actor relay, std::uint64_t conn_id,
               std::shared_ptr<const sio_connection_config> cfg,
               std::string address, std::string token) {
  auto& st = self->state;
  st.relay = std::move(relay);
  st.conn_id = conn_id;
  st.cfg = std::move(cfg);
  st.address = std::move(address);
  st.token = std::move(token);
  self->delayed_send(self, st.cfg->connect_timeout, connect_timeout_atom::value);
  return {
    [=](channel_id ch, sio_connect& c) {
      auto& st = self->state;
      if (st.channels.count(ch) != 0)
        return; // already connected (or connecting) there: nothing changes
      auto domain = st.cfg->namespaces.find(c.nsp);
      if (!domain) {
        refuse(self, ch, c.nsp, "Invalid namespace");
        return;
      }
      st.channels.emplace(ch, sio_channel{sio_channel::phase::joining, c.nsp, *domain});
      self->send(*domain, sio_join{from(self, ch, c.nsp),
                                   protocol::engineio::new_sid(),
                                   std::move(c.auth), st.address, st.token,
                                   sio_connection_actor{self}, st.relay});
    },
    [=](channel_id ch, protocol::socketio::command& cmd) {
      // Also while joining: the domain sees the join first (one sender,
      // one order) and ignores sockets it did not admit.
      auto i = self->state.channels.find(ch);
      if (i == self->state.channels.end())
        return;
      self->send(i->second.domain, from(self, ch, i->second.nsp), std::move(cmd));
    },
    [=](channel_id ch, leave_atom) {
      auto i = self->state.channels.find(ch);
      if (i == self->state.channels.end())
        return;
      self->send(i->second.domain, from(self, ch, i->second.nsp), leave_atom::value);
      self->state.channels.erase(i);
    },
    [=](sio_seated& s) {
      auto i = self->state.channels.find(s.channel);
      if (i == self->state.channels.end())
        return;
      if (!s.seated) {
        self->state.channels.erase(i);
        return;
      }
      i->second.at = sio_channel::phase::seated;
      self->state.ever_seated = true;
    },
    [=](closed_atom) {
      for (auto& [ch, c] : self->state.channels)
        self->send(c.domain, from(self, ch, c.nsp), leave_atom::value);
      self->state.channels.clear();
      self->quit();
    },
    [=](connect_timeout_atom) {
      auto& st = self->state;
      if (st.ever_seated)
        return;
      spdlog::debug("sio connection {} joined no namespace in time", st.conn_id);
      self->send(st.relay, close_order{recipient{st.conn_id, 0}, 1000,
                                       "connect timeout"});
    },
  };
}

} // namespace proctord
