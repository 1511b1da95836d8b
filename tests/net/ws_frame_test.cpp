// RFC 6455 framing (net/ws_frame): what the server accepts from a client,
// what it refuses and with which close code, however the bytes are split.
// Client frames are built here by a small masking helper; the RFC's own
// examples (section 5.7) pin the helper and the codec to the standard.

#include "net/ws_frame.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace ws = proctord::net::ws;
using kind = ws::parsed::kind;

namespace {

using key = std::array<std::uint8_t, 4>;
constexpr key rfc_key{0x37, 0xfa, 0x21, 0x3d}; // RFC 6455 5.7's mask

constexpr std::uint8_t fin = 0x80;
constexpr std::uint8_t op_cont = 0x0, op_text = 0x1, op_bin = 0x2, op_close = 0x8,
                       op_ping = 0x9, op_pong = 0xA;

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list)
    s.push_back(static_cast<char>(b));
  return s;
}

/// How the helper writes the payload length: the shortest form, or a longer
/// one on purpose (non-minimal encodings must be refused).
enum class length_form { minimal, bits16, bits64 };

/// A client frame: first byte `b0` (FIN, RSV, opcode), the payload masked
/// with `k` (or not, when `masked` is false).
std::string client_frame(std::uint8_t b0, std::string_view payload, key k = rfc_key,
                         length_form form = length_form::minimal, bool masked = true) {
  std::string f(1, static_cast<char>(b0));
  std::uint8_t mask_bit = masked ? 0x80 : 0x00;
  std::uint64_t n = payload.size();
  if (form == length_form::minimal)
    form = n < 126 ? form : n <= 0xFFFF ? length_form::bits16 : length_form::bits64;
  if (form == length_form::minimal) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (form == length_form::bits16) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f += bytes({int(n >> 8 & 0xFF), int(n & 0xFF)});
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i)
      f.push_back(static_cast<char>(n >> (8 * i) & 0xFF));
  }
  if (!masked)
    return f.append(payload);
  f.append(reinterpret_cast<const char*>(k.data()), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ k[i % 4]));
  return f;
}

/// A masked header claiming a `len`-byte payload written as 64 bits, with no
/// payload after it (the parser must decide from the header alone).
std::string header64(std::uint8_t b0, std::uint64_t len) {
  std::string f = bytes({b0, 0x80 | 127});
  for (int i = 7; i >= 0; --i)
    f.push_back(static_cast<char>(len >> (8 * i) & 0xFF));
  return f + bytes({1, 2, 3, 4});
}

std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
  std::string p = bytes({code >> 8, code & 0xFF});
  return client_frame(fin | op_close, p.append(reason));
}

/// What a caller sees of one answer of next().
struct result {
  kind what;
  std::string payload;
  std::uint16_t code;
  bool operator==(const result& o) const {
    return what == o.what && payload == o.payload && code == o.code;
  }
};

std::ostream& operator<<(std::ostream& os, const result& r) {
  return os << "{kind " << int(r.what) << ", " << r.payload.size() << " bytes \""
            << r.payload.substr(0, 40) << "\", code " << r.code << "}";
}

/// Feeds one chunk as a session would: next() until it needs more or stops.
void feed(ws::frame_parser& p, std::string_view chunk, std::vector<result>& out) {
  for (;;) {
    auto r = p.next(chunk);
    REQUIRE(r.consumed <= chunk.size());
    chunk.remove_prefix(r.consumed);
    if (r.what == kind::need_more) {
      REQUIRE(chunk.empty());
      return;
    }
    if (r.what == kind::fail)
      REQUIRE(!r.why.empty());
    bool last = r.what == kind::fail || r.what == kind::close;
    out.push_back({r.what, std::move(r.payload), r.code});
    if (last) {
      REQUIRE(p.done());
      return;
    }
  }
}

std::vector<result> parse(std::string_view wire, std::size_t max = 1 << 20) {
  ws::frame_parser p{max};
  std::vector<result> out;
  feed(p, wire, out);
  return out;
}

