// The contest dialect (seed 001) as a load client speaks it.
//
// There are no hosts: before the ramp the dialect creates the contest over
// HTTP with an admin token (or takes contest.id) and publishes its id to
// the one room slot. Each participant connects to /ws/contest, sends
// join_contest and is in once contest_state arrives. When the window
// starts the dialect POSTs /start (unless contest.start is false: someone
// else starts it). On each question_broadcast a participant schedules one
// submit_answer after a think time; submission_result is its ack. Every
// timer_update is timed against its due time (endsAt − remaining s) on the
// realtime clock. The run's window ends when every participant has had
// contest_end. leaderboard_update, the most frequent frame, is counted
// without being parsed.

#include "contest_dialect.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <deque>
#include <random>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace proctord::load {

namespace {

using json = nlohmann::json;

/// The value of the envelope's "event" (the only key of that name).
std::string_view event_of(std::string_view frame) {
  constexpr std::string_view pattern = R"("event":")";
  auto at = frame.find(pattern);
  if (at == std::string_view::npos)
    return {};
  auto start = at + pattern.size();
  auto end = frame.find('"', start);
  return end == std::string_view::npos ? std::string_view{}
                                       : frame.substr(start, end - start);
}

/// A time the server wrote: ISO-8601 text or epoch milliseconds; -1 if
/// neither.
std::int64_t millis_of(const json& v) {
  if (v.is_number_integer())
    return v.get<std::int64_t>();
  if (v.is_string())
    if (auto ms = parse_iso_ms(v.get_ref<const std::string&>()))
      return *ms;
  return -1;
}

const json& field(const json& j, const char* key) {
  static const json null;
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}

class contest_session : public dialect_session {
public:
  explicit contest_session(client_spec spec)
    : spec_(std::move(spec)),
      rng_(std::hash<std::string>{}(spec_.user_id) ^ (spec_.user_index * 7919)) {}

  void on_open(session_io& io, bool /*reconnect*/) override {
    in_ = false;
    opened_at_ = io.now_ns();
    io.send(json({{"event", "join_contest"},
                  {"data", {{"contestId", spec_.room->id()}}}})
              .dump());
  }

  void on_text(session_io& io, std::string_view frame) override {
    auto at_us = io.wall_us(); // before any parsing
    auto event = event_of(frame);
    if (event == "leaderboard_update") {
      io.delivered(tally::leaderboard);
      return;
    }
    if (event == "pong")
      return;
    auto j = json::parse(frame, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("data")
        || !j["data"].is_object()) {
      io.error("unparsable frame");
      return;
    }
    const json& data = j["data"];
    if (event == "timer_update")
      tick(io, data, at_us);
    else if (event == "question_broadcast")
      question(io, data);
    else if (event == "submission_result")
      result(io, data);
    else if (event == "contest_state")
      state(io, data);
    else if (event == "contest_end")
      end(io);
    else if (event == "error")
      refused(io, data.value("code", std::string{"?"}));
    // contest_start, question_change, contest_paused and contest_resumed
    // change nothing a load client keeps.
  }

  bool act(session_io& io, action a) override {
    if (a == action::heartbeat) {
      io.send(R"({"event":"ping","data":{}})");
      return true;
    }
    if (a != action::submit || !in_ || to_answer_.empty())
      return false;
    auto q = std::move(to_answer_.front());
    to_answer_.pop_front();
    if (!answered_.insert(q.id).second)
      return true; // answered before a reconnect
    auto& plan = spec_.plan->contest;
    std::string answer;
    if (q.options.empty()) {
      answer = chance(plan.correct_fraction) ? "A" : "B";
    } else {
      std::uniform_int_distribution<std::size_t> other(
        q.options.size() > 1 ? 1 : 0, q.options.size() - 1);
      answer = q.options[chance(plan.correct_fraction) ? 0 : other(rng_)];
    }
    io.send(json({{"event", "submit_answer"},
                  {"data",
                   {{"contestId", spec_.room->id()},
                    {"questionId", q.id},
                    {"answer", answer},
                    {"idempotencyKey", spec_.user_id + "/" + q.id}}}})
              .dump());
    outstanding_.push_back({q.id, io.now_ns()});
    io.expect(tally::answer_ack, 1);
    return true;
  }

private:
  struct open_question {
    std::string id;
    std::vector<std::string> options;
  };
  struct sent_answer {
    std::string question_id;
    std::int64_t at_ns;
  };

  bool chance(double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }

  void state(session_io& io, const json& data) {
    if (!in_) {
      io.record(latency_kind::join, io.now_ns() - opened_at_);
      if (!joined_once_) {
        joined_once_ = true;
        io.expect(tally::contest_end, 1);
        const auto& total = field(data, "totalQuestions");
        if (total.is_number_integer())
          io.expect(tally::question, total.get<std::int64_t>());
      }
      in_ = true;
      io.in_room();
    }
    const auto& you = field(data, "you");
    if (you.is_object())
      if (auto a = you.find("answered"); a != you.end() && a->is_array())
        for (auto& id : *a)
          if (id.is_string())
            answered_.insert(id.get<std::string>());
    // Joined while a question is open: answer it too.
    const auto& current = field(data, "currentQuestion");
    if (current.is_object()) {
      auto id = current.value("questionId", std::string{});
      auto remaining = field(data, "remaining");
      if (!id.empty() && remaining.is_number_integer()) {
        joined_during_ = id;
        joined_remaining_ = remaining.get<std::int64_t>();
        if (!answered_.count(id))
          schedule(io, current, remaining.get<double>());
      }
    }
  }

