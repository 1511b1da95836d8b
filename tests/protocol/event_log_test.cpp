// The event log encoding: every durable event survives encode/decode and the
// legacy native frame of today's release, bad stored text decodes to nothing,
// and the envelope follows protocol/README.md ("Event log encoding").

#include "protocol/event_equality.hpp"
#include "protocol/event_log.hpp"
#include "protocol/native_codec.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <vector>

using namespace proctord::protocol;
namespace event_log = proctord::protocol::event_log;
namespace native = proctord::protocol::native;
using json = nlohmann::json;

namespace {

constexpr millis t0 = 1706543210000; // the seed's example timestamp

/// Every durable event, each field set to something other than its default
/// (so that a field the codec forgets shows up as a difference).
std::vector<event> durable_events() {
  evt::join_approved approved;
  approved.room_id = "A7x9K2";
  approved.roomname = "Technical Interview";
  approved.question = "Implement a \"React\" hook\nwith ünïcode";
  approved.duration = 60;
  approved.host_name = "Admin";
  approved.role = member_role::participant;
  approved.status = room_status::live;
  approved.started_at = t0;
  approved.ends_at = t0 + 3'600'000;
  approved.resume_token = "rt.approved";
  return {
    evt::room_created{"A7x9K2", "Technical Interview", "rt.host"},
    evt::waiting_approval{"A7x9K2", "rt.wait"},
    evt::join_request{"user456", "John Doe", "sock-17", t0},
    approved,
    evt::join_rejected{"A7x9K2"},
    evt::user_joined{"user456", "John Doe", 2, true},
    evt::user_left{"user456", "John Doe", evt::leave_reason::disconnected, 1},
    evt::room_started{"A7x9K2", t0, t0 + 3'600'000, 60, t0 + 5},
    evt::room_ended{"A7x9K2", evt::end_reason::time_up, t0 + 3'600'000},
    evt::violation_detected{"user456", "John Doe", violation_type::tab_switch,
                            3, t0 + 7},
    evt::proctoring_update{"user456", "John Doe", cmd::signal::tab_focus,
                           t0 + 8, false, 0},
    evt::proctoring_update{"user456", "John Doe",
                           cmd::signal::fullscreen_enter, t0 + 8, true, 1234},
    evt::submission_received{"A7x9K2", t0 + 9},
    evt::user_submitted{"user456", "John Doe", t0 + 9,
                        "function useX() {\n  return \"}\";\n}", "javascript"},
    evt::kicked{"A7x9K2", "cheating"},
    evt::user_kicked{"user456", "John Doe", "cheating"},
  };
}

/// The live-only and reply events: not in the log today, encoded anyway.
std::vector<event> other_events() {
  evt::room_status_view v;
  v.room_id = "A7x9K2";
  v.roomname = "R";
  v.status = room_status::ended;
  v.host_id = "h";
  v.host_name = "H";
  v.host_connected = true;
  v.question = "Q";
  v.duration = 30;
  v.max_guests = 4;
  v.is_public = true;
  v.created_at = t0;
  v.started_at = t0 + 1;
  v.ends_at = t0 + 2;
  v.server_time = t0 + 3;
  v.connected_count = 2;
  v.your_role = member_role::host;
  v.your_status = member_status::approved;
  v.participants = {{"u1", "U1", member_status::kicked, true, 2, true},
                    {"u2", "U2", member_status::left, false, 0, false}};
  return {
    v,
    evt::code_update{"u1", "U1", "int main() {}", "cpp", t0},
    evt::announcement{"A7x9K2", "10 minutes left", "Admin", t0},
    evt::heartbeat_ack{t0},
    evt::resumed{"A7x9K2", member_role::host, member_status::approved, 41, 3},
    evt::resync_required{evt::resync_reason::events_unavailable, v},
    evt::error{error_code::store_unavailable, "could not save", "SUBMIT_CODE"},
  };
}

} // namespace

TEST_CASE("event_log: every durable event round-trips through encode/decode") {
  for (const auto& e : durable_events()) {
    auto text = event_log::encode(e);
    INFO(text);
    auto back = event_log::decode(text);
    REQUIRE(back);
    CHECK(*back == e);
  }
}

TEST_CASE("event_log: the other events round-trip too") {
  for (const auto& e : other_events()) {
    auto text = event_log::encode(e);
    INFO(text);
    auto back = event_log::decode(text);
    REQUIRE(back);
    CHECK(*back == e);
  }
}

