#pragma once
// What the Socket.IO actor tests share: a socket that records the Socket.IO
// packets the relay writes to it, as text.

#include "fixture.hpp"

#include <string>
#include <vector>

namespace proctord::test {

/// A Socket.IO socket as the relay sees it: every packet as text.
struct sio_inbox {
  std::vector<std::string> packets;
  int closed = 0;

  /// The events named `name` (their first argument; null when none).
  std::vector<json> events(const std::string& name) const {
    std::vector<json> out;
    for (auto& p : packets) {
      if (p.rfind("42", 0) != 0)
        continue;
      auto arr = json::parse(p.substr(p.find('[')), nullptr, false);
      if (arr.is_array() && arr[0] == name)
        out.push_back(arr.size() > 1 ? arr[1] : json{});
    }
    return out;
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (auto& e : events("error"))
      out.push_back(e.value("code", "?"));
    return out;
  }
  bool disconnected() const {
    for (auto& p : packets)
      if (p.rfind("41", 0) == 0)
        return true;
    return false;
  }
};

class sio_outbound : public net::outbound {
public:
  explicit sio_outbound(std::shared_ptr<sio_inbox> in) : in_(std::move(in)) {}
  void send(net::shared_frame f) override { in_->packets.push_back(*f); }
  void send_binary(net::shared_frame f) override { in_->packets.push_back(*f); }
  void close(net::close_code code, std::string) override { in_->closed = code.value; }

private:
  std::shared_ptr<sio_inbox> in_;
};

} // namespace proctord::test
