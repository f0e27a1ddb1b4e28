// A seed sweep's report as JSON Lines (for machines, and for merging shard
// outputs) and as a table (for people).
//
// JSON Lines, one object per line, "type" first:
//   {"type":"sweep", "name", "scheduler", "first", "count" (the seeds
//     assigned), "shard" ("I/N" or null), "seeds_run", "digest" (16 hex
//     digits: the sweep digest, seed_sweep.hpp), "elapsed_seconds",
//     "worker_seconds", "jobs", "isolate", "failures", "groups"}   first line
//   {"type":"group", "index", "kind", "site", "message" (the signature),
//     "count", "first_seed", "first_message", "first_trace", "shortest_seed",
//     "shortest_steps", "schedule", "trace", "command",
//     "shrunk": null or {"from_seed", "choices", "schedule", "deviations",
//     "steps", "runs", "trace", "command"}}                          per group
//   {"type":"failure", "seed", "digest", "steps", "group"}   per failing seed
//   {"type":"leak", "seed", "in_sweep", "alone"}             per determinism leak
//
// merge_reports combines shards of one sweep (same name and scheduler,
// disjoint ranges) into the report the unsharded sweep gives: failures and
// digest exactly, groups with the same first and shortest seeds and the same
// shrunk reproducer (each group's is shrunk from its shortest seed). Elapsed
// time is the longest shard's; worker time adds up.
//
// Errors: read_sweep_report throws detsim::Error (detsim.sweep.report) naming
// the source, line and what is wrong; merge_reports throws for shards of
// different sweeps or overlapping ranges.
//
// Example:
//   std::ofstream out("shard-0.jsonl");
//   detsim::write_sweep_report(out, report);
//   ...
//   auto merged = detsim::merge_reports({read_sweep_report(in0, "shard-0.jsonl"), ...});
//   std::cout << detsim::format_sweep_table(merged);
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "detsim/run/seed_sweep.hpp"

namespace detsim {

void write_sweep_report(std::ostream& out, const SeedSweepReport& report);
SeedSweepReport read_sweep_report(std::istream& in, const std::string& source);
SeedSweepReport merge_reports(const std::vector<SeedSweepReport>& reports);

// For people: totals, seeds/s, then one block per group (count, first seed,
// shortest seed with schedule and command, shrunk reproducer), then leaks.
std::string format_sweep_table(const SeedSweepReport& report);

}  // namespace detsim
