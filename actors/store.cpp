#include "actors/store.hpp"

#include "protocol/event_log.hpp"
#include "protocol/native_codec.hpp"

#include <spdlog/spdlog.h>

#include <optional>

namespace proctord {

namespace {

namespace event_log = protocol::event_log;

/// The index of the submission in `ws` that `e` announces, or -1.
std::int32_t submission_of(const persistence::write_set& ws,
                           const protocol::evt::user_submitted& e) {
  for (std::size_t i = 0; i < ws.submissions.size(); ++i) {
    const auto& s = ws.submissions[i];
    if (s.user_id == e.user_id && s.submitted_at == e.submission_time
        && s.code == e.code && s.language == e.language)
      return static_cast<std::int32_t>(i);
  }
  return -1;
}

/// The deprecated events_atom's answer: each stored event as the native
/// frame a room sends, with its seq (a replayed frame equals the live one).
std::vector<persistence::event_record>
to_native_frames(std::vector<persistence::event_record> events,
                 const std::string& room_id) {
  for (auto& rec : events) {
    std::string why;
    if (auto e = event_log::decode(rec.payload, &why)) {
      rec.payload = protocol::native::encode(*e,
                                             static_cast<std::uint64_t>(rec.seq));
    } else {
      // The migration guarantees the encoding; this is a damaged row. Sent
      // as it is, a client ignores it as an unknown frame.
      spdlog::error("store cannot decode event {} of room {}: {}", rec.seq,
                    room_id, why);
    }
  }
  return events;
}

void flush(store_actor::stateful_pointer<store_state> self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.pending.empty())
    return;
  auto batch = std::move(st.pending);
  st.pending.clear();
  std::vector<caf::error> outcome(batch.size());
  try {
    st.db->begin();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        st.db->apply(batch[i].first);
      } catch (const persistence::store_error& e) {
        spdlog::error("store rejects a write set: {}", e.what());
        outcome[i] = make_error(protocol::error_code::store_unavailable);
      }
    }
    st.db->commit();
    ++st.transactions;
    st.write_sets += batch.size();
  } catch (const std::exception& e) {
    spdlog::error("store fails to commit {} write sets: {}", batch.size(),
                  e.what());
    st.db->rollback();
    for (auto& [ws, rp] : batch)
      rp.deliver(make_error(protocol::error_code::store_unavailable));
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (outcome[i])
      batch[i].second.deliver(std::move(outcome[i]));
    else
      batch[i].second.deliver(committed_atom::value);
  }
}

} // namespace

store_actor::behavior_type
store(store_actor::stateful_pointer<store_state> self,
      std::shared_ptr<persistence::backend> db) {
  self->state.db = std::move(db);
  // Shutdown: commit what is queued, then exit.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
  return {
    [=](persistence::write_set& ws) -> caf::typed_response_promise<committed_atom> {
      auto rp = self->make_response_promise<committed_atom>();
      if (std::string why; !to_event_log(ws, why)) {
        spdlog::error("store rejects a write set: {}", why);
        rp.deliver(make_error(protocol::error_code::store_unavailable));
        return rp;
      }
      self->state.pending.emplace_back(std::move(ws), rp);
      if (!self->state.flush_scheduled) {
        self->state.flush_scheduled = true;
        self->send(self, flush_atom::value);
      }
      return rp;
    },
    [=](rooms_atom) -> caf::result<std::vector<persistence::room_record>> {
      try {
        return self->state.db->load_rooms();
      } catch (const std::exception& e) {
        spdlog::error("store fails to load rooms: {}", e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    [=](snapshot_atom, const std::string& room_id)
      -> caf::result<persistence::room_snapshot> {
      try {
        auto& db = *self->state.db;
        // The caller has the room row already (from rooms_atom).
        persistence::room_snapshot snap;
        snap.members = db.load_members(room_id);
        snap.pending = db.load_pending_join_attempts(room_id);
        snap.keys = db.load_idempotency_keys(room_id);
        snap.last_seq = db.last_seq(room_id);
        return snap;
      } catch (const std::exception& e) {
        spdlog::error("store fails to load room {}: {}", room_id, e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    // Deprecated: rooms will ask the store reader (actors/store_reader.hpp)
    // with a replay_query instead; remove once actors/room.cpp does.
    [=](events_atom, const std::string& room_id, std::int64_t after,
        std::uint64_t limit) -> caf::result<std::vector<persistence::event_record>> {
      try {
        return to_native_frames(
          self->state.db->load_events(room_id, after, limit), room_id);
      } catch (const std::exception& e) {
        spdlog::error("store fails to load events of {}: {}", room_id,
                      e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    [=](flush_atom) { flush(self); },
  };
}

bool to_event_log(persistence::write_set& ws, std::string& why) {
  for (auto& rec : ws.events) {
    std::optional<protocol::event> e;
    try {
      e = event_log::decode(rec.payload);
      if (!e)
        e = event_log::decode_legacy_native(rec.payload, &why);
      if (!e) {
        why = "event " + std::to_string(rec.seq) + " of room " + rec.room_id
              + " is in no known encoding: " + why;
        return false;
      }
      if (auto* s = std::get_if<protocol::evt::user_submitted>(&*e);
          s && rec.submission_index < 0) {
        rec.submission_index = submission_of(ws, *s);
        if (rec.submission_index >= 0) {
          // Stored once, in its submissions row; the replay fills it back.
          s->code.clear();
          s->language.clear();
        }
      }
      rec.payload = event_log::encode(*e);
    } catch (const std::exception& x) { // std::bad_alloc, a bad enum value
      why = x.what();
      return false;
    }
  }
  return true;
}

} // namespace proctord
