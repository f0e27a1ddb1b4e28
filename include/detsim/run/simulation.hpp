// detsim::run_simulation: run one program under one seed (or a recorded
// schedule), record its trace, and say how to reproduce a failure.
//
// This is the seam between a program and everything that drives it: the test
// integration (detsim/testing.hpp), seed sweeps (detsim/run/sweep.hpp), the
// determinism check and, to come, the detsim CLI all run programs through
// it. A program is a function that runs its work on the loop it is given
// (usually one run_until_complete), or a coroutine factory.
//
// Environment variables (each overrides the option of the same meaning, so a
// failure printed by CI can be rerun exactly, from the same binary):
//   DETSIM_SEED=42              the seed
//   DETSIM_SCHEDULER=random     a scheduler spec (registry.hpp): "swarm"
//                               (the default, default_scheduler_spec: per
//                               seed, a draw of random, pos or pct), "random",
//                               "fifo", "pct:3", ...
//   DETSIM_REPLAY=path.jsonl    replay a recorded trace, stopping at the
//                               first divergence (DivergenceError)
//   DETSIM_SCHEDULE=s1....      replay a schedule string (detsim/scheduling/schedule.hpp);
//                               a malformed one is a ScheduleError, and a run
//                               that leaves some of its decisions unused fails
//                               ("replay diverged: the run took 5 of the
//                               schedule's 9 decisions ...")
//   DETSIM_CHECK_DETERMINISM=1  run twice and compare (detsim/replay/determinism.hpp)
//   DETSIM_DEBUG=1              run the loop in debug mode: traces also show
//                               where each future was created
//   DETSIM_FAIL_ON_LEAKS=1      a run whose tasks are still blocked when its
//                               root finishes fails (leaked_tasks)
//   DETSIM_TRACE_DIR=dir        where traces of failing runs go (default: the
//                               current directory); reports name them by
//                               absolute path, so their commands work anywhere
//
// A failing run's trace is always written (see TraceRecorder); the result's
// message says where, with the schedule string and the command to rerun. A
// replay never writes over the trace it replays: a replay of trace.jsonl
// writes trace.jsonl.replay.jsonl, and a failing replay of a schedule string
// detsim-<name>-seed<seed>.jsonl.replay.jsonl, beside the original failure's.
//
// The scheduler in parentheses is the one that ran: under the default,
// swarm, the strategy it drew for the seed, which the schedule string names
// too (DETSIM_SEED=42 alone reruns it, and so does DETSIM_SEED=42
// DETSIM_SCHEDULER=<that strategy>).
//
//   detsim: simulation 'bank' failed under seed 42 (random): <what failed>
//     trace:    /home/me/bank/build/detsim-bank-seed42.jsonl
//     schedule: s1.random.42.9.BgMCAw
//     replay:   DETSIM_REPLAY=/home/me/bank/build/detsim-bank-seed42.jsonl <command>
//     or:       DETSIM_SCHEDULE=s1.random.42.9.BgMCAw <command>
//
// Example:
//   auto result = detsim::run_simulation([](detsim::EventLoop& loop) {
//     loop.run_until_complete(transfer_money());
//   }, {.name = "bank", .seed = 42});
//   if (!result.ok()) std::cerr << result.report;
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include "detsim/base/options.hpp"
#include "detsim/run/coverage.hpp"
#include "detsim/scheduling/registry.hpp"
#include "detsim/scheduling/scheduler.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/program.hpp"
#include "detsim/core/task.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim {

