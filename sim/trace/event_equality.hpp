// same_event: whether two recorded events are the same event of a run, as
// replay and trace comparison see it. Private to sim/.
#pragma once

#include "detsim/trace/trace.hpp"

namespace detsim::detail {

// Equal in everything the digest covers (sites may differ); names and
// details are compared as text, since each run interns its own strings.
// `a_strings` and `b_strings` look them up (a Trace or a TraceRecorder).
template <class AStrings, class BStrings>
bool same_event(const AStrings& a_strings, const TraceEvent& x, const BStrings& b_strings, const TraceEvent& y) {
  return x.seq == y.seq && x.kind == y.kind && x.immediate == y.immediate && x.cause == y.cause &&
         x.time_ns == y.time_ns && x.when_ns == y.when_ns && x.handle == y.handle && x.future == y.future &&
         x.task == y.task && x.choice == y.choice && x.of == y.of &&
         a_strings.string_at(x.name) == b_strings.string_at(y.name) &&
         a_strings.string_at(x.detail) == b_strings.string_at(y.detail) && x.primitive == y.primitive &&
         a_strings.string_at(x.primitive_type) == b_strings.string_at(y.primitive_type) &&
         a_strings.string_at(x.primitive_name) == b_strings.string_at(y.primitive_name);
}

}  // namespace detsim::detail
