// The scenarios bundled with the `detsim` command line (tools/cli/detsim.cpp).
//
// Each lives in its own file here, tools/scenarios/<name>_scenario.cpp, with
// a register_<name>_scenarios() that registers the buggy program and its
// "-fixed" variant (detsim::register_scenario, detsim/cli/scenario.hpp).
// They are registered by a call, not by DETSIM_SCENARIO's static
// initialisers: in a static library, the linker drops an object file no
// symbol of which is used, and its registration with it.
#pragma once

namespace detsim::scenarios {

// Registers every bundled scenario; a second call does nothing.
void register_bundled_scenarios();

}  // namespace detsim::scenarios
