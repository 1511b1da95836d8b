#include "protocol/socketio/messages.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/socketio/packet.hpp"

namespace proctord::protocol::socketio {

namespace {

std::shared_ptr<const std::string> share(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

std::vector<std::shared_ptr<const std::string>>
share_all(const std::vector<std::string>& parts) {
  std::vector<std::shared_ptr<const std::string>> out;
  out.reserve(parts.size());
  for (auto& p : parts)
    out.push_back(share(p));
  return out;
}

struct encoder {
  std::string_view nsp;

  frames operator()(const out::connected& c) const {
    return {share(connect_packet(nsp, c.sid, c.pid)), {}};
  }

  frames operator()(const out::refused& r) const {
    return {share(connect_error_packet(nsp, r.message, r.data)), {}};
  }

  frames operator()(const out::emit& e) const {
    if (!e.offset.empty()) {
      std::string args = e.args;
      if (!args.empty())
        args.push_back(',');
      detail::append_json_string(args, e.offset);
      if (e.attachments.empty())
        return {share(event_packet(nsp, e.name, args, e.ack)), {}};
      out::emit with_offset = e;
      with_offset.args = std::move(args);
      with_offset.offset.clear();
      return (*this)(with_offset);
    }
    if (e.attachments.empty())
      return {share(event_packet(nsp, e.name, e.args, e.ack)), {}};
    packet p;
    p.type = packet_type::binary_event;
    p.nsp = std::string{nsp};
    p.id = e.ack;
    p.attachments = e.attachments.size();
    p.data = "[";
    detail::append_json_string(p.data, e.name);
    if (!e.args.empty())
      p.data.append(",").append(e.args);
    p.data += ']';
    return {share(encode(p)), share_all(e.attachments)};
  }

  frames operator()(const out::ack& a) const {
    if (a.attachments.empty())
      return {share(ack_packet(nsp, a.id, a.args)), {}};
    packet p;
    p.type = packet_type::binary_ack;
    p.nsp = std::string{nsp};
    p.id = a.id;
    p.attachments = a.attachments.size();
    p.data = "[" + a.args + "]";
    return {share(encode(p)), share_all(a.attachments)};
  }

  frames operator()(const out::disconnect&) const {
    return {share(disconnect_packet(nsp)), {}};
  }

  frames operator()(const study::event& e) const {
    auto w = study::encode(e);
    return {share(event_packet(nsp, w.name, w.args)), {}};
  }
};

} // namespace

frames encode(std::string_view nsp, const outgoing& o) {
  return std::visit(encoder{nsp}, o);
}

} // namespace proctord::protocol::socketio
