// detsim::diff_traces: where two runs part ways, and what each did after.
//
// The report gives the first differing event with the events before it, and a
// summary of the events from there on, counted by (kind, task name): what
// only the first run did, and what only the second did.
//
// Example:
//   auto diff = detsim::diff_traces(detsim::read_trace("pass.jsonl"), detsim::read_trace("fail.jsonl"));
//   std::cout << diff.describe();
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "detsim/trace/divergence.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim {

struct TraceDiff {
  std::optional<Divergence> divergence;  // empty: the traces have the same events
  struct Count {
    std::string what;  // "step 'worker-B'"
    std::uint64_t in_first = 0;
    std::uint64_t in_second = 0;
  };
  std::vector<Count> after_divergence;  // only rows where the counts differ, sorted by `what`
  std::uint64_t first_events = 0;
  std::uint64_t second_events = 0;
  bool same() const noexcept { return !divergence.has_value(); }
  std::string describe() const;
};

TraceDiff diff_traces(const Trace& first, const Trace& second, std::size_t context_events = 3);

}  // namespace detsim
