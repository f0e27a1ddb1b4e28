#include "detsim/run/seed_sweep.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "detsim/base/errors.hpp"
#include "detsim/base/options.hpp"
#include "detsim/run/seed_runner.hpp"
#include "detsim/run/shrink.hpp"
#include "detsim/scheduling/registry.hpp"
#include "detsim/trace/recorder.hpp"
#include "base/hash_mix.hpp"
#include "run/fork_pool.hpp"
#include "run/seed_coverage.hpp"

namespace detsim {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What a worker reports for a chunk of seeds: its failures already grouped
// (merged in the parent as shards are: FailureGroups::add_group).
struct ChunkResult {
  std::uint64_t seeds_run = 0;
  std::uint64_t digest = 0;  // sum of sweep_digest_term
  double seconds = 0;
  FailureGroups groups;
  SweepCoverage coverage;
};

std::string encode(ChunkResult& chunk) {
  chunk.groups.finish();
  detail::WireWriter out;
  out.number(chunk.seeds_run).number(chunk.digest);
  out.number(static_cast<std::uint64_t>(chunk.seconds * 1e9));
  out.number(chunk.groups.groups().size());
  for (const FailureGroup& group : chunk.groups.groups()) {
    out.text(group.signature.kind).text(group.signature.site).text(group.signature.message);
    out.number(group.count).number(group.first_seed).text(group.first_message);
    out.number(group.shortest_seed).number(group.shortest_steps);
  }
  out.number(chunk.groups.failures().size());
  for (const SeedFailure& failure : chunk.groups.failures()) {
    out.number(failure.seed).number(failure.digest).number(failure.steps).number(failure.group);
  }
  detail::write_coverage(out, chunk.coverage);
  return out.take();
}

// Adds the chunk in `bytes` to `groups` and `coverage` (if given: progress
// needs none, and it is the bulk of a chunk); its seeds run and digest into
// the totals.
void decode_chunk(const std::string& bytes, FailureGroups& groups, std::uint64_t& seeds_run, std::uint64_t& digest,
                  double& seconds, SweepCoverage* coverage) {
  detail::WireReader in(bytes);
  seeds_run += in.number();
  digest += in.number();
  seconds += static_cast<double>(in.number()) / 1e9;
  std::vector<FailureGroup> summaries(in.number());
  for (FailureGroup& group : summaries) {
    group.signature.kind = in.text();
    group.signature.site = in.text();
    group.signature.message = in.text();
    group.count = in.number();
    group.first_seed = in.number();
    group.first_message = in.text();
    group.shortest_seed = in.number();
    group.shortest_steps = in.number();
  }
  std::vector<std::vector<SeedFailure>> failures(summaries.size());
  for (std::uint64_t n = in.number(); n > 0; --n) {
    SeedFailure failure{in.number(), in.number(), in.number(), static_cast<std::uint32_t>(in.number())};
    if (failure.group >= summaries.size()) throw Error("detsim.sweep.wire", "a worker's result names no such group");
    failures[failure.group].push_back(failure);
  }
  for (std::size_t i = 0; i < summaries.size(); ++i) groups.add_group(summaries[i], failures[i]);
  if (coverage) detail::read_coverage(in, *coverage);
}

class SeedSweep {
 public:
  SeedSweep(const Program& program, SeedSweepOptions options) : program_(program), options_(std::move(options)) {
    if (options_.jobs == 0) options_.jobs = std::max(1u, std::thread::hardware_concurrency());
    base_ = options_.simulation;
    base_.name = options_.name;
    base_.read_environment = false;
    base_.keep_trace = false;
    base_.write_failure_trace = false;
    base_.check_determinism = false;
    base_.trace_path.clear();
    base_.replay_path.clear();
    base_.schedule.clear();
    base_.choices.reset();
    report_.name = options_.name;
    report_.scheduler = base_.scheduler;
    report_.range = options_.shard ? shard_of(options_.seeds, *options_.shard) : options_.seeds;
    report_.shard = options_.shard;
    report_.jobs = options_.jobs;
    report_.isolate = options_.isolate;
    report_.coverage.set_orderings_recorded(base_.record_orderings);
    // Chunk bounds depend on the range only, never on jobs: even a program
    // that leaks state from seed to seed gives the same report for any jobs.
    chunk_size_ = std::clamp<std::uint64_t>(report_.range.count / 64, 16, 4096);
  }

