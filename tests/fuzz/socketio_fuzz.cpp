// libFuzzer target for protocol/socketio/packet: decode(), split_event()
// and array_elements() never crash, never throw, and agree with the
// encoders. Built and run by tests/fuzz/run.sh (clang, not the main g++
// build).

#include "protocol/json_limits.hpp"
#include "protocol/socketio/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sio = proctord::protocol::socketio;
using json = nlohmann::json;

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

/// The packet that `encoded` (a whole Engine.IO message) decodes to; traps
/// when it does not decode.
sio::packet redecode(const std::string& encoded, const sio::limits& lim) {
  check(!encoded.empty() && encoded[0] == '4');
  auto result = sio::decode(std::string_view{encoded}.substr(1), lim);
  check(std::holds_alternative<sio::packet>(result));
  return std::get<sio::packet>(std::move(result));
}

bool is_binary(sio::packet_type t) {
  return t == sio::packet_type::binary_event || t == sio::packet_type::binary_ack;
}

/// What decode() accepted: encode() gives it back, and rebuilding it from
/// split_event / array_elements keeps its meaning.
void check_packet(const sio::packet& p, const sio::limits& lim) {
  auto again = redecode(sio::encode(p), lim);
  check(again.type == p.type && again.nsp == p.nsp && again.id == p.id &&
        again.attachments == p.attachments && again.data == p.data &&
        again.json == p.json);
  check(is_binary(p.type) || p.attachments == 0);
  check(!p.nsp.empty() && p.nsp[0] == '/' && p.nsp.size() <= lim.max_nsp);

  if (p.type == sio::packet_type::event && p.json[0].is_string()) {
    auto parts = sio::split_event(p.data);
    check(parts.has_value() && parts->name == p.json[0].get<std::string>());
    auto rebuilt = redecode(sio::event_packet(p.nsp, parts->name, parts->args, p.id),
                            lim);
    check(rebuilt.type == p.type && rebuilt.nsp == p.nsp && rebuilt.id == p.id &&
          rebuilt.json == p.json);
  }
  if (p.type == sio::packet_type::ack) {
    auto elements = sio::array_elements(p.data);
    check(elements.has_value() && p.id.has_value());
    auto rebuilt = redecode(sio::ack_packet(p.nsp, *p.id, *elements), lim);
    check(rebuilt.type == p.type && rebuilt.nsp == p.nsp && rebuilt.id == p.id &&
          rebuilt.json == p.json);
  }
}

/// A view's bytes lie inside `outer`.
bool within(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() &&
         inner.data() + inner.size() <= outer.data() + outer.size();
}

/// split_event / array_elements on arbitrary text: views into the input,
/// and the parts mean the same array as the whole.
void check_views(std::string_view input) {
  // Only inputs shallow enough to build as trees (nlohmann destroys them
  // recursively); the functions themselves are exercised on everything.
  bool shallow = proctord::protocol::json_depth(input, 64) <= 64;
  auto elements = sio::array_elements(input);
  if (elements) {
    check(within(*elements, input));
    if (shallow) {
      auto whole = json::parse(input.begin(), input.end(), nullptr, false);
      auto rebuilt = json::parse("[" + std::string{*elements} + "]", nullptr, false);
      check(whole.is_array() && rebuilt == whole);
    }
  }
  if (auto parts = sio::split_event(input)) {
    check(elements.has_value());
    check(parts->args.empty() || within(parts->args, input));
    if (shallow) {
      auto whole = json::parse(input.begin(), input.end(), nullptr, false);
      auto text = sio::event_packet("/", parts->name, parts->args).substr(2);
      auto rebuilt = json::parse(text, nullptr, false);
      check(whole.is_array() && !whole.empty() && whole[0].is_string() &&
            rebuilt == whole);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(bytes), size};
  sio::limits lim;
  lim.max_depth = 8;
  lim.max_nsp = 16;
  auto result = sio::decode(input, lim);
  if (auto* p = std::get_if<sio::packet>(&result))
    check_packet(*p, lim);
  else
    check(!std::get<sio::decode_error>(result).message.empty());
  check_views(input);
  return 0;
}