TEST_CASE("event_log: a legacy native frame decodes to the event it encoded") {
  std::uint64_t seq = 1;
  for (const auto& e : durable_events()) {
    auto frame = native::encode(e, seq++);
    INFO(frame);
    std::string why;
    auto back = event_log::decode_legacy_native(frame, &why);
    INFO(why);
    REQUIRE(back);
    CHECK(*back == e);
    // ... and the converted text is the new encoding of the same event.
    auto converted = event_log::convert_legacy_native(frame);
    REQUIRE(converted);
    CHECK(*converted == event_log::encode(e));
  }
}

TEST_CASE("event_log: a legacy frame keeps an unstarted room's null times") {
  evt::join_approved e;
  e.room_id = "r";
  e.status = room_status::waiting; // startedAt/endsAt are null on the wire
  auto back = event_log::decode_legacy_native(native::encode(e, 3));
  REQUIRE(back);
  CHECK(*back == event{e});
}

TEST_CASE("event_log: the envelope is {v, t, d} with the struct's field names") {
  auto text = event_log::encode(
    evt::user_joined{"user456", "John Doe", 2, false});
  CHECK(text.rfind(R"({"v":1,"t":"user_joined","d":{)", 0) == 0);
  auto j = json::parse(text);
  CHECK(j["d"] == json{{"user_id", "user456"}, {"username", "John Doe"},
                       {"connected_count", 2}, {"resumed", false}});
  CHECK(event_log::type_name(evt::room_status_view{}) == "room_status");
}

TEST_CASE("event_log: the violation and focus events, written directly, are "
          "the text an nlohmann tree of their fields dumps") {
  // The oracle: the envelope around the fields as an nlohmann tree, dumped
  // the way stored text always was (invalid UTF-8 replaced, not thrown).
  auto oracle = [](std::string_view type, const json& d) {
    return std::string{R"({"v":1,"t":")"} + std::string{type} + R"(","d":)"
           + d.dump(-1, ' ', false, json::error_handler_t::replace) + "}";
  };
  const std::vector<std::string> names{
    "Pat", "", "quote \" back\\slash", "tab\tnew\nline\x01\x1f",
    "ünïcode ✓ 🎉", "bad \xff\xfe utf-8 \xc3", "slash / and <tag>"};
  for (const auto& name : names) {
    INFO("username: " << name);
    for (auto type : {violation_type::fullscreen_exit, violation_type::tab_switch,
                      violation_type::disconnect}) {
      evt::violation_detected v{"user-" + name, name, type, 7, t0};
      const auto text = event_log::encode(v);
      CHECK(text
            == oracle("violation_detected",
                      json{{"user_id", v.user_id}, {"username", v.username},
                           {"type", type == violation_type::fullscreen_exit
                                      ? "fullscreen_exit"
                                      : type == violation_type::tab_switch
                                          ? "tab_switch"
                                          : "disconnect"},
                           {"violation_count", 7}, {"timestamp", t0}}));
      auto back = event_log::decode(text);
      REQUIRE(back);
      if (name.find('\xff') == std::string::npos
          && name.find('\xc3') == std::string::npos)
        CHECK(*back == event{v});
    }
    for (bool reconnected : {false, true}) {
      evt::proctoring_update p{"u", name, cmd::signal::tab_blur, t0,
                               reconnected, reconnected ? 1234 : 0};
      CHECK(event_log::encode(p)
            == oracle("proctoring_update",
                      json{{"user_id", "u"}, {"username", name},
                           {"what", "tab_blur"}, {"timestamp", t0},
                           {"reconnected", reconnected},
                           {"away_ms", reconnected ? 1234 : 0}}));
    }
  }
  // Extremes of the numbers.
  evt::violation_detected big{"u", "n", violation_type::tab_switch,
                              std::numeric_limits<std::int32_t>::max(),
                              std::numeric_limits<millis>::min()};
  CHECK(event_log::encode(big)
        == oracle("violation_detected",
                  json{{"user_id", "u"}, {"username", "n"}, {"type", "tab_switch"},
                       {"violation_count", std::numeric_limits<std::int32_t>::max()},
                       {"timestamp", std::numeric_limits<millis>::min()}}));
}

TEST_CASE("event_log: missing fields take defaults, unknown fields are ignored") {
  auto back = event_log::decode(
    R"({"v":1,"t":"user_left","d":{"user_id":"u","added_in_v1_later":[1,2],
        "reason":"disconnected"},"also_new":true})");
  REQUIRE(back);
  CHECK(*back == event{evt::user_left{"u", "", evt::leave_reason::disconnected,
                                      0}});
  auto bare = event_log::decode(R"({"v":1,"t":"join_rejected"})");
  REQUIRE(bare);
  CHECK(*bare == event{evt::join_rejected{}});
}

