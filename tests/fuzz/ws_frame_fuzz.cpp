// libFuzzer target for net/ws_frame: the parser never crashes, keeps its
// contract however the bytes are split (the same answers whole and in
// chunks), and what the encoder writes, once masked as a client would, parses
// back to the same message. Built and run by tests/fuzz/run.sh.
//
// Input: byte 0 says how many of the next bytes are chunk sizes (0-15);
// those sizes are used in turn to cut the rest, the stream, into chunks.

#include "net/ws_frame.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ws = proctord::net::ws;
using kind = ws::parsed::kind;

namespace {

constexpr std::size_t max_message = 64 * 1024;

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

struct answer {
  kind what;
  std::string payload;
  std::uint16_t code;
  bool operator==(const answer& o) const {
    return what == o.what && payload == o.payload && code == o.code;
  }
};

/// One chunk fed as a session would, with every answer checked.
void feed(ws::frame_parser& p, std::string_view chunk, std::vector<answer>& out) {
  for (;;) {
    bool was_done = p.done();
    auto r = p.next(chunk);
    check(r.consumed <= chunk.size());
    chunk.remove_prefix(r.consumed);
    if (was_done)
      check(r.what == kind::need_more && chunk.empty());
    switch (r.what) {
    case kind::need_more:
      check(chunk.empty());
      return;
    case kind::text:
      check(ws::valid_utf8(r.payload));
      [[fallthrough]];
    case kind::binary:
      check(r.payload.size() <= max_message);
      check(!p.done() && !p.mid_message());
      break;
    case kind::ping:
    case kind::pong:
      check(r.payload.size() <= 125 && !p.done());
      break;
    case kind::close:
      check(r.payload.size() <= 123 && ws::valid_utf8(r.payload));
      check(r.code == 1005 ? r.payload.empty() : ws::valid_close_code(r.code));
      check(p.done());
      break;
    case kind::fail:
      check(r.code == 1002 || r.code == 1007 || r.code == 1009);
      check(!r.why.empty() && p.done());
      break;
    }
    out.push_back({r.what, std::move(r.payload), r.code});
    if (p.done())
      return; // the rest of the chunk is dropped by the next call
  }
}

/// A server frame made a client's: the mask bit set, `key` inserted after
/// the length, the payload masked.
std::string mask(const std::string& frame, const std::uint8_t (&key)[4]) {
  std::size_t len7 = static_cast<std::uint8_t>(frame[1]) & 0x7F;
  std::size_t header = len7 == 127 ? 10 : len7 == 126 ? 4 : 2;
  std::string out = frame.substr(0, header);
  out[1] = static_cast<char>(out[1] | 0x80);
  out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = header; i < frame.size(); ++i)
    out.push_back(static_cast<char>(frame[i] ^ key[(i - header) % 4]));
  return out;
}

void round_trip(std::string_view input) {
  if (input.size() < 5)
    return;
  std::uint8_t key[4] = {static_cast<std::uint8_t>(input[0]),
                         static_cast<std::uint8_t>(input[1]),
                         static_cast<std::uint8_t>(input[2]),
                         static_cast<std::uint8_t>(input[3])};
  auto choice = static_cast<std::uint8_t>(input[4]) % 4;
  std::string_view payload = input.substr(5, max_message);
  ws::opcode op = ws::opcode::binary;
  kind want = kind::binary;
  if (choice == 1 && ws::valid_utf8(payload)) {
    op = ws::opcode::text;
    want = kind::text;
  } else if (choice == 2 && payload.size() <= 125) {
    op = ws::opcode::ping;
    want = kind::ping;
  } else if (choice == 3 && payload.size() <= 125) {
    op = ws::opcode::pong;
    want = kind::pong;
  }
  auto wire = mask(ws::encode_frame(op, payload), key);
  ws::frame_parser p{max_message};
  auto r = p.next(wire);
  check(r.what == want && r.payload == payload && r.consumed == wire.size());
  check(!p.mid_message() && !p.done());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(bytes), size};
  round_trip(input);
  if (input.empty())
    return 0;

  std::size_t count = static_cast<std::uint8_t>(input[0]) % 16;
  if (input.size() < 1 + count)
    return 0;
  std::string_view sizes = input.substr(1, count);
  std::string_view stream = input.substr(1 + count);

  std::vector<answer> whole;
  {
    ws::frame_parser p{max_message};
    feed(p, stream, whole);
    std::vector<answer> more; // after a close or fail: dropped; else parsed on
    feed(p, stream, more);
  }

  std::vector<answer> chunked;
  ws::frame_parser p{max_message};
  std::string_view rest = stream;
  for (std::size_t i = 0; !rest.empty(); ++i) {
    // No sizes: one byte at a time; a size of 0 feeds an empty chunk.
    std::size_t n = count == 0 ? 1 : static_cast<std::uint8_t>(sizes[i % count]);
    n = n < rest.size() ? n : rest.size();
    feed(p, rest.substr(0, n), chunked);
    rest.remove_prefix(n);
    if (count > 0 && i > 4 * stream.size() + 16)
      break; // all sizes 0: no progress, stop
  }
  if (rest.empty())
    check(chunked == whole); // the answers do not depend on the split
  return 0;
}
