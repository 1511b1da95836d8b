// RFC 6455 framing (issue 12): see ws_frame.hpp for the contract.
//
// The parser is a small state machine over one frame at a time:
//
//   header (2 bytes, then 0/2/8 bytes of length, then the 4-byte mask)
//     -> payload (frame_left_ bytes, unmasked as they arrive)
//     -> a control frame is reported at once; a data frame ends the message
//        when FIN is set, else the next frame is read.
//
// Payload bytes are copied once, from the caller's buffer to the end of
// message_ (or control_), and unmasked there in place, eight bytes at a time.

#include "net/ws_frame.hpp"

#include <algorithm>
#include <cstring>

namespace proctord::net::ws {

namespace {

/// The longest payload a control frame may carry (RFC 6455 5.5).
constexpr std::uint64_t max_control_payload = 125;

/// Lets go of a buffer: empty, and no heap block kept (a moved-from string
/// is only "valid but unspecified"), so an idle parser holds no heap memory.
void release(std::string& s) noexcept {
  std::string{}.swap(s);
}

bool is_control(opcode op) noexcept {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

bool known_opcode(std::uint8_t op) noexcept {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

/// XORs `n` bytes at `p` with the mask, starting `offset` bytes into the
/// frame's payload (the mask repeats every 4 bytes).
void unmask(char* p, std::size_t n, const std::uint8_t (&mask)[4],
            std::uint64_t offset) noexcept {
  unsigned char key[8];
  for (std::size_t i = 0; i < 8; ++i)
    key[i] = mask[(offset + i) & 3];
  std::uint64_t word_key;
  std::memcpy(&word_key, key, sizeof word_key);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, sizeof w);
    w ^= word_key;
    std::memcpy(p + i, &w, sizeof w);
  }
  for (; i < n; ++i)
    p[i] = static_cast<char>(static_cast<unsigned char>(p[i]) ^ key[i & 7]);
}

} // namespace

// --- encoding -----------------------------------------------------------

std::size_t encode_header(opcode op, std::size_t payload_bytes,
                          std::uint8_t (&out)[max_header_bytes]) noexcept {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
  if (payload_bytes < 126) {
    out[1] = static_cast<std::uint8_t>(payload_bytes);
    return 2;
  }
  if (payload_bytes <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_bytes >> 8);
    out[3] = static_cast<std::uint8_t>(payload_bytes);
    return 4;
  }
  out[1] = 127;
  auto len = static_cast<std::uint64_t>(payload_bytes);
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<std::uint8_t>(len >> (56 - 8 * i));
  return 10;
}

std::string encode_frame(opcode op, std::string_view payload) {
  std::uint8_t header[max_header_bytes];
  auto n = encode_header(op, payload.size(), header);
  std::string frame;
  frame.reserve(n + payload.size());
  frame.append(reinterpret_cast<const char*>(header), n);
  frame.append(payload);
  return frame;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  if (code == 1005)
    return {};
  constexpr std::size_t max_reason = max_control_payload - 2;
  if (reason.size() > max_reason) {
    // Cut before the character that byte max_reason belongs to.
    std::size_t n = max_reason;
    while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80)
      --n;
    reason = reason.substr(0, n);
  }
  std::string out;
  out.reserve(2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

bool valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
         || (code >= 3000 && code <= 4999);
}

// --- UTF-8 ----------------------------------------------------------------

bool utf8_validator::feed(std::string_view bytes) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p != end) {
    if (need_ == 0) {
      // ASCII runs, eight bytes at a time.
      while (end - p >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, sizeof w);
        if (w & 0x8080808080808080ull)
          break;
        p += 8;
      }
      if (p == end)
        break;
      unsigned char b = *p++;
      if (b < 0x80)
        continue;
      if (b >= 0xC2 && b <= 0xDF) {
        need_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need_ = 2;
        if (b == 0xE0)
          lower_ = 0xA0; // no overlongs
        else if (b == 0xED)
          upper_ = 0x9F; // no surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        need_ = 3;
        if (b == 0xF0)
          lower_ = 0x90; // no overlongs
        else if (b == 0xF4)
          upper_ = 0x8F; // nothing above U+10FFFF
      } else {
        return false;
      }
    } else {
      unsigned char b = *p++;
      if (b < lower_ || b > upper_)
        return false;
      lower_ = 0x80;
      upper_ = 0xBF;
      --need_;
    }
  }
  return true;
}

bool valid_utf8(std::string_view bytes) noexcept {
  utf8_validator v;
  return v.feed(bytes) && v.complete();
}

// --- parsing --------------------------------------------------------------

bool frame_parser::mid_message() const noexcept {
  return in_message_ || in_payload_ || header_have_ != 0;
}

namespace {

/// The header's length: 2, plus 0/2/8 bytes of extended length, plus the
/// mask (client frames are always masked; unmasked ones fail earlier).
std::uint8_t header_length(std::uint8_t second_byte) noexcept {
  auto len7 = second_byte & 0x7F;
  return static_cast<std::uint8_t>(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4);
}

} // namespace

