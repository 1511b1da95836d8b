// Encoding events of the native dialect: every frame is parsed back and
// compared with the shape in protocol/README.md ("Server -> client").

#include "protocol/native_codec.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace proctord::protocol;
namespace native = proctord::protocol::native;
using json = nlohmann::json;

namespace {

constexpr millis t0 = 1706543210000; // the seed's example timestamp

json roundtrip(const event& e, std::uint64_t seq = 0) {
  auto text = native::encode(e, seq);
  INFO(text);
  // "type" comes first, so that a client can dispatch on a prefix.
  CHECK(text.rfind(R"({"type":")", 0) == 0);
  auto doc = json::parse(text, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

} // namespace

TEST_CASE("every event encodes to its README shape") {
  struct row {
    event e;
    json expected;
  };
  evt::room_status_view status;
  status.room_id = "A7x9K2";
  status.roomname = "Interview";
  status.status = room_status::live;
  status.host_id = "host1";
  status.host_name = "Admin";
  status.host_connected = true;
  status.question = "Q";
  status.duration = 60;
  status.max_guests = 5;
  status.is_public = false;
  status.created_at = t0 - 1000;
  status.started_at = t0;
  status.ends_at = t0 + 3600000;
  status.server_time = t0 + 5;
  status.connected_count = 2;
  status.your_role = member_role::host;
  status.your_status = member_status::approved;
  status.participants = {
    {"user456", "John Doe", member_status::approved, true, 2, true},
    {"user789", "Jane", member_status::pending, false, 0, false},
  };
  const row rows[] = {
    {evt::room_created{"A7x9K2", "Technical Interview - React", ""},
     {{"type", "ROOM_CREATED"},
      {"data",
       {{"roomId", "A7x9K2"},
        {"roomname", "Technical Interview - React"},
        {"message", "Room created successfully"}}}}},
    {evt::waiting_approval{"A7x9K2", ""},
     {{"type", "WAITING_APPROVAL"},
      {"message", "Waiting for host approval to join the room"},
      {"roomId", "A7x9K2"}}},
    {evt::room_created{"A7x9K2", "R", "r1.tok"},
     {{"type", "ROOM_CREATED"},
      {"data",
       {{"roomId", "A7x9K2"},
        {"roomname", "R"},
        {"message", "Room created successfully"},
        {"resumeToken", "r1.tok"}}}}},
    {evt::waiting_approval{"A7x9K2", "r1.tok"},
     {{"type", "WAITING_APPROVAL"},
      {"message", "Waiting for host approval to join the room"},
      {"roomId", "A7x9K2"},
      {"resumeToken", "r1.tok"}}},
    {evt::user_joined{"user456", "John Doe", 2, true},
     {{"type", "USER_JOINED"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"connectedCount", 2},
        {"resumed", true}}}}},
    {evt::resumed{"A7x9K2", member_role::participant, member_status::approved,
                  41, 3},
     {{"type", "RESUMED"},
      {"roomId", "A7x9K2"},
      {"role", "participant"},
      {"status", "APPROVED"},
      {"lastSeq", 41},
      {"replayed", 3}}},
    {evt::join_request{"user456", "John Doe", "uuid-here", t0},
     {{"type", "JOIN_REQUEST"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"socketId", "uuid-here"},
        {"timestamp", t0}}}}},
    {evt::join_approved{"A7x9K2", "Interview", "Implement a hook", 60, "Admin",
                        member_role::participant, room_status::waiting, 0, 0,
                        ""},
     {{"type", "JOIN_APPROVED"},
      {"data",
       {{"roomId", "A7x9K2"},
        {"roomname", "Interview"},
        {"question", "Implement a hook"},
        {"duration", 60},
        {"hostName", "Admin"},
        {"role", "participant"},
        {"status", "WAITING"},
        {"startedAt", nullptr},
        {"endsAt", nullptr}}}}},
    {evt::join_approved{"A7x9K2", "Interview", "", 30, "Admin",
                        member_role::host, room_status::live, t0,
                        t0 + 1800000, ""},
     {{"type", "JOIN_APPROVED"},
      {"data",
       {{"roomId", "A7x9K2"},
        {"roomname", "Interview"},
        {"question", ""},
        {"duration", 30},
        {"hostName", "Admin"},
        {"role", "host"},
        {"status", "LIVE"},
        {"startedAt", t0},
        {"endsAt", t0 + 1800000}}}}},
    {evt::join_rejected{"A7x9K2"},
     {{"type", "JOIN_REJECTED"},
      {"message", "The host declined your request to join the room"},
      {"roomId", "A7x9K2"}}},
    {evt::user_joined{"user456", "John Doe", 3, false},
     {{"type", "USER_JOINED"},
      {"data",
       {{"userId", "user456"}, {"username", "John Doe"}, {"connectedCount", 3}}}}},
    {evt::user_left{"user456", "John Doe", evt::leave_reason::left, 2},
     {{"type", "USER_LEFT"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"reason", "LEFT"},
        {"connectedCount", 2}}}}},
    {evt::user_left{"user456", "John Doe", evt::leave_reason::disconnected, 1},
     {{"type", "USER_LEFT"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"reason", "DISCONNECTED"},
        {"connectedCount", 1}}}}},
    {evt::room_started{"A7x9K2", t0, t0 + 3600000, 60, t0 + 3},
     {{"type", "ROOM_STARTED"},
      {"data",
       {{"roomId", "A7x9K2"},
        {"startedAt", t0},
        {"endsAt", t0 + 3600000},
        {"duration", 60},
        {"serverTime", t0 + 3}}}}},
    {evt::room_ended{"A7x9K2", evt::end_reason::host, t0},
     {{"type", "ROOM_ENDED"},
      {"message", "The room has been ended by the host"},
      {"roomId", "A7x9K2"},
      {"reason", "HOST"},
      {"endedAt", t0}}},
    {evt::room_ended{"A7x9K2", evt::end_reason::time_up, t0},
     {{"type", "ROOM_ENDED"},
      {"message", "The room has ended: time is up"},
      {"roomId", "A7x9K2"},
      {"reason", "TIME_UP"},
      {"endedAt", t0}}},
    {status,
     {{"type", "ROOM_STATUS"},
      {"data",
       {{"roomId", "A7x9K2"},
        {"roomname", "Interview"},
        {"status", "LIVE"},
        {"hostId", "host1"},
        {"hostName", "Admin"},
        {"hostConnected", true},
        {"question", "Q"},
        {"duration", 60},
        {"maxGuests", 5},
        {"isPublic", false},
        {"createdAt", t0 - 1000},
        {"startedAt", t0},
        {"endsAt", t0 + 3600000},
        {"serverTime", t0 + 5},
        {"connectedCount", 2},
        {"yourRole", "host"},
        {"yourStatus", "APPROVED"},
        {"participants",
         json::array({{{"userId", "user456"},
                       {"username", "John Doe"},
                       {"status", "APPROVED"},
                       {"connected", true},
                       {"violationCount", 2},
                       {"hasSubmitted", true}},
                      {{"userId", "user789"},
                       {"username", "Jane"},
                       {"status", "PENDING"},
                       {"connected", false},
                       {"violationCount", 0},
                       {"hasSubmitted", false}}})}}}}},
    {evt::violation_detected{"user456", "John Doe",
                             violation_type::fullscreen_exit, 2, t0},
     {{"type", "VIOLATION_DETECTED"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"violationType", "FULLSCREEN_EXIT"},
        {"violationCount", 2},
        {"timestamp", t0},
        {"message", "John Doe exited fullscreen mode"}}}}},
    {evt::violation_detected{"user456", "John Doe", violation_type::tab_switch,
                             1, t0},
     {{"type", "VIOLATION_DETECTED"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"violationType", "TAB_SWITCH"},
        {"violationCount", 1},
        {"timestamp", t0},
        {"message", "John Doe switched to another tab"}}}}},
    {evt::violation_detected{"user456", "John Doe", violation_type::disconnect,
                             3, t0},
     {{"type", "VIOLATION_DETECTED"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"violationType", "DISCONNECT"},
        {"violationCount", 3},
        {"timestamp", t0},
        {"message", "John Doe disconnected"}}}}},
    {evt::proctoring_update{"user456", "John Doe",
                            cmd::signal::fullscreen_enter, t0, false, 0},
     {{"type", "PROCTORING_UPDATE"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"eventType", "FULLSCREEN_ENTER"},
        {"timestamp", t0},
        {"message", "John Doe returned to fullscreen mode"}}}}},
    {evt::proctoring_update{"user456", "John Doe", cmd::signal::tab_focus, t0,
                            false, 0},
     {{"type", "PROCTORING_UPDATE"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"eventType", "TAB_FOCUS"},
        {"timestamp", t0},
        {"message", "John Doe returned to the tab"}}}}},
    // A short drop within the presence grace (no USER_LEFT went out).
    {evt::proctoring_update{"user456", "John Doe",
                            cmd::signal::fullscreen_enter, t0, true, 2500},
     {{"type", "PROCTORING_UPDATE"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"eventType", "RECONNECTED"},
        {"timestamp", t0},
        {"awayMs", 2500},
        {"message", "John Doe reconnected"}}}}},
    {evt::code_update{"user456", "John Doe", "let x = 1;\n", "javascript", t0},
     {{"type", "CODE_UPDATE"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"code", "let x = 1;\n"},
        {"language", "javascript"},
        {"timestamp", t0}}}}},
    {evt::announcement{"A7x9K2", "10 minutes left", "Admin", t0},
     {{"type", "ANNOUNCEMENT"},
      {"data",
       {{"roomId", "A7x9K2"},
        {"message", "10 minutes left"},
        {"from", "Admin"},
        {"timestamp", t0}}}}},
    {evt::submission_received{"A7x9K2", t0},
     {{"type", "SUBMISSION_RECEIVED"},
      {"message", "Your code has been submitted successfully"},
      {"roomId", "A7x9K2"},
      {"submissionTime", t0}}},
    {evt::user_submitted{"user456", "John Doe", t0,
                         "function customHook() { ... }", "javascript"},
     {{"type", "USER_SUBMITTED"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"submissionTime", t0},
        {"code", "function customHook() { ... }"},
        {"language", "javascript"}}}}},
    {evt::kicked{"A7x9K2", "Multiple violations"},
     {{"type", "KICKED"},
      {"message",
       "You have been removed from the room. Reason: Multiple violations"},
      {"roomId", "A7x9K2"},
      {"reason", "Multiple violations"}}},
    {evt::kicked{"A7x9K2", ""},
     {{"type", "KICKED"},
      {"message", "You have been removed from the room."},
      {"roomId", "A7x9K2"},
      {"reason", ""}}},
    {evt::user_kicked{"user456", "John Doe", "Multiple violations"},
     {{"type", "USER_KICKED"},
      {"data",
       {{"userId", "user456"},
        {"username", "John Doe"},
        {"reason", "Multiple violations"}}}}},
    {evt::heartbeat_ack{t0}, {{"type", "HEARTBEAT_ACK"}, {"timestamp", t0}}},
    {evt::error{error_code::forbidden, "only the host can approve join requests",
                "APPROVE_JOIN"},
     {{"type", "ERROR"},
      {"code", "FORBIDDEN"},
      {"message", "only the host can approve join requests"},
      {"requestType", "APPROVE_JOIN"}}},
    {evt::error{error_code::invalid_json, "the frame is not valid JSON", ""},
     {{"type", "ERROR"},
      {"code", "INVALID_JSON"},
      {"message", "the frame is not valid JSON"}}},
  };
  for (const auto& r : rows) {
    auto got = roundtrip(r.e);
    INFO(got.dump());
    CHECK(got == r.expected);
  }
}

