#pragma once
// The journal: the room machinery every domain shares. Per-room sequence
// numbers; staging a step's rows together with the events that show it;
// commit-then-publish (nothing reaches memory or a client before the store
// has committed the step); and subjects, so that a second command about the
// same member waits for the first one's commit instead of seeing state that
// is not on disk yet.
//
//   domain handler ──stage(rows, events)──▶ step ──commit──▶ store actor
//        ▲                                                      │ COMMIT
//        └── apply to memory, publish events in seq order ◀─────┘
//            (or: undo nothing, tell the caller STORE_UNAVAILABLE)
//
// A failed commit burns the sequence numbers it took: seqs stay increasing,
// with a gap no client ever saw (RESUME asks for "after n", so gaps are
// harmless).

#include "actors/interfaces.hpp"
#include "protocol/commands.hpp"

#include <caf/error.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace proctord {

/// One staged event: its seq, who receives it (the domain's audience code,
/// stored with it for replay) and the event itself.
struct journal_entry {
  std::int64_t seq = 0;
  std::string audience;
  std::string user_id; // for an audience addressed to one user
  protocol::event event;
};

/// One domain step: its rows and its events, committed together.
struct step {
  persistence::write_set ws;
  std::vector<journal_entry> out;
  /// Subjects held until the commit completes.
  std::vector<std::string> subjects;
};

/// What a domain does around a commit.
struct commit_hooks {
  /// After COMMIT, before the step's events go out: the memory changes.
  std::function<void()> apply;
  /// After the events went out (e.g. seat changes).
  std::function<void()> after;
  /// The store refused: memory stays as it was.
  std::function<void(const caf::error&)> failed;
};

class journal {
public:
  /// Sends one committed event to whoever of its audience is connected;
  /// set once by the domain actor.
  std::function<void(const journal_entry&)> publish;

  std::string room_id;
  /// The last sequence number given to a durable event.
  std::int64_t last_seq = 0;

  /// Numbers `e` with the next seq and adds it to the step's rows (in the
  /// event log encoding) and to its outbox.
  void stage(step& s, std::string audience, std::string user_id,
             protocol::event e, protocol::millis now);

  /// Runs `fn` now if no commit holds `subject`, else once the commits that
  /// hold it are done (in arrival order).
  void when_free(const std::string& subject, std::function<void()> fn);

  bool busy(const std::string& subject) const;

  /// Marks `subject` held by one more commit in flight.
  void hold(const std::string& subject);

  /// One commit that held `subject` is done: runs what waited for it, until
  /// one of those holds it again.
  void release(const std::string& subject);

  /// Commits in flight (for tests and shutdown).
  std::size_t in_flight() const { return in_flight_; }

  template <class Self>
  void commit(Self self, const store_actor& store, step s, commit_hooks hooks);

private:
  struct subject_state {
    int holds = 0;
    std::deque<std::function<void()>> waiting;
  };
  std::unordered_map<std::string, subject_state> subjects_;
  std::size_t in_flight_ = 0;
};

/// Commits `s`; once committed, applies the step to memory, publishes its
/// events in order and runs `after`; if the store fails, runs `failed`.
/// Either way the step's subjects are released afterwards, so what waited
/// for them sees the outcome. The journal lives in the actor's state, so the
/// callbacks (which run only while the actor is alive) may use it.
template <class Self>
void journal::commit(Self self, const store_actor& store, step s,
                     commit_hooks hooks) {
  for (auto& subject : s.subjects)
    hold(subject);
  ++in_flight_;
  auto out = std::make_shared<std::vector<journal_entry>>(std::move(s.out));
  auto subjects = std::make_shared<std::vector<std::string>>(
    std::move(s.subjects));
  auto h = std::make_shared<commit_hooks>(std::move(hooks));
  auto finish = [this, subjects] {
    --in_flight_;
    for (auto& subject : *subjects)
      release(subject);
  };
  self->request(store, caf::infinite, std::move(s.ws))
    .then(
      [=](committed_atom) {
        if (h->apply)
          h->apply();
        for (auto& e : *out)
          publish(e);
        if (h->after)
          h->after();
        finish();
      },
      [=](caf::error& err) {
        if (h->failed)
          h->failed(err);
        finish();
      });
}

} // namespace proctord
