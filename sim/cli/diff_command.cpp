// detsim diff A B: where two traces part ways, with tasks matched by name and
// creation site (aligned_diff.hpp): the events before the first divergence,
// each trace's event there, and, from there on, only the (task, event, site)
// rows whose counts differ. Exits 0 if the traces did the same things, 1 if
// they differ, 2 if either cannot be read.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

#include "cli/aligned_diff.hpp"
#include "cli/commands.hpp"
#include "cli/timeline.hpp"
#include "detsim/cli/main.hpp"

namespace detsim::cli {
namespace {

struct DiffArguments {
  std::string first;
  std::string second;
  std::size_t context = 5;
};

void describe(const char* label, const std::string& path, const Trace& trace) {
  std::cout << label << path << ": " << trace.header.program << " seed " << trace.header.seed << " ("
            << trace.header.scheduler << "), "
            << (trace.footer ? std::string(to_string(trace.footer->outcome)) : std::string("truncated")) << ", "
            << trace.events.size() << " events\n";
}

int diff_command(const DiffArguments& arguments) {
  const Trace first = read_trace(arguments.first);
  const Trace second = read_trace(arguments.second);
  describe("A: ", arguments.first, first);
  describe("B: ", arguments.second, second);
  const AlignedDiff diff = align_traces(first, second);
  if (!diff.renamed.empty()) {
    std::cout << "tasks matched by creation site under other auto-names (A = B):";
    for (const std::string& pair : diff.renamed) std::cout << " " << pair << ";";
    std::cout << "\n";
  }
  if (!diff.divergence) {
    std::cout << "same: the traces' events match, task for task\n";
    return exit_ok;
  }
  const std::size_t at = *diff.divergence;
  std::cout << "first divergence at event " << at + 1 << "\n" << timeline_heading();
  for (std::size_t i = at - std::min(at, arguments.context); i < at; ++i)
    std::cout << "  " << timeline_row(first, first.events[i]).substr(2);
  auto side = [at](const char* label, const Trace& trace) {
    if (at < trace.events.size()) {
      std::cout << label << timeline_row(trace, trace.events[at]).substr(2);
    } else {
      std::cout << label << "     (the run ended after " << trace.events.size() << " events)\n";
    }
  };
  side("A ", first);
  side("B ", second);
  if (!diff.differing_counts.empty()) {
    std::cout << "from there on, the (task, event, site) counts that differ:\n";
    for (const std::string& row : diff.differing_counts) std::cout << "  " << row << "\n";
  }
  return exit_failed;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<DiffArguments>();
  CLI::App* diff = app.add_subcommand("diff", "Compare two traces: the first divergence, tasks matched by name and site");
  diff->add_option("a", arguments->first, "The first trace")->required();
  diff->add_option("b", arguments->second, "The second trace")->required();
  diff->add_option("--context", arguments->context, "Events shown before the divergence (default 5)");
  diff->callback([arguments, &exit_code] { exit_code = diff_command(*arguments); });
}

}  // namespace detsim::cli
