// A seed sweep's report as JSON Lines (for machines, and for merging shard
// outputs) and as a table (for people).
//
// JSON Lines, one object per line, "type" first:
//   {"type":"sweep", "format" (sweep_report_format), "name", "scheduler",
//     "first", "count" (the seeds assigned), "shard" ("I/N" or null),
//     "seeds_run", "digest" (16 hex digits: the sweep digest,
//     seed_sweep.hpp), "elapsed_seconds", "worker_seconds", "jobs",
//     "isolate", "failures", "groups"}                          first line
//   {"type":"group", "index", "kind", "site", "message" (the signature),
//     "count", "first_seed", "first_message", "first_trace", "shortest_seed",
//     "shortest_steps", "schedule", "trace", "command",
//     "shrunk": null or {"from_seed", "choices", "schedule", "deviations",
//     "steps", "runs", "trace", "command"}}                          per group
//   {"type":"failure", "seed", "digest" (sweep_seed_digest, seed_runner.hpp:
//     its schedule digest mixed with its outcome and message), "steps"
//     (callbacks and task steps run), "group"}                per failing seed
//   {"type":"leak", "seed", "in_sweep", "alone"}             per determinism leak
// then the coverage (sweep_coverage.hpp), after every line above:
//   {"type":"coverage", "seeds" (= seeds_run), "schedules" (distinct
//     seed digests, sweep_seed_digest), "orderings" (distinct orderings
//     of conflicting steps, or
//     null: not recorded), "points", "unreached" (names of the points that
//     never held, sorted), "last_new_schedule", "last_new_ordering",
//     "last_new_point" (the plateau: the seed where the last new one
//     appeared, a point counting from the seed it first held in; null:
//     none)}                                                    one line
//   {"type":"point", "name", "kind" ("sometimes" or "reachable"), "site"
//     ("file:line", of its first seed), "first_seed" (evaluated),
//     "seeds_evaluated", "seeds_held", "first_held_seed" (or null),
//     "evaluations", "held" (over all seeds)}           per point, by name
//   {"type":"ordering", "earlier", "later" (the steps' sites, "file:line"),
//     "first_seed"}                          per ordering, by (earlier, later)
//   {"type":"schedules", "digests" (16 hex digits each), "first_seeds"
//     (the first seed that made each)}   1000 digests a line, by digest
// The sets are written whole, not as counts, so that merging shards is
// exact: a schedule two shards both made is counted once. The counts and
// the plateau of the "coverage" line are derived from the lines after it,
// and read_sweep_report checks that they agree (a file cut short is an
// error, not a smaller coverage).
//
// merge_reports combines shards of one sweep (same name and scheduler,
// disjoint ranges) into the report the unsharded sweep gives: failures and
// digest exactly, groups with the same first and shortest seeds and the same
// shrunk reproducer (each group's is shrunk from its shortest seed), and the
// coverage as the union of the shards' (SweepCoverage::merge: each schedule,
// ordering and point once, with its smallest first seed; per-seed counts
// summed). Elapsed time is the longest shard's; worker time adds up.
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

// The report format's version, the "format" of its sweep line. 2: each
// seed's digest is sweep_seed_digest (its schedule digest, with a failure's
// outcome and message) and a length counts steps. Reports of earlier
// builds, with trace digests and lengths in events and no "format" field,
// cannot be merged with these: their sweep digests and coverage would not
// add up, so reading one is an error that says to sweep the shard again.
inline constexpr std::uint64_t sweep_report_format = 2;

void write_sweep_report(std::ostream& out, const SeedSweepReport& report);
SeedSweepReport read_sweep_report(std::istream& in, const std::string& source);
SeedSweepReport merge_reports(const std::vector<SeedSweepReport>& reports);

// For people: totals, seeds/s, then one block per group (count, first seed,
// shortest seed with schedule and command, shrunk reproducer), then leaks,
// then the coverage:
//
//   coverage: 1000 seeds, 35 distinct schedules, 17 orderings of conflicting steps (by site pair), 3 point(s), 1 never held
//     plateau: last new schedule at seed 215 (785 seeds ago), last new ordering at seed 51 (949 seeds ago), last new point held at seed 1 (999 seeds ago)
//     DETSIM_SOMETIMES "B finished an increment first"  held in 488 of 1000 seeds      tests/run/sweep_programs.hpp:61
//     DETSIM_REACHABLE "both workers finished"          reached in 1000 of 1000 seeds  tests/run/sweep_programs.hpp:63
//     DETSIM_SOMETIMES "the counter went negative"      NEVER HELD in 1000 seeds       tests/run/sweep_programs.hpp:62
//
// A SOMETIMES's share is of the seeds that evaluated it; a REACHABLE's, of
// all the seeds (it holds wherever it is evaluated).
std::string format_sweep_table(const SeedSweepReport& report);

}  // namespace detsim