std::vector<result> parse_bytewise(std::string_view wire, std::size_t max = 1 << 20) {
  ws::frame_parser p{max};
  std::vector<result> out;
  for (std::size_t i = 0; i < wire.size(); ++i)
    feed(p, wire.substr(i, 1), out);
  return out;
}

std::vector<result> parse_split(std::string_view wire, std::uint32_t seed,
                                std::size_t max = 1 << 20) {
  std::mt19937 rng{seed};
  ws::frame_parser p{max};
  std::vector<result> out;
  while (!wire.empty()) {
    // Mostly short chunks (splits inside headers and masks), some long.
    std::size_t n = rng() % 4 == 0 ? rng() % 70000 : rng() % 12;
    n = std::min(n, wire.size());
    feed(p, wire.substr(0, n), out);
    wire.remove_prefix(n);
  }
  return out;
}

/// The single answer a wire gives, checked the same whole and byte by byte.
result only(std::string_view wire, std::size_t max = 1 << 20) {
  auto whole = parse(wire, max);
  REQUIRE(whole.size() == 1);
  CHECK(parse_bytewise(wire, max) == whole);
  return whole.front();
}

result fail(std::uint16_t code) {
  return {kind::fail, {}, code};
}

} // namespace

// -- encoding -------------------------------------------------------------------------

TEST_CASE("ws_frame: server headers at the length boundaries", "[ws_frame]") {
  struct row {
    std::size_t len;
    std::string header;
  };
  std::vector<row> rows{
    {0, bytes({0x82, 0})},
    {125, bytes({0x82, 125})},
    {126, bytes({0x82, 126, 0, 126})},
    {65535, bytes({0x82, 126, 0xFF, 0xFF})},
    {65536, bytes({0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0})},
  };
  for (const auto& r : rows) {
    CAPTURE(r.len);
    std::uint8_t out[ws::max_header_bytes];
    auto n = ws::encode_header(ws::opcode::binary, r.len, out);
    CHECK(std::string(reinterpret_cast<char*>(out), n) == r.header);
    std::string payload(r.len, 'x');
    CHECK(ws::encode_frame(ws::opcode::binary, payload) == r.header + payload);
  }
}

TEST_CASE("ws_frame: the RFC's unmasked examples encode byte for byte", "[ws_frame]") {
  CHECK(ws::encode_frame(ws::opcode::text, "Hello") == bytes({0x81, 0x05}) + "Hello");
  CHECK(ws::encode_frame(ws::opcode::ping, "Hello") == bytes({0x89, 0x05}) + "Hello");
  CHECK(ws::encode_frame(ws::opcode::pong, "") == bytes({0x8A, 0x00}));
  CHECK(ws::encode_frame(ws::opcode::close, ws::close_payload(1000, "bye"))
        == bytes({0x88, 0x05, 0x03, 0xE8}) + "bye");
}

TEST_CASE("ws_frame: close payloads cut the reason at a character boundary",
          "[ws_frame]") {
  CHECK(ws::close_payload(1005, "ignored").empty());
  CHECK(ws::close_payload(1000, "") == bytes({0x03, 0xE8}));
  CHECK(ws::close_payload(4000, std::string(200, 'a')).size() == 125);
  // 122 ASCII bytes then a 3-byte euro sign: 125 bytes would split the sign.
  std::string reason = std::string(122, 'a') + "\xE2\x82\xAC";
  auto p = ws::close_payload(1011, reason);
  CHECK(p == bytes({0x03, 0xF3}) + std::string(122, 'a'));
  // 121 + 3 = 124 fits whole.
  reason = std::string(120, 'a') + "\xE2\x82\xAC";
  CHECK(ws::close_payload(1011, reason).size() == 2 + 123);
  // What a server sends, a client-masked copy of it parses back.
  auto back = only(client_frame(fin | op_close, ws::close_payload(3001, "gone \xC3\xA9")));
  CHECK(back == result{kind::close, "gone \xC3\xA9", 3001});
}

// -- masking and splitting ------------------------------------------------------------

