#include "net/ws_writer.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace proctord::net::ws {

namespace {

/// Frames gathered into one sendmsg() (two iovecs each).
constexpr std::size_t max_gather = 32;

} // namespace

frame_writer::~frame_writer() {
  std::lock_guard<std::mutex> guard{mtx_};
  forget_locked(frames_.size() - head_);
}

frame_writer::status frame_writer::attach(int fd) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (detached_)
    return status::closed;
  fd_ = fd;
  attached_ = true;
  if (head_ == frames_.size())
    return status::written;
  // What was sent before the 101 goes now; the caller waits if it blocks.
  waiting_ = true;
  auto s = write_locked();
  if (s == status::written)
    waiting_ = false;
  return s;
}

frame_writer::status frame_writer::send(opcode op, const shared_frame& payload) {
  out_frame f;
  f.body = payload;
  f.hdr_len = static_cast<std::uint8_t>(encode_header(op, payload->size(), f.hdr));
  f.is_data = true;
  std::lock_guard<std::mutex> guard{mtx_};
  if (detached_ || failed_ || close_queued_)
    return status::closed;
  if (overflowed_)
    return status::overflow;
  if (attached_ && !waiting_ && head_ == frames_.size()
      && payload->size() <= lim_.max_bytes)
    return write_idle_locked(std::move(f));
  return enqueue_locked(std::move(f));
}