TEST_CASE("seq is a top-level number only when > 0") {
  event e = evt::user_joined{"u", "U", 1, false};
  CHECK_FALSE(roundtrip(e).contains("seq"));
  CHECK_FALSE(roundtrip(e, 0).contains("seq"));
  auto with = roundtrip(e, 7);
  REQUIRE(with.contains("seq"));
  CHECK(with["seq"].is_number_unsigned());
  CHECK(with["seq"] == 7);
  CHECK(with["data"]["userId"] == "u");
  CHECK_FALSE(with["data"].contains("seq"));
  auto big = roundtrip(e, UINT64_MAX);
  CHECK(big["seq"].get<std::uint64_t>() == UINT64_MAX);
}

TEST_CASE("user strings are escaped") {
  std::string nasty = "a\"b\\c\n\t\r\b\f\x01\x1f/</script>\x7f";
  nasty += std::string("\0z", 2); // an embedded NUL
  nasty += "\xF0\x9F\x98\x80 \xE2\x82\xAC \xC3\xA9"; // valid UTF-8 passes as is
  auto got = roundtrip(evt::code_update{"u", nasty, nasty, "c", 1});
  CHECK(got["data"]["code"] == nasty);
  CHECK(got["data"]["username"] == nasty);
  auto kicked = roundtrip(evt::kicked{"R", nasty});
  CHECK(kicked["reason"] == nasty);
  CHECK(kicked["message"]
        == "You have been removed from the room. Reason: " + nasty);
}

