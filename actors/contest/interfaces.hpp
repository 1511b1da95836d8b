#pragma once
// The contest domain's actors (seed 001) and the messages between them.
//
//   contest door ──cmd──▶ contest connection ──(contest_caller, cmd)──▶ contest
//   HTTP API ──create──▶ contests (directory) ──spawn/lookup──▶ contest
//   contest ──arm/disarm──▶ timer ──tick/deadline──▶ contest
//   contest ──contest_envelope──▶ relay ──frames──▶ sockets
//
// Every message here is a type with inspect() (actors/core/event_inspect.hpp
// for the protocol types), registered in actors/core/message_types.hpp, so a
// contest could live on another node than its participants' sockets.

#include "actors/core/relay.hpp"
#include "actors/interfaces.hpp"
#include "protocol/contest.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace proctord {

using start_atom = caf::atom_constant<caf::atom("start")>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using board_atom = caf::atom_constant<caf::atom("board")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using arm_atom = caf::atom_constant<caf::atom("arm")>;
using disarm_atom = caf::atom_constant<caf::atom("disarm")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;

/// One actor per contest connection: the token's user, the contests it
/// joined. Lives until its socket closes; contests monitor it.
using contest_connection_actor = caf::typed_actor<
  caf::reacts_to<protocol::contest::cmd::join_contest>,
  caf::reacts_to<protocol::contest::cmd::submit_answer>,
  caf::reacts_to<protocol::contest::cmd::resync>,
  caf::reacts_to<closed_atom>>;

/// Who sends a contest command: the token's user, on which connection, and
/// the relay that reaches its socket. An observer (an admin) watches and
/// never answers or ranks.
struct contest_caller {
  std::string user_id;
  std::string username;
  bool observer = false;
  contest_connection_actor conn;
  relay_actor relay;
  std::uint64_t conn_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contest_caller& x) {
  return f(caf::meta::type_name("contest_caller"), x.user_id, x.username,
           x.observer, x.conn, x.relay, x.conn_id);
}

/// A page of the standings: from `offset`, at most `limit`; `live` asks for
/// the live board even during a freeze (admins).
struct board_query {
  std::int64_t offset = 0;
  std::int64_t limit = 50;
  bool live = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, board_query& x) {
  return f(caf::meta::type_name("board_query"), x.offset, x.limit, x.live);
}

/// One actor per contest: its definition, lifecycle, participants, answers
/// and ranking, one message at a time.
using contest_actor = caf::typed_actor<
  // join_contest / resync: a seat for the connection and the state.
  caf::reacts_to<contest_caller, protocol::contest::cmd::join_contest>,
  caf::reacts_to<contest_caller, protocol::contest::cmd::resync>,
  // submit_answer: acknowledged after commit.
  caf::reacts_to<contest_caller, protocol::contest::cmd::submit_answer>,
  // HTTP API: lifecycle (errors: invalid_state, store_unavailable) and views.
  caf::replies_to<start_atom>::with<protocol::contest::contest_info>,
  caf::replies_to<pause_atom>::with<protocol::contest::contest_info>,
  caf::replies_to<resume_atom>::with<protocol::contest::contest_info>,
  caf::replies_to<info_atom>::with<protocol::contest::contest_info>,
  caf::replies_to<board_atom, board_query>::with<
    protocol::contest::leaderboard_page>,
  // From the timer of this generation: send timer_update with this value.
  caf::reacts_to<tick_atom, std::uint64_t, std::int32_t>,
  // From the timer of this generation: the deadline it was armed for came.
  caf::reacts_to<deadline_atom, std::uint64_t>,
  // internal: the leaderboard interval.
  caf::reacts_to<publish_atom>,
  // internal: write the contest row again after a failed commit.
  caf::reacts_to<persist_atom>>;

/// One timer per contest: wakes at absolute deadlines and tells its contest.
using contest_timer_actor = caf::typed_actor<
  // arm: generation, deadline (epoch ms), the last tick value sent for this
  // question (INT32_MAX for none), whether to tick each second before it.
  caf::reacts_to<arm_atom, std::uint64_t, std::int64_t, std::int32_t, bool>,
  // Stop ticking (a pause); a later arm starts again.
  caf::reacts_to<disarm_atom>,
  // internal: a delayed wake-up of that generation.
  caf::reacts_to<wake_atom, std::uint64_t>>;

/// Finds contests by id and creates them.
using contests_actor = caf::typed_actor<
  // POST /api/contests: store the contest, then spawn it; its id.
  caf::replies_to<create_atom, protocol::contest::contest_def,
                  std::string>::with<std::string>,
  // The contest with that id (error room_not_found: no such contest).
  caf::replies_to<lookup_atom, std::string>::with<contest_actor>>;

} // namespace proctord
