// libFuzzer target: the trace reader (detsim/trace/trace.hpp).
// Any input is refused with a TraceError or read; a trace that reads writes
// out (to_jsonl) as a file that reads back to the same trace; a trace read as
// truncated is refused as such when completeness is required; and the
// reader's two paths for an event line (sim/trace/reader_paths.hpp) agree on
// the input's last line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <detsim/trace/trace.hpp>

#include "fuzz_check.hpp"
#include "trace/reader_paths.hpp"

namespace {

void check_whole_file(std::string_view text) {
  detsim::Trace trace;
  try {
    trace = detsim::parse_trace(text, "fuzz.jsonl");
  } catch (const detsim::TraceError&) {
    return;
  }
  if (trace.truncated) {
    try {
      detsim::parse_trace(text, "fuzz.jsonl", {.allow_truncated = false});
      detsim_fuzz::check(false, "a truncated trace is refused when completeness is required");
    } catch (const detsim::TraceError& error) {
      detsim_fuzz::check(error.id() == "detsim.trace.truncated", "... as detsim.trace.truncated");
    }
    return;
  }
  const std::string written = detsim::to_jsonl(trace);
  try {
    detsim_fuzz::check(detsim::parse_trace(written, "written.jsonl", {.allow_truncated = false}) == trace,
                       "a trace read back from to_jsonl is the trace");
  } catch (const detsim::TraceError& error) {
    detsim_fuzz::check(false, "to_jsonl of a trace that read is readable");
  }
}

void check_paths_agree(std::string_view text) {
  const std::size_t newline = text.rfind('\n');
  if (newline == std::string_view::npos) return;
  const std::string_view before = text.substr(0, newline + 1);
  const std::string_view line = text.substr(newline + 1);
  using detsim::detail::EventLinePath;
  const auto fast = detsim::detail::read_event_line(before, line, EventLinePath::fast);
  if (fast.declined) return;
  const auto general = detsim::detail::read_event_line(before, line, EventLinePath::general);
  detsim_fuzz::check(fast.error_id == general.error_id && fast.error == general.error && fast.trace == general.trace,
                     "the fast and the general path read an event line alike");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_whole_file(text);
  check_paths_agree(text);
  return 0;
}
