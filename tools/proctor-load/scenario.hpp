#pragma once
// Scenario files: what a load run does. JSON, documented in
// tools/scenarios/README.md, examples beside it. Parsing is strict: an
// unknown key, a wrong type or a value out of range is an error that names
// the key's path, so a typo never silently turns into a default.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace proctord::load {

/// A repeated action: how often each connection of a role does it.
struct rate {
  double per_second = 0; // 0: never
  std::size_t bytes = 0; // payload size where the action carries one
  bool enabled() const noexcept { return per_second > 0; }
};

/// What every connection of one role does once it is in its room.
struct role_plan {
  rate heartbeat;
  rate announce;    // hosts: a broadcast to the room
  rate code_change; // participants: live code towards the host
  rate violation;   // participants: FULLSCREEN_EXIT / TAB_BLUR, alternating
  rate submit;      // participants: SUBMIT_CODE, acknowledged after commit
  rate cursor;      // sio-session: cursor-update (instructors and learners)
};

struct endpoint {
  std::string scheme; // "ws"
  std::string host;
  std::uint16_t port = 0;
  std::string path; // starts with '/'
};

/// The contest dialect's contest (the `contest` object).
struct contest_plan {
  /// An existing contest to join; empty: proctor-load creates one (POST
  /// /api/contests with an admin token).
  std::string id;
  bool start = true; // POST /api/contests/:id/start once everyone is in
  // The contest proctor-load creates: `questions` questions q1, q2, ...,
  // each with options A, B, C, D of which A is right.
  std::size_t questions = 3;
  std::size_t time_limit_seconds = 10;
  std::size_t points = 100;
  std::string scoring = "speed";
  /// Each participant answers each question after a think time drawn
  /// uniformly from [think_min, think_max] × the question's time limit.
  double think_min = 0.1;
  double think_max = 0.8;
  double correct_fraction = 0.5; // of answers that are A
  /// Writes every tick's first and last receipt to the JSON report.
  bool record_ticks = false;
};

/// The sio-session and sio-exam dialects' exams (the `exam` object): each
/// room is one exam, created by its first teacher (POST /api/exams).
struct exam_plan {
  std::size_t question_count = 10; // submit-answer cycles through q1..qN
  std::size_t duration_minutes = 60;
};

/// Which latency the progress line and the summary lead with.
enum class headline { delivery, ack, handshake };

struct scenario {
  std::string name;
  std::string description;
  std::string dialect = "native";
  endpoint url;
  std::size_t rooms = 1;
  std::size_t hosts_per_room = 1;
  std::size_t participants_per_room = 0;
  double ramp_per_second = 1000; // new connections per second
  double warmup_seconds = 1;     // after everyone is in, before measuring
  double duration_seconds = 10;  // the measured window
  double drain_seconds = 5;      // at most, waiting for in-flight messages
  /// false: connections only open (and heartbeat); nobody creates or joins
  /// a room. For measuring handshakes alone.
  bool join_rooms = true;
  // The room each host creates.
  bool room_public = false;
  bool room_start = true;
  std::size_t room_duration_minutes = 120;
  std::optional<std::size_t> room_max_guests; // default: participants
  role_plan host;
  role_plan participant;
  // Faults, both timed from the start of the measured window.
  double slow_fraction = 0;  // of participants that stop reading
  double slow_at_seconds = 0;
  double reconnect_fraction = 0; // of all connections that drop and resume
  double reconnect_at_seconds = 0;
  headline measure = headline::delivery;
  bool server_stats = true; // read /api/stats before and after
  contest_plan contest;      // the contest dialect only
  exam_plan exam;            // the sio-exam dialect only

  std::size_t connections() const noexcept {
    return rooms * (hosts_per_room + participants_per_room);
  }
};

class scenario_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Parses a scenario from JSON text. `overrides` are "a.b.c=value" pairs
/// (value is JSON, or a bare string) applied before validation, so scripts
/// can step one figure without copying files. Throws scenario_error with
/// the offending key's path.
scenario parse_scenario(std::string_view json_text,
                        const std::vector<std::string>& overrides = {});

/// Reads and parses a file; errors are prefixed with its path.
scenario load_scenario(const std::string& path,
                       const std::vector<std::string>& overrides = {});

/// "ws://127.0.0.1:5050/ws" → endpoint; throws scenario_error.
endpoint parse_endpoint(std::string_view url);

} // namespace proctord::load
