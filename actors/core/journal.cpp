#include "actors/core/journal.hpp"

#include "protocol/event_log.hpp"

namespace proctord {

void journal::stage(step& s, std::string audience, std::string user_id,
                    protocol::event e, protocol::millis now) {
  auto seq = ++last_seq;
  persistence::event_record rec;
  rec.room_id = room_id;
  rec.seq = seq;
  rec.audience = audience;
  rec.user_id = user_id;
  rec.payload = protocol::event_log::encode(e);
  rec.created_at = now;
  s.ws.events.push_back(std::move(rec));
  s.out.push_back(journal_entry{seq, std::move(audience), std::move(user_id),
                                std::move(e)});
}

bool journal::busy(const std::string& subject) const {
  auto i = subjects_.find(subject);
  return i != subjects_.end() && i->second.holds > 0;
}

void journal::when_free(const std::string& subject, std::function<void()> fn) {
  auto i = subjects_.find(subject);
  if (i == subjects_.end() || (i->second.holds == 0 && i->second.waiting.empty())) {
    fn();
    return;
  }
  i->second.waiting.push_back(std::move(fn));
}

void journal::hold(const std::string& subject) {
  ++subjects_[subject].holds;
}

void journal::release(const std::string& subject) {
  auto i = subjects_.find(subject);
  if (i == subjects_.end())
    return;
  if (--i->second.holds > 0)
    return;
  while (!subjects_[subject].waiting.empty() && !busy(subject)) {
    auto& st = subjects_[subject];
    auto fn = std::move(st.waiting.front());
    st.waiting.pop_front();
    fn();
  }
  if (auto j = subjects_.find(subject);
      j != subjects_.end() && j->second.holds == 0 && j->second.waiting.empty())
    subjects_.erase(j);
}

} // namespace proctord
