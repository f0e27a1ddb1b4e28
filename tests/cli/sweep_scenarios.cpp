// A command line over scenarios of the tests' own (detsim::main, as a user
// builds one): the sweep CLI test sweeps them. two_bugs has two planted bugs;
// leaky keeps a static counter across runs, a determinism leak;
// coverage_points has a DETSIM_SOMETIMES that never holds.
#include <detsim/cli/main.hpp>

#include "run/sweep_programs.hpp"

DETSIM_SCENARIO(two_bugs, "Two tasks increment a counter twice each: B may finish first (an ordering assumption), "
                          "and an increment may be lost; two checks, one per bug.") {
  co_await detsim_test::two_bugs_main();
}

DETSIM_SCENARIO(leaky, "Counts its runs in a static variable and fails from the fourth run in a process on: "
                       "a seed's outcome depends on the seeds run before it.") {
  co_await detsim_test::leaky_main();
}

DETSIM_SCENARIO(coverage_points, "two_bugs' workers without the checks, and three coverage points: B finishing "
                                 "first (some seeds), the counter going negative (never), both finishing (always).") {
  co_await detsim_test::coverage_points_main();
}

int main(int argc, char** argv) { return detsim::main(argc, argv); }