TEST_CASE("ws_frame: the RFC's masked Hello unmasks", "[ws_frame]") {
  auto wire = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  CHECK(client_frame(fin | op_text, "Hello") == wire); // the helper is the RFC's
  ws::frame_parser p{1024};
  auto r = p.next(wire);
  CHECK(r.what == kind::text);
  CHECK(r.payload == "Hello");
  CHECK(r.consumed == wire.size());
  CHECK_FALSE(p.mid_message());
  CHECK_FALSE(p.done());
  // The same as a pong (the RFC's masked pong example).
  wire[0] = static_cast<char>(0x8A);
  CHECK(only(wire) == result{kind::pong, "Hello", 0});
}

TEST_CASE("ws_frame: long payloads unmask right at every offset", "[ws_frame]") {
  // Every byte value at every mask position, with lengths that leave the
  // word-sized loop odd tails; split so chunks start at every mask offset.
  std::string payload;
  for (int i = 0; i < 70001; ++i)
    payload.push_back(static_cast<char>(i * 7 + i / 256));
  for (std::size_t len : {1, 7, 8, 9, 125, 126, 4099, 65535, 65536, 70001}) {
    CAPTURE(len);
    auto wire = client_frame(fin | op_bin, std::string_view{payload}.substr(0, len),
                             key{0xde, 0xad, 0xbe, 0xef});
    result want{kind::binary, payload.substr(0, len), 0};
    CHECK(parse(wire) == std::vector<result>{want});
    for (std::uint32_t seed = 1; seed <= 5; ++seed)
      CHECK(parse_split(wire, seed) == std::vector<result>{want});
  }
}

TEST_CASE("ws_frame: a conversation parses the same however it is split", "[ws_frame]") {
  std::string big(70000, 'b'); // 64-bit length
  std::string mid(300, 'm');   // 16-bit length
  std::string wire = client_frame(fin | op_text, "Hello", key{1, 2, 3, 4})
                     + client_frame(op_text, "caf", key{5, 6, 7, 8})
                     + client_frame(fin | op_ping, "are you there", key{9, 9, 9, 9})
                     + client_frame(op_cont, "\xC3", key{0, 0, 0, 0})
                     + client_frame(fin | op_cont, "\xA9!", key{0xff, 0, 0xff, 0})
                     + client_frame(fin | op_bin, big, key{0x10, 0x20, 0x30, 0x40})
                     + client_frame(fin | op_text, "", key{1, 1, 1, 1})
                     + client_frame(fin | op_bin, mid, key{7, 7, 7, 7})
                     + client_frame(fin | op_pong, "", key{3, 1, 4, 1})
                     + close_frame(1000, "bye");
  std::vector<result> want{
    {kind::text, "Hello", 0},
    {kind::ping, "are you there", 0},
    {kind::text, "caf\xC3\xA9!", 0},
    {kind::binary, big, 0},
    {kind::text, "", 0},
    {kind::binary, mid, 0},
    {kind::pong, "", 0},
    {kind::close, "bye", 1000},
  };
  CHECK(parse(wire) == want);
  CHECK(parse_bytewise(wire) == want);
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    CHECK(parse_split(wire, seed) == want);
  }
}

TEST_CASE("ws_frame: consumed counts each frame in a shared buffer", "[ws_frame]") {
  auto a = client_frame(fin | op_text, "a");   // 2 + 4 + 1
  auto b = client_frame(fin | op_ping, "");    // 2 + 4
  auto c = client_frame(fin | op_bin, "xyz");  // 2 + 4 + 3
  auto d = client_frame(fin | op_text, "next");
  std::string wire = a + b + c + d.substr(0, 3);
  ws::frame_parser p{1024};
  std::string_view rest{wire};
  for (auto [what, size] : {std::pair{kind::text, a.size()}, std::pair{kind::ping, b.size()},
                            std::pair{kind::binary, c.size()}}) {
    auto r = p.next(rest);
    CHECK(r.what == what);
    CHECK(r.consumed == size);
    rest.remove_prefix(r.consumed);
  }
  auto r = p.next(rest);
  CHECK(r.what == kind::need_more);
  CHECK(r.consumed == 3); // taken: the parser keeps the partial header
  CHECK(p.mid_message());
  r = p.next(std::string_view{d}.substr(3));
  CHECK(r.what == kind::text);
  CHECK(r.payload == "next");
  CHECK(r.consumed == d.size() - 3);
  CHECK_FALSE(p.mid_message());
}