struct SimulationOptions {
  std::string name;                 // the program's name, in traces and file names
  std::uint64_t seed = 1;
  // A scheduler spec (make_scheduler, registry.hpp): "swarm" (the default,
  // default_scheduler_spec), "random", "fifo", "pct:3", ...
  std::string scheduler{default_scheduler_spec};
  // The budget: a run that goes on past it fails as budget_exceeded. Its
  // trace is written whole, so a task yielding forever stops at 1M steps
  // after 0.5 s, with a trace of 225 MB and 175 MB of memory at the peak
  // (at 10M: 2.3 GB and 1.7 GB). A simulation that needs more raises it.
  LoopLimits limits{.max_callbacks = 1'000'000, .max_virtual_time = std::chrono::hours(24 * 365)};
  std::string trace_path;           // write the trace here, pass or fail; empty: only failures, to DETSIM_TRACE_DIR
  std::string replay_path;          // replay this trace instead of running a seed
  std::string schedule;             // replay this schedule string instead of running a seed
  std::optional<std::vector<std::uint32_t>> choices;  // run under ChoiceScheduler{choices, seed} instead
  bool check_determinism = false;   // run twice, fail if the two runs' events differ
  bool debug = false;               // EventLoop::set_debug (a replay takes the recorded mode)
  std::string command;              // how to rerun this case, for the report ("<command>" if empty)
  bool read_environment = true;     // apply the DETSIM_* variables above
  // false: the report leaves out the replay: and or: commands, for a caller
  // whose cases are rerun another way (check_schedule: RapidCheck's
  // reproduce string brings back its inputs and choices together).
  bool report_rerun_commands = true;
  // false: a run that passes returns no trace and no schedule string (its
  // digest and outcome only), which saves decoding its events (unless
  // trace_path has the trace written anyway); a run that fails returns
  // everything, and check_determinism keeps them regardless. What a sweep
  // does for each seed.
  bool keep_trace = true;
  // false: a failing run's trace is not written either (unless trace_path
  // asks for it): a sweep keeps its failures as seeds and writes the traces
  // of the few it reports by running them again.
  bool write_failure_trace = true;
  // Tasks still blocked when the program's (last) run_until_complete
  // finished are leaked waiters: always listed (SimulationResult::
  // leaked_tasks, task_leaked events in the trace), and with this set, the
  // run fails as Outcome::leaked_tasks. Off by default because asyncio lets
  // a program end with tasks pending, and correct programs do: a worker
  // pool's idle workers wait on their queue for jobs that never come, a
  // server loop waits for the next request. A test that means to clean up
  // after itself turns it on (DETSIM_TEST_NO_LEAKS in detsim/testing.hpp).
  bool fail_on_leaked_tasks = false;
  // For drivers that make their own schedulers (explore(), run/explore.hpp):
  // if set, the run's scheduler is scheduler_factory(seed) instead of the
  // spec's (a replay or choices still take precedence).
  std::function<std::unique_ptr<Scheduler>(std::uint64_t seed)> scheduler_factory;
  // Record the run's orderings of conflicting steps by site pair
  // (RunCoverage::orderings, run/coverage.hpp). Off by default: it watches
  // every event, which about doubles the cost of a run of a small program
  // (callgrind: lost_update, 2 tasks x 10 increments, 30k instructions a
  // run, 50k with it). SOMETIMES/REACHABLE points are always recorded.
  // `detsim sweep` turns it on (seed_sweep reads it from
  // SeedSweepOptions::simulation).
  bool record_orderings = false;
  // If set, called with the run's loop before the program: to attach an
  // observer (which must outlive the run) or set loop options.
  std::function<void(EventLoop&)> prepare_loop;
};

struct SimulationResult {
  Outcome outcome = Outcome::ok;
  std::string message;     // what failed
  std::uint64_t seed = 0;
  std::string scheduler;
  std::uint64_t digest = 0;           // the trace's digest
  std::uint64_t schedule_digest = 0;  // EventLoop::schedule_digest at the run's end: what a sweep keeps
  std::uint64_t steps = 0;            // callbacks and task steps run (EventLoop::callbacks_run)
  std::string schedule;    // the run's schedule string (empty if keep_trace was false and it passed)
  std::string trace_path;  // where the trace was written, empty if nowhere
  std::string report;      // the full failure message above; empty when ok
  Trace trace;             // the run's events (none if keep_trace was false and it passed)
  // The tasks left blocked when the root finished, in task-id order, each
  // with what it waits on ("waits on Lock 'accounts', held by 'transfer-2'
  // (task 3)"). A failure's report lists them too.
  std::vector<LeakedTask> leaked_tasks;
  RunCoverage coverage;    // its SOMETIMES/REACHABLE points and orderings (run/coverage.hpp)
  bool ok() const noexcept { return outcome == Outcome::ok; }
};

SimulationResult run_simulation(const Program& program, SimulationOptions options = {});

// For a coroutine body: runs loop.run_until_complete(body()).
template <class F>
  requires std::is_invocable_r_v<Task<void>, F&>
SimulationResult run_simulation(F body, SimulationOptions options = {}) {
  return run_simulation(Program([body = std::move(body)](EventLoop& loop) mutable { loop.run_until_complete(body()); }),
                        std::move(options));
}

// The options after applying the DETSIM_* environment variables
// (current_options(), detsim/base/options.hpp).
SimulationOptions apply_environment(SimulationOptions options);
// The same with settings already read (a sweep reads them once for itself
// and its runs).
SimulationOptions apply_environment(SimulationOptions options, const Options& settings);

}  // namespace detsim