  void question(session_io& io, const json& data) {
    io.delivered(tally::question);
    auto limit = field(data, "timeLimit");
    if (!limit.is_number_integer()) {
      io.error("question_broadcast without timeLimit");
      return;
    }
    // Tick k of a question is due at endsAt − k s, k = timeLimit … 1. Of
    // the question that was open when we joined, only those still to come
    // (the current one may have gone out before the join).
    auto ticks = limit.get<std::int64_t>();
    if (data.value("questionId", std::string{}) == joined_during_)
      ticks = std::max<std::int64_t>(0, joined_remaining_ - 1);
    io.expect(tally::timer_tick, ticks);
    schedule(io, data, limit.get<double>());
  }

  /// One answer to `q`, after a think time within `seconds`.
  void schedule(session_io& io, const json& q, double seconds) {
    open_question oq{q.value("questionId", std::string{}), {}};
    if (oq.id.empty() || answered_.count(oq.id))
      return;
    if (auto o = q.find("options"); o != q.end() && o->is_array())
      for (auto& v : *o)
        if (v.is_string())
          oq.options.push_back(v.get<std::string>());
    auto& plan = spec_.plan->contest;
    std::uniform_real_distribution<double> think(plan.think_min, plan.think_max);
    auto delay = static_cast<std::int64_t>(think(rng_) * seconds * 1e9);
    to_answer_.push_back(std::move(oq));
    io.after(delay, action::submit);
  }

  void tick(session_io& io, const json& data, std::int64_t at_us) {
    io.delivered(tally::timer_tick);
    auto qid = data.value("questionId", std::string{});
    const auto& remaining = field(data, "remaining");
    auto ends_ms = millis_of(field(data, "endsAt"));
    if (qid.empty() || !remaining.is_number_integer() || ends_ms < 0) {
      io.error("timer_update without questionId, remaining or endsAt");
      return;
    }
    auto k = remaining.get<std::int32_t>();
    auto due_us = ends_ms * 1000 - static_cast<std::int64_t>(k) * 1'000'000;
    io.timer_tick(qid, k, due_us, at_us);
    io.record(latency_kind::tick, (at_us - due_us) * 1000);
  }

  void result(session_io& io, const json& data) {
    io.delivered(tally::answer_ack);
    auto qid = data.value("questionId", std::string{});
    for (auto it = outstanding_.begin(); it != outstanding_.end(); ++it)
      if (it->question_id == qid) {
        io.record(latency_kind::ack, io.now_ns() - it->at_ns);
        outstanding_.erase(it);
        break;
      }
    if (!data.value("accepted", true))
      io.error("answer not accepted");
  }

  /// An error while an answer is unacknowledged is that answer's refusal
  /// (the server answers each frame in order); any other is just counted.
  void refused(session_io& io, const std::string& code) {
    if (outstanding_.empty() || code == "INVALID_EVENT") {
      io.error("ERROR:" + code);
      return;
    }
    outstanding_.pop_front();
    io.expect(tally::answer_ack, -1);
    io.delivered(tally::answer_refused);
    io.error("refused:" + code);
  }

  void end(session_io& io) {
    if (!ended_) {
      ended_ = true;
      io.delivered(tally::contest_end);
    }
    to_answer_.clear();
  }

  client_spec spec_;
  std::mt19937_64 rng_;
  bool in_ = false;
  bool joined_once_ = false;
  bool ended_ = false;
  std::int64_t opened_at_ = 0;
  std::string joined_during_; // the question open at the join, if any
  std::int64_t joined_remaining_ = 0;
  std::deque<open_question> to_answer_;  // scheduled, in due order
  std::set<std::string> answered_;       // question ids
  std::deque<sent_answer> outstanding_;  // sent, not acknowledged
};

class contest_dialect : public dialect {
public:
  std::string_view name() const override { return "contest"; }

  std::string check(const scenario& s) const override {
    if (s.rooms != 1)
      return "the contest dialect runs one contest (rooms must be 1)";
    if (s.hosts_per_room != 0)
      return "the contest dialect has no hosts (hostsPerRoom must be 0)";
    if (s.participants_per_room == 0)
      return "the contest dialect needs participants (participantsPerRoom)";
    auto& p = s.participant;
    if (p.announce.enabled() || p.code_change.enabled() || p.violation.enabled()
        || p.submit.enabled() || p.cursor.enabled() || s.host.announce.enabled()
        || s.host.cursor.enabled())
      return "in the contest dialect participants answer the questions as "
             "they come: only participant.heartbeat (ping) has a rate";
    auto& c = s.contest;
    if (c.id.empty() && c.start
        && s.duration_seconds < static_cast<double>(c.questions * c.time_limit_seconds))
      return "durationSeconds (" + std::to_string(s.duration_seconds)
             + ") is shorter than the contest (contest.questions × "
               "contest.timeLimitSeconds = "
             + std::to_string(c.questions * c.time_limit_seconds) + " s)";
    return {};
  }

