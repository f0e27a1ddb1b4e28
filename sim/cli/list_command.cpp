// detsim list: the registered scenarios, sorted by name, with descriptions.
#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "detsim/cli/main.hpp"

namespace detsim::cli {

void add_list_command(CLI::App& app, int& exit_code) {
  CLI::App* list = app.add_subcommand("list", "List the scenarios with their descriptions");
  list->callback([&exit_code] {
    for (const Scenario& scenario : registered_scenarios()) {
      std::cout << scenario.name << "\n";
      std::cout << wrap(scenario.description, "    ", 80);
    }
    if (registered_scenarios().empty()) std::cout << "(no scenarios registered)\n";
    exit_code = exit_ok;
  });
}

}  // namespace detsim::cli
