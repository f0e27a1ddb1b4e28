// detsim::SeedRunner: run seed after seed of one program in this process,
// each recorded as a sweep records it: its outcome and digest.
//
// A seed sweep keeps a passing seed only as its digest, and runs a failing
// seed again with a whole TraceRecorder (run_simulation) for its decisions,
// length and trace. So the runner records each seed with one Recording that
// it keeps from seed to seed: no recorder, trace header, log chunk or site
// table is built per seed, which was most of what recording cost a short
// run (about 1.5 us of a 2 us seed). Nor is a loop: the runner renews one
// loop per seed (EventLoop::renew).
//
// Determinism contract: run(seed) gives the outcome, message and digest
// that run_simulation gives the same program under the same seed and
// scheduler, whatever ran before it in this runner (the reused tables hold
// only interned sites and strings, whose indices never enter a digest). A
// program that keeps state between runs breaks this, as it breaks
// run_simulation's: seed_sweep reruns failing seeds alone to catch it.
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

#include "detsim/run/simulation.hpp"
#include "detsim/scheduling/registry.hpp"

namespace detsim {

class SeedRunner {
 public:
  // `options`: name, scheduler, limits and debug are used; the rest is
  // ignored. Throws SchedulerSpecError if the scheduler spec is bad.
  SeedRunner(Program program, const SimulationOptions& options);
  ~SeedRunner();
  SeedRunner(const SeedRunner&) = delete;
  SeedRunner& operator=(const SeedRunner&) = delete;

  struct Result {
    Outcome outcome = Outcome::ok;
    std::string message;  // what failed; empty when ok
    std::uint64_t digest = 0;
    std::uint64_t steps = 0;  // events recorded (a trace's footer "events")
  };
  Result run(std::uint64_t seed);

 private:
  class Recorder;
  Program program_;
  SimulationOptions options_;
  ResolvedScheduler make_scheduler_;  // options_.scheduler, looked up once
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<EventLoop> loop_;  // renewed per seed (EventLoop::renew)
};

}  // namespace detsim
