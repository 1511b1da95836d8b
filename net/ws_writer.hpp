#pragma once
// The sending half of one WebSocket connection, over a non-blocking socket
// (issue 12). A broadcast shares one payload between every recipient; each
// recipient's frame is its own 2-10 byte header in front of that payload,
// written with one gathered sendmsg().
//
// Who owns the socket for writing: whoever holds the writer's mutex. A
// frame sent to a connection whose queue is empty and that has no write
// pending is written at once, on the sender's thread (a CAF worker, the
// relay), without crossing threads. Only when the socket would block does
// the rest wait in the queue: the caller that saw it block is told to arm
// one wait for writability, and the session's strand flushes the queue when
// the socket can take more. Frames leave in the order send() accepted them,
// whichever thread writes them. No Beast, no Asio: the session does the
// waiting.

#include "net/server.hpp"
#include "net/ws_frame.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace proctord::net::ws {

/// Where a writer counts what it does (shared by every session of a
/// server; relaxed). Any pointer may be null.
struct write_counters {
  std::atomic<std::int64_t>* backlog = nullptr;   // frames queued, not written
  std::atomic<std::uint64_t>* messages = nullptr; // data frames written
  std::atomic<std::uint64_t>* bytes = nullptr;    // their payload bytes
};

class frame_writer {
public:
  struct limits {
    std::size_t max_bytes = 4 << 20; // payload bytes queued
    std::size_t max_frames = 4096;
  };

  enum class status : std::uint8_t {
    written,  // on the wire (or queued behind an earlier frame: see queued)
    queued,   // waits in the queue; a flush is already arranged
    blocked,  // waits in the queue; the CALLER must arm a wait for
              // writability and call flush() when it fires
    overflow, // refused: the queue is over its limits. The queue was
              // dropped (all but a partly written frame); data frames are
              // refused from now on, a close frame is still taken.
    closed,   // refused: a close frame was queued, or the socket is gone
    failed,   // the socket failed (the peer is gone): close the session
  };

  explicit frame_writer(limits lim, write_counters counters = {})
    : lim_(lim), counters_(counters) {
  }
  frame_writer(const frame_writer&) = delete;
  frame_writer& operator=(const frame_writer&) = delete;
  ~frame_writer();

  /// Starts writing to `fd` (non-blocking, owned by the caller). Frames
  /// sent before it queue; the answer says whether the caller must arm a
  /// wait (blocked) to have them written.
  status attach(int fd);

  /// Any thread: a text or binary data frame.
  status send(opcode op, const shared_frame& payload);

  /// Data frames in order, queued together: when nothing else waits they
  /// go out in one gathered sendmsg() (up to 32 a call), which is what a
  /// socket with several frames due needs (one packet, one wakeup of its
  /// reader). Overflow and closing as for send().
  status send_batch(const std::vector<batch_frame>& frames);

  /// Any thread: a control frame (ping, pong, close; payload ≤ 125 bytes).
  /// After a close frame, every send is refused (closed).
  status send_control(opcode op, std::string payload);

  /// When the socket is writable again, after `blocked`: writes what it
  /// can. Answers written (the queue is empty), blocked (arm again) or
  /// failed.
  status flush();

  /// The socket is about to close: nothing more is written, the queue is
  /// dropped. Call it, under no other lock, before closing the fd.
  void detach();

  /// Whether the close frame has been written whole.
  bool close_written() const;
  /// Frames waiting (tests and statistics).
  std::size_t queued_frames() const;
  std::size_t queued_bytes() const;

private:
  struct out_frame {
    shared_frame body; // data frames: the shared payload
    std::string ctl;   // control frames: their payload (≤ 125 bytes)
    std::uint8_t hdr[max_header_bytes] = {};
    std::uint8_t hdr_len = 0;
    bool is_data = false;
    bool is_close = false;

    std::size_t size() const noexcept {
      return hdr_len + (body ? body->size() : ctl.size());
    }
  };

  status enqueue_locked(out_frame f);
  bool push_locked(out_frame f);
  status write_idle_locked(out_frame f);
  status write_locked();
  void pop_front_locked();
  void drop_queue_locked(bool keep_partial);
  void forget_locked(std::size_t frames);
  void count_written(const out_frame& f);

  mutable std::mutex mtx_;
  limits lim_;
  write_counters counters_;
  int fd_ = -1;
  bool attached_ = false;
  bool waiting_ = false;   // someone arms (or armed) a wait for writability
  bool overflowed_ = false;
  bool close_queued_ = false;
  bool close_written_ = false;
  bool failed_ = false;
  bool detached_ = false;
  // The queue: frames_[head_..] wait; frames_[head_] is sent_ bytes in.
  std::vector<out_frame> frames_;
  std::size_t head_ = 0;
  std::size_t sent_ = 0;
  std::size_t queued_bytes_ = 0;
};

} // namespace proctord::net::ws
