// detsim export TRACE --format chrome|html [--out FILE]: the trace as Chrome
// trace-event JSON (Perfetto UI, chrome://tracing) or as a self-contained
// HTML report (detsim/trace/export.hpp). Without --out, the file is TRACE
// with its .jsonl replaced by .json or .html; "--out -" writes to stdout.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "detsim/cli/main.hpp"
#include "detsim/trace/export.hpp"

namespace detsim::cli {
namespace {

struct ExportArguments {
  std::string trace;
  std::string format;
  std::string out;
};

std::string default_out(const std::string& trace, const std::string& format) {
  const std::string extension = format == "chrome" ? ".json" : ".html";
  const std::string jsonl = ".jsonl";
  if (trace.size() > jsonl.size() && trace.compare(trace.size() - jsonl.size(), jsonl.size(), jsonl) == 0)
    return trace.substr(0, trace.size() - jsonl.size()) + extension;
  return trace + extension;
}

void write(const ExportArguments& arguments, const Trace& trace, std::ostream& out) {
  if (arguments.format == "chrome") {
    write_chrome_trace(trace, out);
  } else {
    write_html_report(trace, out, {.rerun_command = invocation() + " replay " + arguments.trace});
  }
}

int export_command(const ExportArguments& arguments) {
  const Trace trace = read_trace(arguments.trace);
  if (arguments.out == "-") {
    write(arguments, trace, std::cout);
    return exit_ok;
  }
  const std::string path = arguments.out.empty() ? default_out(arguments.trace, arguments.format) : arguments.out;
  std::ofstream file(path, std::ios::binary);
  if (!file) throw UsageError("--out: cannot write " + path);
  write(arguments, trace, file);
  file.close();
  if (!file) throw UsageError("--out: writing " + path + " failed");
  std::cout << "wrote " << path << "\n";
  return exit_ok;
}

}  // namespace

void add_export_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<ExportArguments>();
  CLI::App* command = app.add_subcommand("export", "Write a trace as Chrome trace-event JSON (Perfetto) or an HTML report");
  command->add_option("trace", arguments->trace, "A trace file (JSON Lines)")->required();
  command->add_option("--format", arguments->format, "chrome (trace-event JSON) or html (a self-contained page)")
      ->required()
      ->check(CLI::IsMember({"chrome", "html"}));
  command->add_option("--out", arguments->out, "The file to write (default: TRACE as .json or .html; - for stdout)");
  command->callback([arguments, &exit_code] { exit_code = export_command(*arguments); });
}

}  // namespace detsim::cli
