#include "actors/core/relay.hpp"

#include "protocol/native_codec.hpp"

namespace proctord {

void socket_registry::add(std::uint64_t id,
                          const std::shared_ptr<net::outbound>& out,
                          dialect d) {
  std::lock_guard<std::mutex> guard{mtx_};
  sockets_[id] = entry{out, d};
}

void socket_registry::remove(std::uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  sockets_.erase(id);
}

std::size_t socket_registry::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sockets_.size();
}

void socket_registry::find(const std::vector<recipient>& to,
                           std::vector<target>& found) const {
  found.clear();
  found.reserve(to.size());
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& r : to) {
    auto i = sockets_.find(r.conn_id);
    if (i == sockets_.end())
      continue;
    if (auto out = i->second.out.lock())
      found.push_back(target{std::move(out), i->second.d});
  }
}

relay_actor::behavior_type
relay(relay_actor::stateful_pointer<relay_state> self,
      std::shared_ptr<socket_registry> sockets) {
  self->state.sockets = std::move(sockets);
  return {
    [=](envelope& e) {
      auto& st = self->state;
      st.sockets->find(e.to, st.found);
      if (st.found.empty())
        return;
      // One dialect today; each new dialect encodes here once, lazily, for
      // the recipients that speak it.
      protocol::frame native;
      for (auto& t : st.found) {
        switch (t.d) {
          case dialect::native:
            if (!native)
              native = protocol::native::encode_shared(
                e.event, static_cast<std::uint64_t>(e.seq));
            t.out->send(native);
            break;
        }
      }
      st.found.clear();
    },
    [=](close_order& c) {
      auto& st = self->state;
      st.sockets->find({c.to}, st.found);
      for (auto& t : st.found)
        t.out->close(net::close_code{c.code}, c.reason);
      st.found.clear();
    },
  };
}

} // namespace proctord
