// The subcommands of detsim::main (detsim/cli/main.hpp), one file each:
// sim/cli/<name>_command.cpp defines add_<name>_command, which adds the
// subcommand, its options and its callback to the app. main.cpp calls each
// add_*_command once, in the order `--help` lists them.
//
// A callback reports through `exit_code` (exit_ok, exit_failed) and throws
// UsageError (cli_support.hpp), TraceError or another detsim::Error for bad
// input: main prints "detsim: error: <what>" and exits with exit_bad_input.
//
// Adding a subcommand: a file sim/cli/<name>_command.cpp, a declaration
// here, a line in main.cpp, the file in sim/CMakeLists.txt (detsim_main).
// sweep and merge (sim/cli/sweep_command.cpp) belong to the sweeps work;
// their parallel and sharded forms extend the same file.
#pragma once

#include <CLI/CLI.hpp>

namespace detsim::cli {

void add_list_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_sweep_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_show_command(CLI::App& app, int& exit_code);
void add_export_command(CLI::App& app, int& exit_code);

}  // namespace detsim::cli
