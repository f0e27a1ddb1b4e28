// detsim: the command line over the bundled scenarios (tools/scenarios/).
// `detsim --help` lists the subcommands; detsim/cli/main.hpp documents them.
#include <detsim/cli/main.hpp>

#include "scenarios/bundled.hpp"

int main(int argc, char** argv) {
  detsim::scenarios::register_bundled_scenarios();
  return detsim::main(argc, argv);
}