/// Under mtx_, nothing queued or awaited: the frame goes straight from
/// here, one sendmsg(), and only what the socket would not take is queued
/// (the usual case, a broadcast to an idle reader, touches no queue).
frame_writer::status frame_writer::write_idle_locked(out_frame f) {
  iovec iov[2] = {iovec{f.hdr, f.hdr_len},
                  iovec{const_cast<char*>(f.body->data()), f.body->size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = f.body->empty() ? 1 : 2;
  ssize_t w = 0;
  do
    w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (w < 0 && errno == EINTR);
  if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    failed_ = true;
    drop_queue_locked(false);
    return status::failed;
  }
  auto sent = w < 0 ? std::size_t{0} : static_cast<std::size_t>(w);
  if (sent == f.size()) {
    count_written(f);
    return status::written;
  }
  // The rest waits for writability, from where the socket stopped.
  queued_bytes_ += f.body->size();
  frames_.push_back(std::move(f));
  sent_ = sent;
  if (counters_.backlog)
    counters_.backlog->fetch_add(1, std::memory_order_relaxed);
  waiting_ = true;
  return status::blocked;
}

frame_writer::status frame_writer::send_control(opcode op, std::string payload) {
  out_frame f;
  if (payload.size() > 125)
    payload.resize(125);
  f.hdr_len = static_cast<std::uint8_t>(encode_header(op, payload.size(), f.hdr));
  f.ctl = std::move(payload);
  f.is_close = op == opcode::close;
  std::lock_guard<std::mutex> guard{mtx_};
  if (detached_ || failed_ || close_queued_)
    return status::closed;
  if (f.is_close)
    close_queued_ = true;
  return enqueue_locked(std::move(f));
}

/// Under mtx_: writes at once when nothing waits; queues otherwise.
frame_writer::status frame_writer::enqueue_locked(out_frame f) {
  bool idle = head_ == frames_.size();
  if (!push_locked(std::move(f)))
    return status::overflow;
  if (!attached_ || waiting_ || !idle)
    return status::queued;
  auto s = write_locked();
  if (s == status::blocked)
    waiting_ = true;
  return s;
}

/// Under mtx_: appends to the queue; false (and the queue dropped) when a
/// data frame would take it over its limits.
bool frame_writer::push_locked(out_frame f) {
  if (f.is_data) {
    auto bytes = f.body->size();
    if (queued_bytes_ + bytes > lim_.max_bytes
        || frames_.size() - head_ >= lim_.max_frames) {
      overflowed_ = true;
      drop_queue_locked(true);
      return false;
    }
    queued_bytes_ += bytes;
  }
  if (head_ > 0 && head_ * 2 >= frames_.size()) { // reuse the written half
    frames_.erase(frames_.begin(),
                  frames_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  frames_.push_back(std::move(f));
  if (counters_.backlog)
    counters_.backlog->fetch_add(1, std::memory_order_relaxed);
  return true;
}

/// The frames are queued together, and a caller that found nothing queued
/// or awaited writes them, up to max_gather frames a sendmsg(): never more
/// than that many (nor more than the queue's frame limit) wait here at once
/// on the batch's account, so a batch longer than the limit still goes out
/// to a reader that keeps up.
frame_writer::status frame_writer::send_batch(const std::vector<batch_frame>& frames) {
  if (frames.size() == 1) // the idle path: no queue
    return send(frames[0].binary ? opcode::binary : opcode::text, frames[0].frame);
  std::lock_guard<std::mutex> guard{mtx_};
  if (detached_ || failed_ || close_queued_)
    return status::closed;
  if (overflowed_)
    return status::overflow;
  bool writing = attached_ && !waiting_ && head_ == frames_.size();
  auto result = writing ? status::written : status::queued;
  for (auto& b : frames) {
    out_frame f;
    f.body = b.frame;
    f.hdr_len = static_cast<std::uint8_t>(
      encode_header(b.binary ? opcode::binary : opcode::text, b.frame->size(), f.hdr));
    f.is_data = true;
    if (!push_locked(std::move(f)))
      return status::overflow;
    if (writing && frames_.size() - head_ >= std::min(max_gather, lim_.max_frames)) {
      auto s = write_locked();
      if (s == status::failed)
        return s;
      if (s == status::blocked) {
        waiting_ = true; // the rest waits for writability, in order
        writing = false;
        result = status::blocked;
      }
    }
  }
  if (!writing)
    return result;
  auto s = write_locked();
  if (s == status::blocked)
    waiting_ = true;
  return s;
}

frame_writer::status frame_writer::flush() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (detached_ || failed_) {
    waiting_ = false;
    return failed_ ? status::failed : status::closed;
  }
  auto s = write_locked();
  waiting_ = s == status::blocked;
  return s;
}

/// Under mtx_: writes queued frames until the queue is empty or the socket
/// would block.
frame_writer::status frame_writer::write_locked() {
  while (head_ < frames_.size()) {
    iovec iov[max_gather * 2];
    std::size_t n = 0;
    std::size_t skip = sent_;
    for (std::size_t i = head_; i < frames_.size() && n + 2 <= max_gather * 2; ++i) {
      auto& f = frames_[i];
      const char* body = f.body ? f.body->data() : f.ctl.data();
      std::size_t body_len = f.body ? f.body->size() : f.ctl.size();
      if (skip < f.hdr_len) {
        iov[n++] = iovec{f.hdr + skip, f.hdr_len - skip};
        skip = 0;
      } else {
        skip -= f.hdr_len;
      }
      if (body_len > skip)
        iov[n++] = iovec{const_cast<char*>(body) + skip, body_len - skip};
      skip = 0;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    auto w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return status::blocked;
      failed_ = true;
      drop_queue_locked(false);
      return status::failed;
    }
    auto left = static_cast<std::size_t>(w);
    while (left > 0 && head_ < frames_.size()) {
      auto& f = frames_[head_];
      auto rest = f.size() - sent_;
      if (left < rest) {
        sent_ += left;
        left = 0;
        break;
      }
      left -= rest;
      count_written(f);
      pop_front_locked();
    }
  }
  return status::written;
}

void frame_writer::count_written(const out_frame& f) {
  if (f.is_close)
    close_written_ = true;
  if (!f.is_data)
    return;
  if (counters_.messages)
    counters_.messages->fetch_add(1, std::memory_order_relaxed);
  if (counters_.bytes)
    counters_.bytes->fetch_add(f.body->size(), std::memory_order_relaxed);
}

void frame_writer::pop_front_locked() {
  auto& f = frames_[head_];
  if (f.is_data)
    queued_bytes_ -= std::min(queued_bytes_, f.body->size());
  f.body.reset();
  f.ctl.clear();
  ++head_;
  sent_ = 0;
  forget_locked(1);
  if (head_ == frames_.size()) {
    frames_.clear();
    head_ = 0;
    if (frames_.capacity() > 64)
      std::vector<out_frame>{}.swap(frames_);
  }
}

/// Under mtx_: drops what waits; a frame partly on the wire stays when
/// `keep_partial` (the stream must stay a valid WebSocket stream for the
/// close frame that follows).
void frame_writer::drop_queue_locked(bool keep_partial) {
  std::size_t keep = keep_partial && sent_ > 0 && head_ < frames_.size() ? 1 : 0;
  auto dropped = frames_.size() - head_ - keep;
  if (keep) {
    auto partial = std::move(frames_[head_]);
    frames_.clear();
    frames_.push_back(std::move(partial));
    queued_bytes_ = frames_.front().is_data ? frames_.front().body->size() : 0;
  } else {
    frames_.clear();
    queued_bytes_ = 0;
    sent_ = 0;
  }
  head_ = 0;
  if (frames_.capacity() > 64)
    frames_.shrink_to_fit();
  forget_locked(dropped);
}

void frame_writer::forget_locked(std::size_t frames) {
  if (counters_.backlog && frames > 0)
    counters_.backlog->fetch_sub(static_cast<std::int64_t>(frames),
                                 std::memory_order_relaxed);
}

void frame_writer::detach() {
  std::lock_guard<std::mutex> guard{mtx_};
  detached_ = true;
  attached_ = false;
  fd_ = -1;
  drop_queue_locked(false);
}

bool frame_writer::close_written() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return close_written_;
}

std::size_t frame_writer::queued_frames() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return frames_.size() - head_;
}

std::size_t frame_writer::queued_bytes() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return queued_bytes_;
}

} // namespace proctord::net::ws
