// detsim::cause_chain: "who woke whom", walked back from one event.
//
// Every event's `cause` is the seq of the event during which it was issued
// (traces/SCHEMA.md, "Following causes"): a step is caused by the call_soon
// that scheduled it, that call_soon by the done_callback or timer_due that
// issued it, and so on back to an event with cause 0 (the root: the loop
// starting, or work scheduled before recording began). The chain from a
// failure back to its root is the story of how the run got there.
//
// Invariant: the chain is finite and strictly decreasing in seq, since a
// read trace has cause < seq for every event (read_trace checks it).
//
// Determinism: a function of the trace alone.
//
// Example:
//   for (std::size_t index : detsim::cause_chain(trace, 42))
//     std::cout << trace.events[index].seq << " " << to_string(trace.events[index].kind) << "\n";
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "detsim/trace/trace.hpp"

namespace detsim {

// The events from `seq` back through `cause` to the root, as indices into
// trace.events: [index of seq, index of its cause, ..., index of the root].
// Throws TraceError (id "detsim.trace.no_such_event") if the trace has no
// event `seq`, naming the range it has.
std::vector<std::size_t> cause_chain(const Trace& trace, std::uint64_t seq);

}  // namespace detsim
