#pragma once
// How many messages wait in an actor's mailbox. Its own file so that the
// sanitizer build can compile it without UBSan's vptr check
// (mailbox_backlog.cpp says why).

#include <cstddef>

namespace caf {
class scheduled_actor;
} // namespace caf

namespace proctord {

/// The messages waiting behind the one `self` runs now. Only from inside
/// the actor (it moves what arrived into the actor's own queue first).
std::size_t mailbox_backlog(caf::scheduled_actor* self);

} // namespace proctord
