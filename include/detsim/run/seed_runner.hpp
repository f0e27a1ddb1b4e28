// detsim::SeedRunner: run seed after seed of one program in this process,
// each kept as a sweep keeps it: its outcome, schedule digest and steps.
//
// A seed sweep keeps a passing seed only as its schedule digest
// (EventLoop::schedule_digest), and runs the seeds its report shows again
// with a whole TraceRecorder (run_simulation) for their decisions and
// traces. So the runner attaches no recorder at all: the loop chains its
// decisions whether or not it is observed, at a multiply and a rotate per
// pick, where recording a trace's digest cost a short run about 60% more
// instructions. Nor does it build a loop per seed: it renews one
// (EventLoop::renew), and reseeds its scheduler in place where it can.
//
// Determinism contract: run(seed) gives the outcome, message, digest and
// steps that run_simulation gives the same program under the same seed and
// scheduler (its digest is sweep_seed_digest of run_simulation's
// schedule_digest, outcome and message), whatever ran before it in this
// runner. A program that keeps state between runs breaks this, as it
// breaks run_simulation's: seed_sweep reruns failing seeds alone to catch
// it.
//
// Example:
//   detsim::SeedRunner runner(program, {.name = "bank", .scheduler = "random"});
//   for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
//     const auto run = runner.run(seed);
//     if (run.outcome != detsim::Outcome::ok) std::cout << seed << ": " << run.message << "\n";
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "detsim/run/simulation.hpp"
#include "detsim/scheduling/registry.hpp"

namespace detsim {

class SeedRunner {
 public:
  // `options`: name, scheduler, limits, debug, fail_on_leaked_tasks and
  // prepare_loop are used, as run_simulation uses them; the rest (traces,
  // replays, the determinism check) is ignored. Throws SchedulerSpecError
  // if the scheduler spec is bad.
  SeedRunner(Program program, const SimulationOptions& options);
  ~SeedRunner();
  SeedRunner(const SeedRunner&) = delete;
  SeedRunner& operator=(const SeedRunner&) = delete;

  struct Result {
    Outcome outcome = Outcome::ok;
    std::string message;  // what failed; empty when ok
    std::uint64_t digest = 0;  // sweep_seed_digest of the run (below)
    std::uint64_t steps = 0;   // callbacks and task steps run (EventLoop::callbacks_run)
  };
  Result run(std::uint64_t seed);

 private:
  Program program_;
  SimulationOptions options_;
  ResolvedScheduler make_scheduler_;  // options_.scheduler, looked up once
  std::unique_ptr<EventLoop> loop_;  // renewed per seed (EventLoop::renew)
};

// What a sweep keeps of a seed as its digest: its schedule digest
// (EventLoop::schedule_digest) if it passed; if it failed, that mixed with
// its outcome and message, so that a seed whose failure reads otherwise
// when it is run again alone (static state that changed only a number in
// a message) is told apart, as its trace's digest would tell it.
std::uint64_t sweep_seed_digest(std::uint64_t schedule_digest, Outcome outcome, std::string_view message) noexcept;

}  // namespace detsim
