#include "actors/socketio/live.hpp"

#include "protocol/socketio/auth.hpp"

#include <charconv>
#include <random>

namespace proctord {

std::optional<live_hello> authenticate(const sio_join& j,
                                       const protocol::token_config& tokens) {
  auto auth = protocol::socketio::parse_connect_auth(j.auth);
  const std::string& token = !auth.token.empty() ? auth.token : j.token;
  if (token.empty())
    return std::nullopt;
  auto verified = protocol::verify_token(token, tokens);
  auto* who = std::get_if<protocol::identity>(&verified);
  if (who == nullptr || who->user_id.empty())
    return std::nullopt;
  live_hello hello;
  hello.who = std::move(*who);
  hello.pid = std::move(auth.pid);
  if (auth.offset) {
    // Offsets are the decimal seqs this server sent; anything else is not
    // one of ours and recovers nothing.
    std::int64_t seq = 0;
    const auto& s = *auth.offset;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
    if (ec == std::errc{} && end == s.data() + s.size() && seq >= 0)
      hello.offset = seq;
  }
  return hello;
}

std::string new_pid() {
  static constexpr char hex[] = "0123456789abcdef";
  std::random_device urandom{"/dev/urandom"};
  std::string out;
  out.reserve(32);
  // One byte from each draw: no assumption on how many bits are random.
  for (int i = 0; i < 16; ++i) {
    auto b = static_cast<unsigned>(urandom() & 0xFF);
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xF]);
  }
  return out;
}

// -- pid_table -----------------------------------------------------------------

void pid_table::load(const std::vector<persistence::live_pid_record>& rows,
                     std::string_view domain, std::int64_t now) {
  for (const auto& r : rows) {
    if (r.domain != domain)
      continue;
    entry e;
    e.room_id = r.room_id;
    e.user_id = r.user_id;
    e.sid = r.sid;
    e.monitor = r.monitor;
    e.connected = false;
    // Stored as connected: it was when the previous run ended.
    e.disconnected_at = r.disconnected_at != 0 ? r.disconnected_at : now;
    pids_[r.pid] = std::move(e);
  }
}

std::optional<pid_table::entry>
pid_table::claim(const std::string& pid, const std::string& user_id,
                 std::int64_t now, std::chrono::milliseconds window) {
  auto i = pids_.find(pid);
  if (i == pids_.end() || i->second.user_id != user_id)
    return std::nullopt;
  auto& e = i->second;
  // A pid whose socket still looks connected is claimed by the same user
  // coming back before its old transport was noticed dead: allowed, the
  // domain replaces the old socket.
  if (!e.connected && now - e.disconnected_at > window.count())
    return std::nullopt;
  e.connected = true;
  e.disconnected_at = 0;
  return e;
}

void pid_table::seated(const std::string& pid, entry e) {
  e.connected = true;
  e.disconnected_at = 0;
  pids_[pid] = std::move(e);
}

void pid_table::dropped(const std::string& pid, std::int64_t at) {
  auto i = pids_.find(pid);
  if (i == pids_.end())
    return;
  i->second.connected = false;
  i->second.disconnected_at = at;
}

void pid_table::forget(const std::string& pid) {
  pids_.erase(pid);
}

std::vector<std::string> pid_table::expire(std::int64_t now,
                                           std::chrono::milliseconds window) {
  std::vector<std::string> out;
  for (auto i = pids_.begin(); i != pids_.end();) {
    if (!i->second.connected && now - i->second.disconnected_at > window.count()) {
      out.push_back(i->first);
      i = pids_.erase(i);
    } else {
      ++i;
    }
  }
  return out;
}

const pid_table::entry* pid_table::find(const std::string& pid) const {
  auto i = pids_.find(pid);
  return i == pids_.end() ? nullptr : &i->second;
}

persistence::live_pid_record pid_row(std::string_view domain,
                                     const std::string& pid,
                                     const pid_table::entry& e) {
  persistence::live_pid_record r;
  r.pid = pid;
  r.domain = std::string{domain};
  r.room_id = e.room_id;
  r.user_id = e.user_id;
  r.sid = e.sid;
  r.monitor = e.monitor;
  r.disconnected_at = e.connected ? 0 : e.disconnected_at;
  return r;
}

// -- events --------------------------------------------------------------------

bool addressed(const persistence::live_event_record& e,
               std::string_view user_id, bool monitor) {
  using persistence::live_audience;
  switch (e.audience) {
    case live_audience::all:
      return true;
    case live_audience::all_but:
      return e.user_id != user_id;
    case live_audience::only:
      return e.user_id == user_id;
    case live_audience::monitors:
      return monitor;
  }
  return false;
}

protocol::socketio::out::emit to_emit(const persistence::live_event_record& e) {
  protocol::socketio::out::emit out;
  out.name = e.name;
  out.args = e.args;
  out.offset = std::to_string(e.seq);
  return out;
}

// -- live_log ------------------------------------------------------------------

live_log::live_log(std::string domain, std::string room_id,
                   std::int64_t last_seq, std::size_t keep)
  : domain_(std::move(domain)),
    room_id_(std::move(room_id)),
    next_seq_(last_seq + 1),
    committed_seq_(last_seq),
    floor_(last_seq),
    keep_(keep == 0 ? 1 : keep) {
}

persistence::live_event_record
live_log::append(persistence::write_set& ws, persistence::live_audience to,
                 std::string user_id, std::string_view name, std::string args,
                 std::int64_t at) {
  persistence::live_event_record e;
  e.domain = domain_;
  e.room_id = room_id_;
  e.seq = next_seq_++;
  e.audience = to;
  e.user_id = std::move(user_id);
  e.name = std::string{name};
  e.args = std::move(args);
  e.at = at;
  ws.live_events.push_back(e);
  return e;
}

void live_log::committed(const persistence::live_event_record& e) {
  if (e.seq <= committed_seq_)
    return; // already known (a write set committed twice is not ours)
  // Commits arrive in seq order (one store, answered in order); a gap means
  // a write set failed and its seqs were never stored.
  committed_seq_ = e.seq;
  recent_.push_back(e);
  while (recent_.size() > keep_) {
    floor_ = recent_.front().seq;
    recent_.pop_front();
  }
}

std::optional<std::vector<persistence::live_event_record>>
live_log::since(std::int64_t offset) const {
  if (offset < floor_)
    return std::nullopt; // some of them are only in the store
  std::vector<persistence::live_event_record> out;
  for (const auto& e : recent_)
    if (e.seq > offset)
      out.push_back(e);
  return out;
}

persistence::live_replay_query live_log::query(std::int64_t offset) const {
  persistence::live_replay_query q;
  q.domain = domain_;
  q.room_id = room_id_;
  q.after_seq = offset;
  return q;
}

} // namespace proctord
