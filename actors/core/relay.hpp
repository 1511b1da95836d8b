#pragma once
// The relay: one delivery actor per node (or a few, see relay_config). Rooms
// send it envelopes of typed events; it looks the recipients up among the
// node's sockets, encodes the event once per dialect present among them, and
// hands the same buffer to every socket of that dialect. Every frame that an
// actor sends a client goes this way, so a client's frames keep the order in
// which its rooms and its connection actor produced them.
//
// When it falls behind it batches: a socket's frames from the messages that
// queued up go out together (relay.cpp, "Batches").
//
// The socket table is node-local and shared with the doors, which add a
// socket at the upgrade and remove it when it closes (on Asio threads): it is
// a lock-protected map, never a message, because sockets cannot cross nodes.

#include "actors/core/envelope.hpp"
#include "actors/core/sio_envelope.hpp"
#include "net/server.hpp"

#include <caf/actor_clock.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace proctord {

/// The wire dialect a socket speaks: which codec turns its events into
/// frames.
enum class dialect : std::uint8_t { native, contest, socketio };

/// The node's sockets by connection id. Thread-safe.
class socket_registry {
public:
  /// A fresh id for a new connection (never 0).
  std::uint64_t next_id() { return ++last_id_; }

  void add(std::uint64_t id, const std::shared_ptr<net::outbound>& out,
           dialect d);
  void remove(std::uint64_t id);
  std::size_t size() const;

  struct target {
    std::shared_ptr<net::outbound> out;
    dialect d = dialect::native;
  };

  /// The sockets of `to` that are still open, under one lock.
  void find(const std::vector<recipient>& to, std::vector<target>& found) const;

  /// Calls fn(i, target) for each recipient to[i] whose socket is open
  /// (outside the lock).
  void find_each(const std::vector<recipient>& to,
                 const std::function<void(std::size_t, const target&)>& fn) const;

  /// The relay's estimate of how long an event handed to it now would wait
  /// before it is written: its backlog times its recent pace, 0 while it
  /// keeps up. When the node is short of CPU the backlog sits there, not in
  /// the sockets' queues; doors shed live-only messages while it is high.
  std::chrono::nanoseconds relay_wait() const noexcept {
    return std::chrono::nanoseconds{relay_wait_ns_.load(std::memory_order_relaxed)};
  }
  void set_relay_wait(std::chrono::nanoseconds w) noexcept {
    relay_wait_ns_.store(w.count(), std::memory_order_relaxed);
  }

private:
  struct entry {
    std::weak_ptr<net::outbound> out;
    dialect d = dialect::native;
  };
  mutable std::mutex mtx_;
  std::unordered_map<std::uint64_t, entry> sockets_;
  std::atomic<std::uint64_t> last_id_{0};
  std::atomic<std::int64_t> relay_wait_ns_{0};
};

/// The relay to itself: write the frames held while messages queued.
using relay_flush_atom = caf::atom_constant<caf::atom("rflush")>;

/// Writes events and close orders to the sockets of its node.
using relay_actor = caf::typed_actor<
  // Encode once per dialect, write to every recipient still connected.
  caf::reacts_to<envelope>,
  // The same for the contest dialect's events (with per-recipient parts).
  caf::reacts_to<contest_envelope>,
  // Socket.IO packets for namespace sockets (and their binary attachments).
  caf::reacts_to<sio_envelope>,
  // Close a connection after what was sent to it before.
  caf::reacts_to<close_order>,
  // Its own: write what it held (relay.cpp, "Batches").
  caf::reacts_to<relay_flush_atom>>;

struct relay_state {
  static constexpr const char* name = "relay";
  std::shared_ptr<socket_registry> sockets;
  std::vector<socket_registry::target> found; // reused between envelopes
  // Its pace (relay.cpp, pace()): when the last message began, whether
  // others waited behind it, and the recent time per message.
  caf::actor_clock::time_point last_start{};
  bool busy = false;
  double ns_per_message = 0;
  // Frames held for one batch per socket while messages queue behind the
  // one at hand (relay.cpp, "Batches"), in the order they were held.
  struct held_frames {
    std::shared_ptr<net::outbound> out;
    std::vector<net::batch_frame> frames;
  };
  std::vector<held_frames> held;
  std::unordered_map<const net::outbound*, std::size_t> held_at;
  bool flush_due = false; // a relay_flush_atom is in the mailbox
};

relay_actor::behavior_type
relay(relay_actor::stateful_pointer<relay_state> self,
      std::shared_ptr<socket_registry> sockets);

} // namespace proctord
