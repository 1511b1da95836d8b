#include "scenario.hpp"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw scenario_error(path.empty() ? what : path + ": " + what);
}

std::string join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

/// Reads one JSON object, remembering which keys were used, so that any
/// key left over (a typo) is reported.
class object_reader {
public:
  object_reader(const json& j, std::string path)
    : j_(j), path_(std::move(path)) {
    if (!j_.is_object())
      fail(path_, "must be an object, got " + std::string(j_.type_name()));
  }

  const json* get(const std::string& key) {
    known_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }

  std::string path(const std::string& key) const { return join(path_, key); }

  template <class T>
  void number(const std::string& key, T& out, double lo, double hi) {
    auto v = get(key);
    if (!v)
      return;
    if (!v->is_number())
      fail(path(key), "must be a number, got " + v->dump());
    auto d = v->get<double>();
    if constexpr (std::is_integral_v<T>)
      if (!v->is_number_integer() && !v->is_number_unsigned())
        fail(path(key), "must be a whole number, got " + v->dump());
    if (!(d >= lo && d <= hi)) {
      std::ostringstream os;
      os << "must be between " << lo << " and " << hi << ", got " << v->dump();
      fail(path(key), os.str());
    }
    out = static_cast<T>(d);
  }

  void boolean(const std::string& key, bool& out) {
    if (auto v = get(key)) {
      if (!v->is_boolean())
        fail(path(key), "must be true or false, got " + v->dump());
      out = v->get<bool>();
    }
  }

  void string(const std::string& key, std::string& out, bool required = false) {
    auto v = get(key);
    if (!v) {
      if (required)
        fail(path(key), "is required");
      return;
    }
    if (!v->is_string())
      fail(path(key), "must be a string, got " + v->dump());
    out = v->get<std::string>();
  }

  void require(const std::string& key) {
    if (!j_.contains(key))
      fail(path(key), "is required");
  }

  /// Call last: every key present must have been read.
  void no_unknown_keys() const {
    for (auto& [k, v] : j_.items()) {
      (void) v;
      if (!known_.count(k)) {
        std::string list;
        for (auto& n : known_)
          list += (list.empty() ? "" : ", ") + n;
        fail(path(k), "unknown key (known here: " + list + ")");
      }
    }
  }

private:
  const json& j_;
  std::string path_;
  std::set<std::string> known_;
};

void read_rate(object_reader& parent, const std::string& key, rate& out) {
  auto v = parent.get(key);
  if (!v)
    return;
  object_reader r(*v, parent.path(key));
  r.number("perSecond", out.per_second, 0, 100000);
  r.number("bytes", out.bytes, 0, 1 << 20);
  r.no_unknown_keys();
}

void read_role(object_reader& parent, const std::string& key, role_plan& out) {
  auto v = parent.get(key);
  if (!v)
    return;
  object_reader r(*v, parent.path(key));
  read_rate(r, "heartbeat", out.heartbeat);
  read_rate(r, "announce", out.announce);
  read_rate(r, "codeChange", out.code_change);
  read_rate(r, "violation", out.violation);
  read_rate(r, "submit", out.submit);
  read_rate(r, "cursor", out.cursor);
  r.no_unknown_keys();
}

/// "a.b.c=value": sets j["a"]["b"]["c"]; value is parsed as JSON when it
/// is valid JSON, taken as a string otherwise.
void apply_override(json& j, const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    fail("--set " + spec, "must look like key.path=value");
  auto key = spec.substr(0, eq);
  auto text = spec.substr(eq + 1);
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded())
    value = text;
  json* at = &j;
  std::size_t start = 0;
  while (true) {
    auto dot = key.find('.', start);
    auto part = key.substr(start, dot == std::string::npos ? dot : dot - start);
    if (part.empty())
      fail("--set " + spec, "empty key in the path");
    if (!at->is_object())
      fail("--set " + spec, "'" + part + "' is inside a value, not an object");
    if (dot == std::string::npos) {
      (*at)[part] = value;
      return;
    }
    at = &(*at)[part];
    if (at->is_null())
      *at = json::object();
    start = dot + 1;
  }
}

} // namespace

endpoint parse_endpoint(std::string_view url) {
  endpoint e;
  auto sep = url.find("://");
  if (sep == std::string_view::npos)
    fail("url", "must look like ws://host:port/path, got \"" + std::string(url)
                  + "\"");
  e.scheme = std::string(url.substr(0, sep));
  if (e.scheme != "ws")
    fail("url", "scheme must be ws (TLS belongs to a proxy in front), got \""
                  + e.scheme + "\"");
  auto rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  e.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty())
    fail("url", "has no host");
  std::string_view port_text;
  if (authority.front() == '[') { // [::1]:5050
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      fail("url", "unclosed [ in the host");
    e.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port_text = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port_text = authority.substr(colon + 1);
  }
  if (e.host.empty())
    fail("url", "has no host");
  if (port_text.empty()) {
    e.port = 80;
  } else {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || p == 0
        || p > 65535)
      fail("url", "bad port \"" + std::string(port_text) + "\"");
    e.port = static_cast<std::uint16_t>(p);
  }
  return e;
}

