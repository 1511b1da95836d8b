#pragma once
// Runs one scenario: opens the connections over Asio/Beast on a few io
// threads, paces the actions, injects the faults, prints progress and
// fills the report. The only file of the tool that includes Beast.

#include "options.hpp"
#include "report.hpp"
#include "scenario.hpp"

namespace proctord::load {

/// Runs `s` as `o` says and returns the report. Throws std::runtime_error
/// when the run cannot start (bad target, no such dialect, too few files).
report run_scenario(const options& o, const scenario& s);

} // namespace proctord::load