TEST_CASE("event_log: a PROCTORING_UPDATE stored before RECONNECTED existed "
          "reads as the signal it was") {
  // The row as releases without the presence grace wrote it.
  auto back = event_log::decode(
    R"({"v":1,"t":"proctoring_update","d":{"user_id":"u","username":"Pat",)"
    R"("what":"tab_focus","timestamp":5}})");
  REQUIRE(back);
  CHECK(*back == event{evt::proctoring_update{"u", "Pat", cmd::signal::tab_focus,
                                              5, false, 0}});
  CHECK(native::encode(*back, 3).find(R"("eventType":"TAB_FOCUS")")
        != std::string::npos);
}

TEST_CASE("event_log: bad stored text decodes to no event") {
  std::string deep(10'000, '[');
  struct row {
    const char* what;
    std::string text;
  };
  const std::vector<row> rows{
    {"empty", ""},
    {"truncated JSON", R"({"v":1,"t":"user_joined","d":{"user_id":"u")"},
    {"not an object", R"([1,"user_joined"])"},
    {"no version", R"({"t":"user_joined","d":{}})"},
    {"a future version", R"({"v":99,"t":"user_joined","d":{}})"},
    {"a version as a string", R"({"v":"1","t":"user_joined","d":{}})"},
    {"a fractional version", R"({"v":1.5,"t":"user_joined","d":{}})"},
    {"unknown type", R"({"v":1,"t":"user_teleported","d":{}})"},
    {"type not a string", R"({"v":1,"t":7,"d":{}})"},
    {"d not an object", R"({"v":1,"t":"user_joined","d":"x"})"},
    {"a string where a number goes",
     R"({"v":1,"t":"user_joined","d":{"connected_count":"two"}})"},
    {"a number where a string goes",
     R"({"v":1,"t":"user_joined","d":{"user_id":42}})"},
    {"null where a string goes",
     R"({"v":1,"t":"kicked","d":{"reason":null}})"},
    {"an unknown enum value",
     R"({"v":1,"t":"room_ended","d":{"reason":"meteor"}})"},
    {"an enum as a number", R"({"v":1,"t":"room_ended","d":{"reason":1}})"},
    {"a list of the wrong shape",
     R"({"v":1,"t":"room_status","d":{"participants":{"u":1}}})"},
    {"deep nesting", R"({"v":1,"t":"user_joined","d":{"x":)" + deep},
    {"deep nesting, closed",
     R"({"v":1,"t":"join_rejected","d":{"x":[[[[[[[[[[1]]]]]]]]]]}})"},
    {"a legacy native frame", native::encode(evt::join_rejected{"r"}, 1)},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    std::string why;
    CHECK_FALSE(event_log::decode(r.text, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("event_log: bad legacy frames decode to no event") {
  std::string deep(10'000, '{');
  const std::vector<std::string> rows{
    "",
    R"({"type":"USER_JOINED","data":{"userId":"u")",
    R"({"type":"CODE_UPDATE","data":{"userId":"u"}})",      // not durable
    R"({"type":"HEARTBEAT_ACK","timestamp":1})",            // not durable
    R"({"type":"NO_SUCH_EVENT"})",
    R"({"data":{"userId":"u"}})",                           // no type
    R"({"type":"USER_LEFT","data":{"reason":"EXPLODED"}})", // unknown enum
    R"({"type":"USER_JOINED","data":{"connectedCount":"2"}})",
    R"({"type":"USER_JOINED","data":[1]})",
    R"({"v":1,"t":"user_joined","d":{}})", // already the new encoding
    "{\"type\":" + deep,
  };
  for (const auto& text : rows) {
    INFO(text.substr(0, 80));
    CHECK_FALSE(event_log::decode_legacy_native(text));
    CHECK_FALSE(event_log::convert_legacy_native(text));
  }
}
