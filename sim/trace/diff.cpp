#include "detsim/trace/diff.hpp"

#include <map>
#include <string>

namespace detsim {

namespace {

std::string label(const Trace& trace, const TraceEvent& event) {
  std::string text(to_string(event.kind));
  if (event.name) text += " '" + std::string(trace.string_at(event.name)) + "'";
  return text;
}

}  // namespace

TraceDiff diff_traces(const Trace& first, const Trace& second, std::size_t context_events) {
  TraceDiff diff;
  diff.first_events = first.events.size();
  diff.second_events = second.events.size();
  diff.divergence = first_divergence(first, second, context_events);
  if (!diff.divergence) return diff;
  // std::map: rows come out sorted by label, the same on every machine.
  std::map<std::string, TraceDiff::Count> counts;
  const std::size_t from = diff.divergence->seq - 1;
  for (std::size_t i = from; i < first.events.size(); ++i) ++counts[label(first, first.events[i])].in_first;
  for (std::size_t i = from; i < second.events.size(); ++i) ++counts[label(second, second.events[i])].in_second;
  for (auto& [what, count] : counts) {
    if (count.in_first == count.in_second) continue;
    count.what = what;
    diff.after_divergence.push_back(count);
  }
  return diff;
}

std::string TraceDiff::describe() const {
  if (!divergence) return "the traces have the same " + std::to_string(first_events) + " events\n";
  std::string text = divergence->describe() + "\n";
  text += "from there on: the first trace has " + std::to_string(first_events - (divergence->seq - 1)) +
          " events, the second " + std::to_string(second_events - (divergence->seq - 1)) + "\n";
  for (const Count& count : after_divergence) {
    const bool first_more = count.in_first > count.in_second;
    text += "  only in " + std::string(first_more ? "first: " : "second: ") +
            std::to_string(first_more ? count.in_first - count.in_second : count.in_second - count.in_first) + " x " +
            count.what + "\n";
  }
  return text;
}

}  // namespace detsim
