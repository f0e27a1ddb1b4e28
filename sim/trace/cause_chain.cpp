// cause_chain and failure_event: walking a trace's cause links.
#include "detsim/trace/cause_chain.hpp"

#include <string>

#include "detsim/trace/export.hpp"

namespace detsim {

std::vector<std::size_t> cause_chain(const Trace& trace, std::uint64_t seq) {
  if (seq == 0 || seq > trace.events.size()) {
    throw TraceError("detsim.trace.no_such_event",
                     "no event " + std::to_string(seq) + " in the trace of '" + trace.header.program + "': its events are " +
                         (trace.events.empty() ? std::string("none") : "1.." + std::to_string(trace.events.size())));
  }
  std::vector<std::size_t> chain;
  // Each step goes to a smaller seq (cause < seq), so this ends within seq steps;
  // the bound guards against a hand-built Trace that breaks the invariant.
  for (std::uint64_t at = seq; at != 0 && chain.size() < seq; at = trace.events[at - 1].cause) {
    if (at > trace.events.size()) break;
    chain.push_back(static_cast<std::size_t>(at - 1));
    if (trace.events[at - 1].cause >= at) break;
  }
  return chain;
}

std::optional<std::size_t> failure_event(const Trace& trace) {
  if (!trace.footer || trace.footer->outcome == Outcome::ok || trace.events.empty()) return std::nullopt;
  const std::string& message = trace.footer->message;
  std::optional<std::size_t> last_step;
  for (std::size_t i = trace.events.size(); i-- > 0;) {
    const TraceEvent& event = trace.events[i];
    if (event.kind == EventKind::set_exception && !message.empty() && trace.string_at(event.detail) == message) return i;
    if (event.kind == EventKind::step && !last_step) last_step = i;
  }
  return last_step;
}

}  // namespace detsim
