// detsim show TRACE [--task NAME] [--around SEQ] [--context N]: the trace as a
// timeline (virtual time, task, event, site), and "who woke whom": the cause
// chain back from the event at SEQ, or, without --around, from the event
// that failed the run.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/timeline.hpp"
#include "detsim/cli/main.hpp"
#include "detsim/trace/cause_chain.hpp"
#include "detsim/trace/export.hpp"

namespace detsim::cli {
namespace {

struct ShowArguments {
  std::string trace;
  std::string task;
  std::string around;
  std::uint64_t context = 8;
};

void print_chain(const Trace& trace, std::uint64_t seq) {
  std::cout << "\nwho woke whom, back from event " << seq << ":\n" << timeline_heading();
  for (std::size_t index : cause_chain(trace, seq)) std::cout << timeline_row(trace, trace.events[index]);
}

int show_command(const ShowArguments& arguments) {
  const Trace trace = read_trace(arguments.trace);
  std::uint64_t around = 0;
  if (!arguments.around.empty()) {
    around = parse_seed(arguments.around, "--around");
    if (around == 0 || around > trace.events.size())
      throw UsageError("--around " + arguments.around + ": " + arguments.trace + " has events 1.." +
                       std::to_string(trace.events.size()));
  }
  bool task_seen = arguments.task.empty();
  std::cout << trace.header.program << " seed " << trace.header.seed << " (" << trace.header.scheduler << "): "
            << (trace.footer ? std::string(to_string(trace.footer->outcome)) : std::string("truncated (no footer)"))
            << ", " << trace.events.size() << " events\n";
  std::cout << timeline_heading();
  for (const TraceEvent& event : trace.events) {
    const bool of_task = !arguments.task.empty() && event.name && trace.string_at(event.name) == arguments.task;
    task_seen = task_seen || of_task;
    if (!arguments.task.empty() && !of_task) continue;
    if (around && (event.seq + arguments.context < around || event.seq > around + arguments.context)) continue;
    std::cout << timeline_row(trace, event);
  }
  if (!task_seen) {
    std::string names;
    for (const TraceEvent& event : trace.events)
      if (event.kind == EventKind::task_created) names += (names.empty() ? "" : ", ") + std::string(trace.string_at(event.name));
    throw UsageError("--task " + arguments.task + ": no task of that name in " + arguments.trace + "; its tasks are: " + names);
  }
  if (around) {
    print_chain(trace, around);
  } else if (const auto failed = failure_event(trace)) {
    std::cout << "\nfailure: " << trace.footer->message << "\n";
    print_chain(trace, trace.events[*failed].seq);
  }
  return exit_ok;
}

}  // namespace

void add_show_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<ShowArguments>();
  CLI::App* show = app.add_subcommand("show", "Show a trace as a timeline, and the chain of causes back from an event");
  show->add_option("trace", arguments->trace, "A trace file (JSON Lines)")->required();
  show->add_option("--task", arguments->task, "Only this task's events");
  show->add_option("--around", arguments->around, "Only the events near this seq, and its cause chain");
  show->add_option("--context", arguments->context, "With --around: how many events either side (default 8)");
  show->callback([arguments, &exit_code] { exit_code = show_command(*arguments); });
}

}  // namespace detsim::cli
