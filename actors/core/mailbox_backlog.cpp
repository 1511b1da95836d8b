// Built without UBSan's vptr check (CMakeLists.txt, PROCTORD_SANITIZE):
// CAF 0.17's intrusive queues downcast their sentinel node to the element
// type when they count (caf/intrusive/task_queue.hpp). That is the
// library's own idiom, done all the time inside libcaf_core, which is not
// instrumented; only this call instantiates those header templates in our
// code. Everything else here stays checked.

#include "actors/core/mailbox_backlog.hpp"

#include <caf/scheduled_actor.hpp>

namespace proctord {

std::size_t mailbox_backlog(caf::scheduled_actor* self) {
  return self->mailbox().size();
}

} // namespace proctord
