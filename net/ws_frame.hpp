#pragma once
// RFC 6455 framing, our own (issue 12): Beast keeps HTTP and the upgrade
// handshake; after the 101 a session reads and writes WebSocket frames with
// this codec. No I/O and no Beast here: the session feeds the bytes it read
// to a frame_parser and writes the headers encode_header() builds in front
// of payloads it shares with every other recipient (a broadcast's payload is
// built once; each recipient's frame is a 2-10 byte header plus that
// payload, written with one gathered write).
//
// Server side only: frames from the client must be masked, frames to it are
// not (RFC 6455 5.1). The parser checks everything a server must refuse and
// says which close code the refusal takes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace proctord::net::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// The longest header a server frame has: 2 bytes, then 0, 2 or 8 bytes of
/// length (server frames carry no mask).
inline constexpr std::size_t max_header_bytes = 10;

/// Writes the header of one unfragmented (FIN), unmasked frame of `op`
/// carrying `payload_bytes` into `out`; returns its length (2, 4 or 10).
std::size_t encode_header(opcode op, std::size_t payload_bytes,
                          std::uint8_t (&out)[max_header_bytes]) noexcept;

/// One whole unmasked frame: header and payload.
std::string encode_frame(opcode op, std::string_view payload);

/// A close frame's payload: the code in network order and the reason,
/// cut to fit a control frame (125 bytes in all) without splitting a UTF-8
/// sequence. Code 1005 (none) gives an empty payload.
std::string close_payload(std::uint16_t code, std::string_view reason);

/// Checks UTF-8 incrementally, across the fragments of one message (RFC
/// 3629: no overlongs, no surrogates, nothing above U+10FFFF).
class utf8_validator {
public:
  /// False as soon as the bytes so far cannot start valid UTF-8.
  bool feed(std::string_view bytes) noexcept;
  /// True when the bytes fed so far end at a character boundary.
  bool complete() const noexcept {
    return need_ == 0;
  }
  void reset() noexcept {
    need_ = 0;
    lower_ = 0x80;
    upper_ = 0xBF;
  }

private:
  std::uint8_t need_ = 0;     // continuation bytes still expected
  std::uint8_t lower_ = 0x80; // bounds of the next continuation byte
  std::uint8_t upper_ = 0xBF;
};

/// True when `bytes` is valid UTF-8 on its own.
bool valid_utf8(std::string_view bytes) noexcept;

/// What frame_parser::next found.
struct parsed {
  enum class kind : std::uint8_t {
    need_more, // every byte given was taken; a frame is still incomplete
    text,      // a whole text message (its fragments joined, valid UTF-8)
    binary,    // a whole binary message
    ping,      // payload: the ping's application data (echo it in a pong)
    pong,
    close,     // code: the peer's (1005 when it sent none); payload: reason
    fail,      // the peer broke the protocol; close with `code`
  };
  kind what = kind::need_more;
  /// Bytes of the input this call consumed (also for need_more and fail).
  std::size_t consumed = 0;
  std::string payload;
  /// close: the peer's code; fail: 1002 (protocol error), 1007 (bad UTF-8)
  /// or 1009 (message too big).
  std::uint16_t code = 0;
  /// fail: what was wrong, for the log and the close frame's reason.
  std::string_view why;
};

/// Parses client frames incrementally: bytes can arrive split anywhere (in a
/// header, in the mask, in a payload). It keeps only what an incomplete
/// frame or message needs (at most 14 header bytes inline, and the payload
/// of a message in progress), and lets go of that buffer once a message is
/// whole: an idle connection's parser holds no heap memory.
///
/// Refuses, with the close code RFC 6455 gives: RSV bits without an
/// extension, unknown opcodes, unmasked frames, fragmented or oversized
/// (> 125 bytes) control frames, a continuation with no message started, a
/// new data frame inside a fragmented message, non-minimal or 63-bit+
/// lengths, a close payload of 1 byte or with a code that may not be sent
/// (1002); text or a close reason that is not UTF-8 (1007, checked per
/// fragment, so a bad message fails before it is whole); a message (all its
/// fragments) above max_message_bytes (1009, from the header alone). After a
/// fail or a close it parses nothing more.
class frame_parser {
public:
  explicit frame_parser(std::size_t max_message_bytes)
    : max_message_(max_message_bytes) {
  }

  /// Consumes bytes from the front of `in` up to the end of the next
  /// complete message or control frame, and says what it was. Call again
  /// with the rest (in.substr(consumed)) until it answers need_more.
  /// Control frames may come between the fragments of a message; they are
  /// reported as they arrive.
  parsed next(std::string_view in);

  /// Whether a fragmented message or a frame is partly read.
  bool mid_message() const noexcept;

  /// Whether a fail or a close was reported (nothing more is parsed:
  /// next() then drops what it is given and answers need_more).
  bool done() const noexcept {
    return done_;
  }

private:
  std::size_t max_message_;
  // The frame being read: its header (bytes so far), then its payload.
  std::uint8_t header_[14] = {};
  std::uint8_t header_have_ = 0;
  bool in_payload_ = false;
  opcode frame_op_ = opcode::continuation;
  bool frame_fin_ = false;
  std::uint64_t frame_left_ = 0;  // payload bytes still to come
  std::uint64_t frame_seen_ = 0;  // payload bytes unmasked so far (mask phase)
  std::uint8_t mask_[4] = {};
  // The message being assembled (data frames), or the control frame's.
  bool in_message_ = false;
  opcode message_op_ = opcode::text;
  std::string message_;
  std::string control_;
  utf8_validator utf8_;
  bool done_ = false;
};

/// Whether a peer may send this close code (RFC 6455 7.4 and the IANA
/// registry: 1000-1003, 1007-1014, 3000-4999; as npm ws).
bool valid_close_code(std::uint16_t code) noexcept;

} // namespace proctord::net::ws
