// Two traces compared as people read them: tasks matched by name and
// creation site, not by id, so that two runs which create the same tasks in
// a different order, or auto-name them differently ("Task-7" in one run is
// "Task-9" in the other), compare equal where they did the same things.
//
// A task's identity is (name, creation site, ordinal): the site is where its
// task_created event was issued, the ordinal counts the tasks before it with
// the same name and site. An auto-generated name ("Task-<n>", asyncio's
// scheme) is left out of the identity, since it counts every task created
// before it. Events are compared by kind, virtual time, task identity, site
// and detail; ids, causes and decision indices are left out (counters and
// positions that shift whenever anything before them does).
//
// Determinism: a pure function of the two traces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "detsim/trace/trace.hpp"

namespace detsim::cli {

struct AlignedDiff {
  // The first index (0-based) at which the traces' events differ; empty if
  // they do not (their lengths included).
  std::optional<std::size_t> divergence;
  // Tasks matched across the traces whose names differ: "Task-7 = Task-9".
  std::vector<std::string> renamed;
  // From the divergence on: one row per (task, event kind, site) whose
  // counts differ, "  <task> <kind> <site>: A n, B m", sorted.
  std::vector<std::string> differing_counts;
};

AlignedDiff align_traces(const Trace& first, const Trace& second);

}  // namespace detsim::cli
