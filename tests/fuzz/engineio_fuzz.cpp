// libFuzzer target for protocol/socketio/engineio: the decoders never crash
// and what they accept survives a round trip through the encoders.
// Built and run by tests/fuzz/run.sh (clang, not the main g++ build).

#include "protocol/socketio/engineio.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace eio = proctord::protocol::engineio;

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

/// A decoded packet written back as text (for a payload).
std::string text_of(const eio::packet& p) {
  return std::string(1, static_cast<char>(p.type)) + p.data;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(bytes), size};

  if (auto p = eio::decode_text(input)) {
    check(!p->binary && text_of(*p) == input);
    check(eio::decode_text(text_of(*p)) == p);
  }

  if (auto packets = eio::decode_payload(input, 64)) {
    check(!packets->empty() && packets->size() <= 64);
    std::string body;
    for (const auto& p : *packets) {
      if (p.binary) {
        check(p.type == eio::packet_type::message);
        eio::append_binary(body, p.data);
      } else {
        eio::append_text(body, text_of(p));
      }
    }
    // Canonical base64 and no empty packets: the body comes back unchanged.
    check(body == input);
    check(eio::decode_payload(body, 64) == packets);
  }

  // Only canonical base64 decodes, so encoding gives the text back; and
  // every byte string survives encode -> decode.
  if (auto decoded = eio::base64_decode(input))
    check(eio::base64_encode(*decoded) == input);
  check(eio::base64_decode(eio::base64_encode(input)) == std::string{input});
  return 0;
}