parsed frame_parser::next(std::string_view in) {
  parsed out;
  if (done_) {
    // Nothing more is parsed: whatever follows a close or a fail is dropped.
    out.consumed = in.size();
    return out;
  }
  std::size_t pos = 0;
  auto fail = [&](std::uint16_t code, std::string_view why) {
    done_ = true;
    release(message_);
    release(control_);
    in_message_ = false;
    in_payload_ = false;
    header_have_ = 0;
    out.what = parsed::kind::fail;
    out.consumed = pos;
    out.code = code;
    out.why = why;
    return std::move(out);
  };

  for (;;) {
    // The header, possibly over several calls.
    while (!in_payload_) {
      std::size_t want = header_have_ < 2 ? 2 : header_length(header_[1]);
      std::size_t take = std::min(want - header_have_, in.size() - pos);
      if (take > 0)
        std::memcpy(header_ + header_have_, in.data() + pos, take);
      header_have_ = static_cast<std::uint8_t>(header_have_ + take);
      pos += take;
      if (header_have_ < want) {
        out.consumed = pos;
        return out; // need_more
      }
      if (want == 2) {
        // The first two bytes: everything but the extended length.
        std::uint8_t b0 = header_[0], b1 = header_[1];
        if (b0 & 0x70)
          return fail(1002, "RSV bits set without an extension");
        if (!known_opcode(b0 & 0x0F))
          return fail(1002, "unknown opcode");
        if (!(b1 & 0x80))
          return fail(1002, "unmasked client frame");
        frame_fin_ = (b0 & 0x80) != 0;
        frame_op_ = static_cast<opcode>(b0 & 0x0F);
        std::uint8_t len7 = b1 & 0x7F;
        if (is_control(frame_op_)) {
          if (!frame_fin_)
            return fail(1002, "fragmented control frame");
          if (len7 > max_control_payload)
            return fail(1002, "control frame over 125 bytes");
          if (frame_op_ == opcode::close && len7 == 1)
            return fail(1002, "close frame of 1 byte");
        } else if (frame_op_ == opcode::continuation) {
          if (!in_message_)
            return fail(1002, "continuation without a message");
        } else if (in_message_) {
          return fail(1002, "new message inside a fragmented one");
        }
        continue; // read the rest of the header
      }
      // The whole header.
      std::uint8_t len7 = header_[1] & 0x7F;
      std::uint64_t len = len7;
      std::size_t at = 2;
      if (len7 == 126) {
        len = (std::uint64_t{header_[2]} << 8) | header_[3];
        if (len < 126)
          return fail(1002, "non-minimal length");
        at = 4;
      } else if (len7 == 127) {
        len = 0;
        for (std::size_t i = 0; i < 8; ++i)
          len = (len << 8) | header_[2 + i];
        if (len >> 63)
          return fail(1002, "length with the top bit set");
        if (len <= 0xFFFF)
          return fail(1002, "non-minimal length");
        at = 10;
      }
      std::memcpy(mask_, header_ + at, 4);
      if (!is_control(frame_op_)) {
        if (len > max_message_ - message_.size())
          return fail(1009, "message too big");
        if (frame_op_ != opcode::continuation) {
          in_message_ = true;
          message_op_ = frame_op_;
          utf8_.reset();
        }
        // One allocation for the frame (libstdc++ at least doubles when it
        // grows, so many small fragments do not copy quadratically).
        if (len > message_.capacity() - message_.size())
          message_.reserve(message_.size() + static_cast<std::size_t>(len));
      }
      in_payload_ = true;
      frame_left_ = len;
      frame_seen_ = 0;
    }

    // The payload: copy what is here, unmask it in place.
    auto take = static_cast<std::size_t>(
      std::min<std::uint64_t>(frame_left_, in.size() - pos));
    if (take > 0) {
      bool control = is_control(frame_op_);
      std::string& buf = control ? control_ : message_;
      std::size_t start = buf.size();
      buf.append(in.data() + pos, take);
      unmask(buf.data() + start, take, mask_, frame_seen_);
      pos += take;
      frame_left_ -= take;
      frame_seen_ += take;
      if (!control && message_op_ == opcode::text
          && !utf8_.feed(std::string_view{buf}.substr(start)))
        return fail(1007, "text is not UTF-8");
    }
    if (frame_left_ > 0) {
      out.consumed = pos;
      return out; // need_more
    }

    // The frame is whole.
    in_payload_ = false;
    header_have_ = 0;
    switch (frame_op_) {
    case opcode::ping:
    case opcode::pong:
      out.what = frame_op_ == opcode::ping ? parsed::kind::ping : parsed::kind::pong;
      out.payload = std::move(control_);
      release(control_);
      out.consumed = pos;
      return out;
    case opcode::close: {
      if (control_.empty()) {
        out.code = 1005;
      } else {
        auto code = static_cast<std::uint16_t>(
          (static_cast<unsigned char>(control_[0]) << 8)
          | static_cast<unsigned char>(control_[1]));
        if (!valid_close_code(code))
          return fail(1002, "close code that may not be sent");
        if (!valid_utf8(std::string_view{control_}.substr(2)))
          return fail(1007, "close reason is not UTF-8");
        out.code = code;
        out.payload.assign(control_, 2, std::string::npos);
      }
      release(control_);
      release(message_);
      in_message_ = false;
      done_ = true;
      out.what = parsed::kind::close;
      out.consumed = pos;
      return out;
    }
    default:
      break;
    }
    if (!frame_fin_)
      continue; // the next fragment
    if (message_op_ == opcode::text && !utf8_.complete())
      return fail(1007, "text ends inside a UTF-8 sequence");
    out.what = message_op_ == opcode::text ? parsed::kind::text : parsed::kind::binary;
    out.payload = std::move(message_);
    release(message_);
    in_message_ = false;
    out.consumed = pos;
    return out;
  }
}

} // namespace proctord::net::ws
