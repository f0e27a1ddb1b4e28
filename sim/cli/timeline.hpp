// A trace's events as timeline rows for people, shared by `show` and `diff`:
//
//      seq  time     task        event            site
//       14  0s       C           step 2/3         tools/scenarios/lost_update.hpp:39
//
// The row names a task by its name, never by its id (ids are counters that
// shift between runs), and a decision as "choice/of".
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "detsim/trace/trace.hpp"

namespace detsim::cli {

// "file:line" of the event's site, or "" if it has none.
std::string site_text(const Trace& trace, std::uint32_t site);
// The event column: kind, then what distinguishes it ("step 2/3",
// "set_exception \"boom\"", "timer_scheduled when=5ms").
std::string event_text(const Trace& trace, const TraceEvent& event);
// The column headings and one event's row, each ending with a newline.
std::string timeline_heading();
std::string timeline_row(const Trace& trace, const TraceEvent& event);

}  // namespace detsim::cli