  std::string target(const scenario& s, const std::string& token) const override {
    auto path = s.url.path;
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "token="
           + token;
  }

  std::unique_ptr<dialect_session> make_session(client_spec spec) const override {
    return std::make_unique<contest_session>(std::move(spec));
  }

  void before_ramp(run_context& ctx) override {
    auto& c = ctx.plan.contest;
    id_ = c.id;
    if (id_.empty()) {
      auto reply = ctx.http.call("POST", "/api/contests", ctx.admin_token,
                                 contest_body(ctx.plan));
      auto j = json::parse(reply.body, nullptr, false);
      if (reply.status != 201 || !j.is_object() || !j.contains("contestId")
          || !j["contestId"].is_string())
        throw std::runtime_error(
          "POST /api/contests: "
          + (reply.status ? "status " + std::to_string(reply.status) + " "
                              + reply.body.substr(0, 300)
                          : reply.error));
      id_ = j["contestId"].get<std::string>();
      std::fprintf(stderr, "proctor-load: created contest %s (%zu questions x %zu s)\n",
                   id_.c_str(), c.questions, c.time_limit_seconds);
    }
    for (auto& room : ctx.rooms)
      room.publish(id_);
  }

  void after_ramp(run_context&, std::uint64_t in, std::uint64_t target) override {
    // A fixed line on stderr, even with --quiet: tools/bench/timer_spread.mjs
    // waits for it from every process before it starts the contest.
    std::fprintf(stderr, "proctor-load: ready %llu/%llu joined contest %s\n",
                 static_cast<unsigned long long>(in),
                 static_cast<unsigned long long>(target), id_.c_str());
    std::fflush(stderr);
  }

  std::string window_starts(run_context& ctx) override {
    if (!ctx.plan.contest.start)
      return {};
    auto reply = ctx.http.call("POST", "/api/contests/" + id_ + "/start",
                               ctx.admin_token, "");
    if (reply.status == 200)
      return {};
    return "POST /api/contests/:id/start: "
           + (reply.status ? "status " + std::to_string(reply.status) : reply.error);
  }

  std::optional<tally> ends_with() const override { return tally::contest_end; }

private:
  std::string id_;
};

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  auto era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  auto doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

std::unique_ptr<dialect> make_contest_dialect() {
  return std::make_unique<contest_dialect>();
}

std::string contest_body(const scenario& s) {
  auto& c = s.contest;
  json questions = json::array();
  for (std::size_t i = 1; i <= c.questions; ++i)
    questions.push_back({{"id", "q" + std::to_string(i)},
                         {"text", "load question " + std::to_string(i)},
                         {"options", {"A", "B", "C", "D"}},
                         {"answer", "A"},
                         {"points", c.points},
                         {"timeLimit", c.time_limit_seconds}});
  return json({{"title", s.name.empty() ? "load contest" : "load " + s.name},
               {"questions", questions},
               {"scoring", c.scoring}})
    .dump();
}

std::optional<std::int64_t> parse_iso_ms(std::string_view t) noexcept {
  auto num = [&](std::size_t at, std::size_t len, int& out) {
    if (at + len > t.size())
      return false;
    auto [end, ec] = std::from_chars(t.data() + at, t.data() + at + len, out);
    return ec == std::errc{} && end == t.data() + at + len;
  };
  int y, mo, d, h, mi, s = 0;
  if (!num(0, 4, y) || t.size() < 16 || t[4] != '-' || !num(5, 2, mo) || t[7] != '-'
      || !num(8, 2, d) || t[10] != 'T' || !num(11, 2, h) || t[13] != ':'
      || !num(14, 2, mi))
    return std::nullopt;
  std::size_t at = 16;
  std::int64_t ms = 0;
  if (at < t.size() && t[at] == ':') {
    if (!num(at + 1, 2, s))
      return std::nullopt;
    at += 3;
    if (at < t.size() && t[at] == '.') {
      std::size_t digits = 0;
      for (++at; at < t.size() && t[at] >= '0' && t[at] <= '9'; ++at, ++digits)
        if (digits < 3)
          ms = ms * 10 + (t[at] - '0');
      if (digits == 0)
        return std::nullopt;
      for (; digits < 3; ++digits)
        ms *= 10;
    }
  }
  std::int64_t offset_min = 0;
  if (at < t.size() && t[at] == 'Z') {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    int oh, om;
    if (!num(at + 1, 2, oh) || at + 3 >= t.size() || t[at + 3] != ':'
        || !num(at + 4, 2, om))
      return std::nullopt;
    offset_min = (t[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != t.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59
      || s > 60)
    return std::nullopt;
  auto days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  auto secs = days * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + ms;
}

} // namespace proctord::load
