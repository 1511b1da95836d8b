#include "actors/store.hpp"


#include <spdlog/spdlog.h>

#include <optional>

namespace proctord {

namespace {

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
    [=](contests_atom) -> caf::result<std::vector<persistence::contest_record>> {
      try {
        return self->state.db->load_contests();
      } catch (const std::exception& e) {
        spdlog::error("store fails to load contests: {}", e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    [=](contest_atom, const std::string& id)
      -> caf::result<persistence::contest_snapshot> {
      try {
        return self->state.db->load_contest(id);
      } catch (const std::exception& e) {
        spdlog::error("store fails to load contest {}: {}", id, e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    [=](study_atom) -> caf::result<persistence::study_snapshot> {
      try {
        return self->state.db->load_study();
      } catch (const std::exception& e) {
        spdlog::error("store fails to load the public rooms: {}", e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    [=](live_atom) -> caf::result<persistence::live_snapshot> {
      try {
        return self->state.db->load_live();
      } catch (const std::exception& e) {
        spdlog::error("store fails to load the sessions and exams: {}", e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    [=](const persistence::live_replay_query& q)
      -> caf::result<std::vector<persistence::live_event_record>> {
      try {
        return self->state.db->load_live_events(q);
      } catch (const std::exception& e) {
        spdlog::error("store fails to read the log of {} {}: {}", q.domain,
                      q.room_id, e.what());
        return make_error(protocol::error_code::store_unavailable);
      }
    },
    [=](flush_atom) { flush(self); },
  };
}

} // namespace proctord