  SeedSweepReport run() {
    start_ = Clock::now();
    sweep_chunks();
    rerun_alone();
    if (options_.shrink) shrink_groups();
    report_.failures = groups_.failures();
    report_.groups = groups_.groups();
    report_.elapsed_seconds = seconds_since(start_);
    progress("done");
    return std::move(report_);
  }

 private:
  // One seed in a process of its own, into `chunk`. A crash is the seed's
  // failure, with the signal in its message.
  void run_isolated(std::uint64_t seed, ChunkResult& chunk) const {
    detail::run_in_children(
        1, 1,
        {.task =
             [&](std::size_t) {
               ChunkResult one;
               run_in_process(seed, seed + 1, one);
               return encode(one);
             },
         .done = [&](std::size_t, detail::ChildResult result) {
           if (result.ok) {
             decode_chunk(result.payload, chunk.groups, chunk.seeds_run, chunk.digest, chunk.seconds, &chunk.coverage);
           } else {
             chunk.seeds_run += 1;
             chunk.digest += sweep_digest_term(seed, 0);
             chunk.coverage.add_seed_without_coverage();
             chunk.groups.add(FailedRun{.seed = seed, .message = "crashed: " + result.payload});
           }
           return true;
         }});
  }

  // Seeds [first, end) in this process, run by one SeedRunner, and their
  // coverage kept by one SeedCoverage.
  void run_in_process(std::uint64_t first, std::uint64_t end, ChunkResult& chunk) const {
    detail::SeedCoverage coverage(base_.record_orderings);
    SeedRunner runner(coverage.watching(program_), base_);
    for (std::uint64_t seed = first; seed < end; ++seed) {
      SeedRunner::Result result = coverage.record(seed, [&] { return runner.run(seed); });
      ++chunk.seeds_run;
      chunk.digest += sweep_digest_term(seed, result.digest);
      if (result.outcome != Outcome::ok) {
        // Its decisions are read later, from the runs of the seeds the
        // report shows (rerun_alone): most failing seeds need none.
        chunk.groups.add(FailedRun{seed, result.outcome, std::move(result.message), result.digest, result.steps, {}});
        if (options_.stop_on_first) break;
      }
    }
    chunk.coverage.merge(coverage.take());
  }

  std::string run_chunk(std::size_t index) const {
    const auto started = Clock::now();
    const std::uint64_t first = report_.range.first + index * chunk_size_;
    const std::uint64_t end = first + std::min<std::uint64_t>(chunk_size_, report_.range.count - index * chunk_size_);
    ChunkResult chunk;
    if (!options_.isolate) {
      run_in_process(first, end, chunk);
    } else {
      for (std::uint64_t seed = first; seed < end; ++seed) {
        const std::uint64_t failures_before = chunk.groups.size();
        run_isolated(seed, chunk);
        if (chunk.groups.size() > failures_before && options_.stop_on_first) break;
      }
    }
    chunk.seconds = seconds_since(started);
    return encode(chunk);
  }

  void sweep_chunks() {
    const std::uint64_t count = report_.range.count;
    const std::size_t chunks = static_cast<std::size_t>((count + chunk_size_ - 1) / chunk_size_);
    std::map<std::size_t, std::string> results;  // chunk index -> its encoded result, until merged
    std::size_t merged = 0;                       // chunks 0..merged-1 are in the report
    bool stopped = false;
    std::optional<std::size_t> first_failing;
    std::string error;
    const auto deadline = options_.time_budget ? std::optional(start_ + *options_.time_budget) : std::nullopt;
    detail::run_in_children(
        chunks, options_.jobs,
        {.task = [&](std::size_t index) { return run_chunk(index); },
         .done =
             [&](std::size_t index, detail::ChildResult result) {
               if (!result.ok) {
                 const std::uint64_t first = report_.range.first + index * chunk_size_;
                 error = "the worker running seeds " + std::to_string(first) + ".." +
                         std::to_string(first + chunk_size_ - 1) + " failed: " + result.payload +
                         "; run with --isolate to find the seed";
                 return false;
               }
               // Counted now, for progress and stop_on_first; merged into the
               // report in seed order, as soon as every chunk before it is in,
               // so that only chunks that came early wait in memory.
               FailureGroups found;
               std::uint64_t seeds_run = 0, digest = 0;
               double seconds = 0;
               decode_chunk(result.payload, found, seeds_run, digest, seconds, nullptr);
               done_ += seeds_run;
               failures_found_ += found.size();
               for (const FailureGroup& group : found.groups()) signatures_found_.insert(group.signature);
               if (found.size() > 0 && (!first_failing || index < *first_failing)) first_failing = index;
               results.emplace(index, std::move(result.payload));
               for (auto next = results.find(merged); next != results.end() && !stopped; next = results.find(merged)) {
                 decode_chunk(next->second, groups_, report_.seeds_run, report_.digest, report_.worker_seconds,
                              &report_.coverage);
                 results.erase(next);
                 // With stop_on_first, nothing past the first failing chunk counts.
                 stopped = options_.stop_on_first && first_failing && merged == *first_failing;
                 ++merged;
               }
               progress("sweep");
               return true;
             },
         .tick = [&] { progress("sweep"); },
         .may_start =
             [&](std::size_t index) {
               if (deadline && Clock::now() >= *deadline) return false;
               return !(options_.stop_on_first && first_failing && index > *first_failing);
             }});
    if (!error.empty()) throw Error("detsim.sweep.worker", error);
    groups_.finish();
  }