scenario parse_scenario(std::string_view json_text,
                        const std::vector<std::string>& overrides) {
  json j;
  try {
    j = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    throw scenario_error(std::string("not valid JSON: ") + e.what());
  }
  for (auto& o : overrides)
    apply_override(j, o);

  scenario s;
  object_reader r(j, "");
  r.string("name", s.name);
  r.string("description", s.description);
  r.string("dialect", s.dialect);
  std::string url;
  r.string("url", url, true);
  s.url = parse_endpoint(url);
  r.require("rooms");
  r.number("rooms", s.rooms, 1, 1000000);
  r.number("hostsPerRoom", s.hosts_per_room, 0, 1000);
  r.number("participantsPerRoom", s.participants_per_room, 0, 100000);
  r.number("rampPerSecond", s.ramp_per_second, 0.001, 1000000);
  r.number("warmupSeconds", s.warmup_seconds, 0, 86400);
  r.number("durationSeconds", s.duration_seconds, 0, 86400);
  r.number("drainSeconds", s.drain_seconds, 0, 3600);
  r.boolean("joinRooms", s.join_rooms);

  if (auto room = r.get("room")) {
    object_reader rr(*room, "room");
    rr.boolean("public", s.room_public);
    rr.boolean("start", s.room_start);
    rr.number("durationMinutes", s.room_duration_minutes, 1, 1440);
    std::size_t max_guests = 0;
    if (rr.get("maxGuests")) {
      rr.number("maxGuests", max_guests, 1, 1000);
      s.room_max_guests = max_guests;
    }
    rr.no_unknown_keys();
  }
  read_role(r, "host", s.host);
  read_role(r, "participant", s.participant);

  if (auto slow = r.get("slowReaders")) {
    object_reader sr(*slow, "slowReaders");
    sr.number("fraction", s.slow_fraction, 0, 1);
    sr.number("atSeconds", s.slow_at_seconds, 0, 86400);
    sr.no_unknown_keys();
  }
  if (auto rc = r.get("reconnect")) {
    object_reader rr(*rc, "reconnect");
    rr.number("fraction", s.reconnect_fraction, 0, 1);
    rr.number("atSeconds", s.reconnect_at_seconds, 0, 86400);
    rr.no_unknown_keys();
  }
  if (auto m = r.get("measure")) {
    object_reader mr(*m, "measure");
    std::string latency;
    mr.string("latency", latency);
    if (latency == "delivery" || latency.empty())
      s.measure = headline::delivery;
    else if (latency == "ack")
      s.measure = headline::ack;
    else if (latency == "handshake")
      s.measure = headline::handshake;
    else
      fail("measure.latency", "must be \"delivery\", \"ack\" or \"handshake\", "
                              "got \"" + latency + "\"");
    mr.boolean("serverStats", s.server_stats);
    mr.no_unknown_keys();
  }
  if (auto c = r.get("contest")) {
    object_reader cr(*c, "contest");
    auto& cp = s.contest;
    cr.string("id", cp.id);
    cr.boolean("start", cp.start);
    cr.number("questions", cp.questions, 1, 500);
    cr.number("timeLimitSeconds", cp.time_limit_seconds, 1, 3600);
    cr.number("points", cp.points, 0, 1000000);
    cr.string("scoring", cp.scoring);
    if (cp.scoring != "speed" && cp.scoring != "fixed")
      fail("contest.scoring", "must be \"speed\" or \"fixed\", got \""
                                + cp.scoring + "\"");
    if (auto t = cr.get("think")) {
      object_reader tr(*t, "contest.think");
      tr.number("minFraction", cp.think_min, 0, 1);
      tr.number("maxFraction", cp.think_max, 0, 1);
      tr.no_unknown_keys();
      if (cp.think_max < cp.think_min)
        fail("contest.think.maxFraction", "is smaller than minFraction");
    }
    cr.number("correctFraction", cp.correct_fraction, 0, 1);
    cr.boolean("recordTicks", cp.record_ticks);
    cr.no_unknown_keys();
  }
  if (auto e = r.get("exam")) {
    object_reader er(*e, "exam");
    er.number("questionCount", s.exam.question_count, 1, 10000);
    er.number("durationMinutes", s.exam.duration_minutes, 1, 7 * 24 * 60);
    er.no_unknown_keys();
  }
  r.no_unknown_keys();

  if (s.connections() == 0)
    fail("", "the scenario opens no connections (hostsPerRoom and "
             "participantsPerRoom are both 0)");
  if (s.participant.announce.enabled())
    fail("participant.announce", "only hosts announce");
  for (auto* p : {&s.host.code_change, &s.host.violation, &s.host.submit})
    if (p->enabled())
      fail("host", "hosts do not send codeChange, violation or submit");
  if (!s.join_rooms)
    for (auto* p : {&s.host.announce, &s.participant.code_change,
                    &s.participant.violation, &s.participant.submit,
                    &s.host.cursor, &s.participant.cursor})
      if (p->enabled())
        fail("joinRooms", "is false: connections in no room can only send "
                          "heartbeats");
  if (s.room_max_guests && *s.room_max_guests < s.participants_per_room)
    fail("room.maxGuests", "is smaller than participantsPerRoom");
  return s;
}

scenario load_scenario(const std::string& path,
                       const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw scenario_error(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_scenario(ss.str(), overrides);
  } catch (const scenario_error& e) {
    throw scenario_error(path + ": " + e.what());
  }
}

} // namespace proctord::load
