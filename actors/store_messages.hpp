#pragma once
// inspect() overloads for the store's replay types (persistence/records.hpp),
// so that they travel in CAF messages between a room and the store reader.
// Included by actors/messages.hpp.

#include "persistence/records.hpp"

#include <caf/meta/type_name.hpp>

namespace proctord::persistence {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_query& x) {
  return f(caf::meta::type_name("replay_query"), x.room_id, x.after_seq,
           x.user_id, x.is_host, x.was_member, x.max_events, x.max_bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_record& x) {
  return f(caf::meta::type_name("event_record"), x.room_id, x.seq, x.audience,
           x.user_id, x.payload, x.created_at, x.submission_index);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_page& x) {
  return f(caf::meta::type_name("replay_page"), x.events, x.complete,
           x.last_seq_in_log);
}

} // namespace proctord::persistence