  std::string trace_path(std::uint64_t seed, const std::string& suffix) const {
    if (options_.trace_dir.empty()) {
      std::string path = failure_trace_path(options_.name, seed);
      return path.substr(0, path.size() - 6) + suffix + ".jsonl";
    }
    return options_.trace_dir + "/detsim-" + options_.name + "-seed" + std::to_string(seed) + suffix + ".jsonl";
  }

  std::string seed_command(std::uint64_t seed) const {
    if (options_.seed_command) return options_.seed_command(seed);
    const std::string command = base_.command.empty() ? "<command>" : base_.command;
    return "DETSIM_SEED=" + std::to_string(seed) + " DETSIM_SCHEDULER=" + concrete_scheduler_spec(base_.scheduler, seed) +
           " " + command;
  }

  std::string schedule_command(const std::string& schedule) const {
    if (options_.schedule_command) return options_.schedule_command(schedule);
    const std::string command = base_.command.empty() ? "<command>" : base_.command;
    return "DETSIM_SCHEDULE=" + schedule + " " + command;
  }

  // Step 3 (see the header): the groups' seeds, and the first failing
  // ones, run alone in fresh processes.
  void rerun_alone() {
    std::set<std::uint64_t> traced;
    for (const FailureGroup& group : groups_.groups()) {
      traced.insert(group.first_seed);
      traced.insert(group.shortest_seed);
    }
    std::set<std::uint64_t> seeds = traced;
    const auto& failures = groups_.failures();
    for (std::size_t i = 0; i < failures.size() && i < options_.leak_check_seeds; ++i) seeds.insert(failures[i].seed);
    const std::vector<std::uint64_t> list(seeds.begin(), seeds.end());
    std::map<std::uint64_t, std::pair<std::string, std::string>> alone;  // seed -> (trace, schedule)
    std::map<std::uint64_t, std::uint64_t> sweep_digest;
    for (const SeedFailure& failure : failures) sweep_digest[failure.seed] = failure.digest;
    detail::run_in_children(
        list.size(), options_.jobs,
        {.task =
             [&](std::size_t index) {
               const std::uint64_t seed = list[index];
               SimulationOptions options = base_;
               options.seed = seed;
               if (traced.count(seed) != 0) options.trace_path = trace_path(seed, "");
               const SimulationResult result = run_simulation(program_, options);
               detail::WireWriter out;
               const std::uint64_t digest =
                   sweep_seed_digest(result.schedule_digest, result.outcome, result.message);
               out.text(result.trace_path).text(result.schedule).number(result.ok() ? 1 : 0).number(digest);
               out.text(std::string(to_string(result.outcome)) + " " + format_digest(digest) +
                        (result.ok() ? std::string() : ": " + result.message));
               return out.take();
             },
         .done =
             [&](std::size_t index, detail::ChildResult result) {
               const std::uint64_t seed = list[index];
               std::string summary = "crashed: " + result.payload;
               std::string path;
               std::string schedule;
               // A seed that crashed its process in an isolated sweep crashes alone too.
               bool same = !result.ok && options_.isolate;
               if (result.ok) {
                 detail::WireReader in(result.payload);
                 path = in.text();
                 schedule = in.text();
                 const bool passed = in.number() == 1;
                 const std::uint64_t digest = in.number();
                 same = !passed && digest == sweep_digest[seed];
                 summary = in.text();
               }
               alone[seed] = {path, schedule};
               if (!same) {
                 report_.leaks.push_back(DeterminismLeak{seed, in_sweep_summary(seed), summary});
               }
               progress("rerun");
               return true;
             }});
    std::sort(report_.leaks.begin(), report_.leaks.end(),
              [](const DeterminismLeak& a, const DeterminismLeak& b) { return a.seed < b.seed; });
    for (FailureGroup& group : groups_.groups()) {
      group.first_trace = alone[group.first_seed].first;
      group.shortest_trace = alone[group.shortest_seed].first;
      group.shortest_schedule = alone[group.shortest_seed].second;
      group.shortest_command = seed_command(group.shortest_seed);
    }
  }

