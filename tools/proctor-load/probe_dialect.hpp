#pragma once
// The probe dialect: proctor-load's clients of the kernel probe
// (tools/bench/probe/): see probe_dialect.cpp and tools/scenarios/README.md.

#include <memory>

#include "dialect.hpp"

namespace proctord::load {

std::unique_ptr<dialect> make_probe_dialect();

} // namespace proctord::load
