#include "detsim/cli/main.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "detsim/base/errors.hpp"

namespace detsim {
namespace {

std::string basename_of(const char* path) {
  const std::string whole = path ? path : "detsim";
  const std::size_t slash = whole.find_last_of('/');
  return slash == std::string::npos ? whole : whole.substr(slash + 1);
}

constexpr const char* exit_codes_footer =
    "Exit codes:\n"
    "  0  ok (the run passed, the replay reproduced, the traces are the same)\n"
    "  1  a run failed its invariant (or a replay diverged, or two traces differ)\n"
    "  2  bad usage or bad input (a message on stderr names what and where)";

}  // namespace

int main(int argc, char** argv) {
  const std::string name = basename_of(argc > 0 ? argv[0] : nullptr);
  cli::set_invocation(argc > 0 && argv[0] ? argv[0] : "detsim");
  CLI::App app{"Deterministic simulation: run, sweep, replay and look at the runs of registered scenarios.", name};
  app.footer(exit_codes_footer);
  app.require_subcommand(1);
  int exit_code = exit_ok;
  cli::add_list_command(app, exit_code);
  cli::add_run_command(app, exit_code);
  cli::add_sweep_command(app, exit_code);  // sweep and merge (sim/cli/sweep_command.cpp)
  cli::add_replay_command(app, exit_code);
  cli::add_diff_command(app, exit_code);
  cli::add_show_command(app, exit_code);
  cli::add_export_command(app, exit_code);
  // CLI11 calls a stray word "not expected"; name it as the subcommand it
  // was meant to be.
  const std::vector<CLI::App*> commands = app.get_subcommands({});
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(commands.begin(), commands.end(), [&](const CLI::App* c) { return c->get_name() == argv[1]; })) {
    std::string known;
    for (const CLI::App* command : commands) known += (known.empty() ? "" : ", ") + command->get_name();
    std::cerr << name << ": error: unknown subcommand '" << argv[1] << "'; the subcommands are: " << known
              << "\nRun with --help for more information.\n";
    return exit_bad_input;
  }
  try {
    app.parse(argc, argv);  // runs the chosen subcommand's callback
  } catch (const CLI::ParseError& error) {
    // --help prints and exits 0; every other parse error is bad usage.
    const int code = app.exit(error);
    return code == 0 ? exit_ok : exit_bad_input;
  } catch (const std::exception& error) {
    // UsageError, TraceError (file, line, field), ScheduleError,
    // SchedulerSpecError, ...: input the command could not take.
    std::cerr << name << ": error: " << error.what() << "\n";
    return exit_bad_input;
  }
  return exit_code;
}

}  // namespace detsim