  std::string in_sweep_summary(std::uint64_t seed) const {
    for (const SeedFailure& failure : groups_.failures()) {
      if (failure.seed != seed) continue;
      const FailureGroup& group = groups_.groups()[failure.group];
      return group.signature.kind + " " + format_digest(failure.digest) + ": " + group.signature.message;
    }
    return "ok";
  }

  // Step 4: each group shrunk in a fresh process.
  void shrink_groups() {
    auto& groups = groups_.groups();
    detail::run_in_children(
        groups.size(), options_.jobs,
        {.task =
             [&](std::size_t index) {
               const FailureGroup& group = groups[index];
               const auto shrunk =
                   shrink_failure(program_, base_, group.shortest_seed, group.shortest_schedule, group.signature,
                                  trace_path(group.shortest_seed, "-shrunk"), {.max_runs = options_.shrink_max_runs});
               detail::WireWriter out;
               out.number(shrunk ? 1 : 0);
               if (shrunk) {
                 out.number(shrunk->from_seed).number(shrunk->choices.size());
                 for (std::uint32_t choice : shrunk->choices) out.number(choice);
                 out.text(shrunk->schedule).number(shrunk->deviations).number(shrunk->steps).number(shrunk->runs);
                 out.text(shrunk->trace_path);
               }
               return out.take();
             },
         .done =
             [&](std::size_t index, detail::ChildResult result) {
               if (!result.ok) return true;  // no reproducer for this group; the report says none
               detail::WireReader in(result.payload);
               if (in.number() == 0) return true;
               ShrunkReproducer shrunk;
               shrunk.from_seed = in.number();
               for (std::uint64_t n = in.number(); n > 0; --n) shrunk.choices.push_back(static_cast<std::uint32_t>(in.number()));
               shrunk.schedule = in.text();
               shrunk.deviations = in.number();
               shrunk.steps = in.number();
               shrunk.runs = in.number();
               shrunk.trace_path = in.text();
               shrunk.command = schedule_command(shrunk.schedule);
               groups[index].shrunk = std::move(shrunk);
               progress("shrink");
               return true;
             }});
  }

  void progress(const char* phase) {
    if (!options_.on_progress) return;
    const bool sweeping = std::string_view(phase) == "sweep";
    options_.on_progress(SweepProgress{.done = sweeping ? done_ : report_.seeds_run,
                                       .total = report_.range.count,
                                       .failures = sweeping ? failures_found_ : groups_.size(),
                                       .groups = sweeping ? signatures_found_.size() : groups_.groups().size(),
                                       .elapsed_seconds = seconds_since(start_),
                                       .phase = phase});
  }

  const Program& program_;
  SeedSweepOptions options_;
  SimulationOptions base_;
  SeedSweepReport report_;
  std::uint64_t chunk_size_ = 1;
  Clock::time_point start_;
  std::uint64_t done_ = 0;
  // As chunks come, for progress (may include chunks that stop_on_first cuts later).
  std::uint64_t failures_found_ = 0;
  std::set<FailureSignature> signatures_found_;
  FailureGroups groups_;
};

}  // namespace

std::uint64_t sweep_digest_term(std::uint64_t seed, std::uint64_t run_digest) noexcept {
  // splitmix64's finalizer over both: a wrapping sum of these is the same
  // in any order, and changes when any one seed's digest does.
  return detail::splitmix64_finalize(seed * detail::golden_multiplier ^ run_digest);
}

std::string DeterminismLeak::describe() const {
  return "seed " + std::to_string(seed) + " behaves differently when run alone: in the sweep " + in_sweep +
         "; alone " + alone + " (state left by an earlier seed in the same process: run with --isolate)";
}

SeedSweepReport seed_sweep(const Program& program, SeedSweepOptions options) {
  return SeedSweep(program, std::move(options)).run();
}

}  // namespace detsim