// -- fragmentation and control frames ---------------------------------------------------

TEST_CASE("ws_frame: a text in three fragments with a ping between", "[ws_frame]") {
  ws::frame_parser p{1024};
  std::vector<result> got;
  feed(p, client_frame(op_text, "one "), got);
  CHECK(got.empty());
  CHECK(p.mid_message());
  feed(p, client_frame(fin | op_ping, "p1"), got);
  feed(p, client_frame(op_cont, "two "), got);
  feed(p, client_frame(fin | op_pong, "p2") + client_frame(fin | op_ping, ""), got);
  CHECK(p.mid_message());
  feed(p, client_frame(fin | op_cont, "three"), got);
  CHECK_FALSE(p.mid_message());
  CHECK(got == std::vector<result>{{kind::ping, "p1", 0},
                                   {kind::pong, "p2", 0},
                                   {kind::ping, "", 0},
                                   {kind::text, "one two three", 0}});
}

TEST_CASE("ws_frame: zero-length fragments and messages are fine", "[ws_frame]") {
  auto wire = client_frame(op_bin, "") + client_frame(op_cont, "")
              + client_frame(fin | op_cont, "") + client_frame(fin | op_text, "")
              + client_frame(op_text, "") + client_frame(fin | op_cont, "x");
  CHECK(parse(wire) == std::vector<result>{
                         {kind::binary, "", 0}, {kind::text, "", 0}, {kind::text, "x", 0}});
}

TEST_CASE("ws_frame: a close between fragments ends the parse", "[ws_frame]") {
  auto wire = client_frame(op_text, "half") + close_frame(1001)
              + client_frame(fin | op_cont, "never seen");
  ws::frame_parser p{1024};
  auto r = p.next(wire);
  CHECK(r.what == kind::close);
  CHECK(r.code == 1001);
  CHECK(r.payload.empty());
  CHECK(r.consumed == wire.size() - client_frame(fin | op_cont, "never seen").size());
  CHECK(p.done());
  CHECK_FALSE(p.mid_message());
  // Whatever follows is dropped, never parsed.
  auto after = p.next(std::string_view{wire}.substr(r.consumed));
  CHECK(after.what == kind::need_more);
  CHECK(after.consumed == wire.size() - r.consumed);
}

// -- refusals -------------------------------------------------------------------------