TEST_CASE("invalid UTF-8 in user strings is replaced, never thrown") {
  struct row {
    std::string in;
    std::string out;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  const row rows[] = {
    {"a\x80z", "a" + fffd + "z"},               // lone continuation byte
    {"a\xC3", "a" + fffd},                      // truncated at the end
    {"\xC3z", fffd + "z"},                      // truncated in the middle
    {"\xC0\xAF", fffd + fffd},                  // overlong "/"
    {"\xED\xA0\x80", fffd + fffd + fffd},       // UTF-16 surrogate
    {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd}, // past U+10FFFF
    {"\xFF\xFE", fffd + fffd},
    {"ok \xE2\x82\xAC", "ok \xE2\x82\xAC"},
  };
  for (const auto& r : rows) {
    std::string text;
    REQUIRE_NOTHROW(text = native::encode(
                      evt::user_submitted{"u", r.in, 1, r.in, "c"}));
    auto doc = json::parse(text, nullptr, false); // strict UTF-8 check
    REQUIRE_FALSE(doc.is_discarded());
    CHECK(doc["data"]["code"] == r.out);
    CHECK(doc["data"]["username"] == r.out);
  }
  // Also in the messages built from a username.
  auto v = roundtrip(
    evt::violation_detected{"u", "\xFF", violation_type::tab_switch, 1, 1});
  CHECK(v["data"]["message"] == fffd + " switched to another tab");
}

TEST_CASE("encode_shared and error_frame") {
  auto f = native::encode_shared(evt::heartbeat_ack{42});
  REQUIRE(f != nullptr);
  CHECK(*f == native::encode(evt::heartbeat_ack{42}));
  CHECK(*f == R"({"type":"HEARTBEAT_ACK","timestamp":42})");

  auto e = native::error_frame(error_code::room_full, "the room is full",
                               "JOIN_ROOM");
  REQUIRE(e != nullptr);
  CHECK(*e
        == R"({"type":"ERROR","code":"ROOM_FULL","message":"the room is full","requestType":"JOIN_ROOM"})");

  // Without a message of its own an ERROR still explains itself.
  auto bare = json::parse(*native::error_frame(error_code::rate_limited, ""));
  CHECK(bare["code"] == "RATE_LIMITED");
  CHECK_FALSE(bare["message"].get<std::string>().empty());
  CHECK_FALSE(bare.contains("requestType"));
}

TEST_CASE("ANNOUNCEMENT: exact bytes, escaped text, no seq when live") {
  auto f = native::encode_shared(
    evt::announcement{"A7x9K2", "10 minutes left", "Admin", t0});
  REQUIRE(f != nullptr);
  CHECK(*f
        == R"({"type":"ANNOUNCEMENT","data":{"roomId":"A7x9K2",)"
           R"("message":"10 minutes left","from":"Admin",)"
           R"("timestamp":1706543210000}})");
  std::string nasty = "line 1\n\"quoted\" \\ </script> \xE2\x8F\xB0 5'";
  auto got = roundtrip(evt::announcement{"R", nasty, nasty, 1});
  CHECK(got["data"]["message"] == nasty);
  CHECK(got["data"]["from"] == nasty);
  CHECK_FALSE(got.contains("seq"));
}

TEST_CASE("a large CODE_UPDATE encodes intact") {
  std::string code(1 << 20, 'x');
  for (std::size_t i = 0; i < code.size(); i += 97)
    code[i] = (i % 2 == 0) ? '"' : '\n';
  auto got = roundtrip(evt::code_update{"u", "U", code, "cpp", 1}, 3);
  CHECK(got["data"]["code"] == code);
  CHECK(got["seq"] == 3);
}

TEST_CASE("decode and encode agree on strings") {
  // A CODE_CHANGE's code travels to the host as CODE_UPDATE unchanged.
  std::string code = "if (a < b && s == \"x\\n\") { return '\\u00e9'; }\t\xC3\xA9";
  auto frame = json{{"type", "CODE_CHANGE"}, {"code", code}}.dump();
  auto res = native::decode(frame);
  auto* c = std::get_if<command>(&res);
  REQUIRE(c != nullptr);
  auto cc = std::get<cmd::code_change>(*c);
  auto out = roundtrip(evt::code_update{"u", "U", cc.code, cc.language, 1});
  CHECK(out["data"]["code"] == code);
}