TEST_CASE("ws_frame: protocol errors are refused with their close code", "[ws_frame]") {
  struct row {
    const char* name;
    std::string wire;
    std::uint16_t code;
  };
  std::vector<row> rows{
    {"RSV1", client_frame(fin | 0x40 | op_text, "x"), 1002},
    {"RSV2", client_frame(fin | 0x20 | op_bin, "x"), 1002},
    {"RSV3", client_frame(fin | 0x10 | op_ping, ""), 1002},
    {"unmasked", client_frame(fin | op_text, "Hello", rfc_key, length_form::minimal, false),
     1002},
    {"unmasked ping", client_frame(fin | op_ping, "", rfc_key, length_form::minimal, false),
     1002},
    {"fragmented ping", client_frame(op_ping, "x"), 1002},
    {"fragmented close", client_frame(op_close, ""), 1002},
    {"ping of 126 bytes", client_frame(fin | op_ping, std::string(126, 'p')), 1002},
    {"close of 1 byte", client_frame(fin | op_close, "\x03"), 1002},
    {"continuation first", client_frame(fin | op_cont, "x"), 1002},
    {"unfinished continuation first", client_frame(op_cont, "x"), 1002},
    {"text inside a message", client_frame(op_text, "a") + client_frame(fin | op_text, "b"),
     1002},
    {"binary inside a message", client_frame(op_text, "a") + client_frame(op_bin, "b"), 1002},
    {"125 bytes in 16 bits", client_frame(fin | op_bin, std::string(125, 'x'), rfc_key,
                                          length_form::bits16),
     1002},
    {"0 bytes in 16 bits", client_frame(fin | op_bin, "", rfc_key, length_form::bits16), 1002},
    {"65535 bytes in 64 bits", client_frame(fin | op_bin, std::string(65535, 'x'), rfc_key,
                                            length_form::bits64),
     1002},
    {"5 bytes in 64 bits", client_frame(fin | op_text, "Hello", rfc_key, length_form::bits64),
     1002},
    {"64-bit length with the top bit", header64(fin | op_bin, 1ull << 63), 1002},
    {"64-bit length all ones", header64(fin | op_bin, ~0ull), 1002},
    {"text not UTF-8", client_frame(fin | op_text, "ab\xFF"), 1007},
    {"close reason not UTF-8", close_frame(1000, "\xC0\xAF"), 1007},
  };
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    rows.push_back({"unknown opcode", client_frame(std::uint8_t(fin | op), "x"), 1002});
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    rows.push_back({"close code that may not be sent", close_frame(code), 1002});

  for (const auto& r : rows) {
    CAPTURE(r.name, r.wire.size());
    // Refused however it arrives, and only the refusal is reported.
    CHECK(only(r.wire) == fail(r.code));
    for (std::uint32_t seed = 1; seed <= 3; ++seed)
      CHECK(parse_split(r.wire, seed) == std::vector<result>{fail(r.code)});
    // Nothing more after it.
    ws::frame_parser p{1 << 20};
    CHECK(p.next(r.wire).what == kind::fail);
    CHECK(p.done());
    CHECK_FALSE(p.mid_message());
    auto valid = client_frame(fin | op_text, "ok");
    auto again = p.next(valid);
    CHECK(again.what == kind::need_more);
    CHECK(again.consumed == valid.size());
    CHECK(p.done());
  }
}

TEST_CASE("ws_frame: close frames give the peer's code and reason", "[ws_frame]") {
  CHECK(only(client_frame(fin | op_close, "")) == result{kind::close, "", 1005});
  CHECK(only(close_frame(1000)) == result{kind::close, "", 1000});
  CHECK(only(close_frame(1001, "going away")) == result{kind::close, "going away", 1001});
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                             3999, 4000, 4999})
    CHECK(only(close_frame(code, "\xE2\x82\xAC")) == result{kind::close, "\xE2\x82\xAC", code});
  // The longest a close may be: code and 123 bytes of reason.
  std::string reason(123, 'r');
  CHECK(only(close_frame(1000, reason)) == result{kind::close, reason, 1000});
}

// -- UTF-8 ------------------------------------------------------------------------------

TEST_CASE("ws_frame: UTF-8 validity table", "[ws_frame]") {
  struct row {
    const char* name;
    std::string text;
    bool valid;
  };
  std::vector<row> rows{
    {"empty", "", true},
    {"ASCII", "plain ascii text, long enough for the 8-byte loop", true},
    {"2 bytes", "\xC3\xA9", true},
    {"3 bytes", "\xE2\x82\xAC", true},
    {"4 bytes", "\xF0\x9D\x84\x9E", true},
    {"U+FFFF", "\xEF\xBF\xBF", true},
    {"U+10FFFF", "\xF4\x8F\xBF\xBF", true},
    {"U+D7FF", "\xED\x9F\xBF", true},
    {"mixed", "a\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9Ez", true},
    {"overlong 2", "\xC0\xAF", false},
    {"overlong 2 C1", "\xC1\xBF", false},
    {"overlong 3", "\xE0\x80\xAF", false},
    {"overlong 4", "\xF0\x80\x80\xAF", false},
    {"surrogate U+D800", "\xED\xA0\x80", false},
    {"surrogate U+DFFF", "\xED\xBF\xBF", false},
    {"above U+10FFFF", "\xF4\x90\x80\x80", false},
    {"F5", "\xF5\x80\x80\x80", false},
    {"FF", "\xFF", false},
    {"lone continuation", "a\x80", false},
    {"truncated 2", "\xC3", false},
    {"truncated 3", "\xE2\x82", false},
    {"truncated 4", "\xF0\x9D\x84", false},
    {"bad continuation", "\xE2\x28\xA1", false},
    {"late bad byte after ASCII", std::string(20, 'a') + "\xFE", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(ws::valid_utf8(r.text) == r.valid);
    auto got = only(client_frame(fin | op_text, r.text));
    CHECK(got == (r.valid ? result{kind::text, r.text, 0} : fail(1007)));
    // Binary messages are not checked.
    CHECK(only(client_frame(fin | op_bin, r.text)) == result{kind::binary, r.text, 0});
  }
}

TEST_CASE("ws_frame: UTF-8 split across fragments joins", "[ws_frame]") {
  std::string emoji = "\xF0\x9D\x84\x9E";
  for (std::size_t cut = 0; cut <= emoji.size(); ++cut) {
    CAPTURE(cut);
    auto wire = client_frame(op_text, emoji.substr(0, cut))
                + client_frame(fin | op_ping, "")
                + client_frame(fin | op_cont, emoji.substr(cut));
    CHECK(parse(wire)
          == std::vector<result>{{kind::ping, "", 0}, {kind::text, emoji, 0}});
  }
  // Truncated at the message's end, though each fragment was a fine prefix.
  CHECK(parse(client_frame(op_text, "\xE2") + client_frame(fin | op_cont, "\x82"))
        == std::vector<result>{fail(1007)});
}

TEST_CASE("ws_frame: bad text fails before the message is whole", "[ws_frame]") {
  ws::frame_parser p{1024};
  // A first fragment with an overlong: refused without any further fragment.
  auto r = p.next(client_frame(op_text, "ok\xC0\x80"));
  CHECK(r.what == kind::fail);
  CHECK(r.code == 1007);
  // Inside one frame too: the first bytes of its payload are enough.
  ws::frame_parser q{1024};
  auto frame = client_frame(fin | op_text, std::string("\xED\xA0\x80") + std::string(100, 'a'));
  r = q.next(std::string_view{frame}.substr(0, 6 + 3)); // header + the surrogate
  CHECK(r.what == kind::fail);
  CHECK(r.code == 1007);
}

// -- size limit -----------------------------------------------------------------------

TEST_CASE("ws_frame: a message over the limit is refused from its header", "[ws_frame]") {
  constexpr std::size_t max = 100;
  CHECK(only(client_frame(fin | op_bin, std::string(100, 'x')), max).what == kind::binary);
  CHECK(only(client_frame(fin | op_text, std::string(100, 'x')), max).what == kind::text);

  // The header alone decides: no payload byte is needed.
  struct row {
    const char* name;
    std::string header;
  };
  std::vector<row> rows{
    {"101 bytes in 7 bits", client_frame(fin | op_bin, std::string(101, 'x')).substr(0, 6)},
    {"200 bytes in 16 bits", client_frame(fin | op_text, std::string(200, 'x')).substr(0, 8)},
    {"1 TiB in 64 bits", header64(fin | op_bin, 1ull << 40)},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    ws::frame_parser p{max};
    auto got = p.next(r.header);
    CHECK(got.what == kind::fail);
    CHECK(got.code == 1009);
    CHECK(got.consumed == r.header.size());
  }

  // Across fragments (and a ping between them does not count).
  auto first = client_frame(op_text, std::string(60, 'a'));
  auto ping = client_frame(fin | op_ping, std::string(100, 'p'));
  CHECK(parse(first + ping + client_frame(fin | op_cont, std::string(40, 'b')), max)
        == std::vector<result>{{kind::ping, std::string(100, 'p'), 0},
                               {kind::text, std::string(60, 'a') + std::string(40, 'b'), 0}});
  auto over = client_frame(fin | op_cont, std::string(41, 'b'));
  ws::frame_parser p{max};
  std::vector<result> got;
  feed(p, first + ping + over.substr(0, 6), got);
  CHECK(got == std::vector<result>{{kind::ping, std::string(100, 'p'), 0}, fail(1009)});
  CHECK(parse_bytewise(first + ping + over, max)
        == std::vector<result>{{kind::ping, std::string(100, 'p'), 0}, fail(1009)});
}
