#include "detsim/run/simulation.hpp"

#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "detsim/base/access.hpp"
#include "detsim/base/coverage.hpp"
#include "detsim/base/detail/assert.hpp"
#include "detsim/replay/determinism.hpp"
#include "detsim/replay/replay.hpp"
#include "detsim/scheduling/registry.hpp"
#include "detsim/scheduling/schedule.hpp"
#include "detsim/trace/recorder.hpp"
#include "detsim/base/options.hpp"
#include "run/ordering_watcher.hpp"
#include "run/program_run.hpp"

namespace detsim {

namespace {

struct Run {
  Outcome outcome = Outcome::ok;
  std::string message;
  std::uint64_t digest = 0;
  std::uint64_t schedule_digest = 0;
  std::uint64_t steps = 0;
  bool has_trace = false;  // trace holds the run's events
  Trace trace;
  std::string written_path;
  std::vector<LeakedTask> leaked;
  RunCoverage coverage;
};

// Where a run's trace goes: `path` pass or fail, else `failure_path` if it
// fails (empty: the recorder's default, failure_trace_path).
struct TracePaths {
  std::string path;
  std::string failure_path;
};

// A run that replayed a schedule string must have used all of it: leftover
// decisions mean the string is not this run's (another program, scenario or
// version), which a replay must not pass over in silence.
void check_schedule_used_up(const ReplayScheduler& schedule, Run& run) {
  if (schedule.position() == schedule.size()) return;
  const std::string unused = "the run took " + std::to_string(schedule.position()) + " of the schedule's " +
                             std::to_string(schedule.size()) +
                             " decisions (is the schedule string from another program or version?)";
  if (run.outcome == Outcome::ok) {
    run.outcome = Outcome::failed;
    run.message = DivergenceError(schedule.position() + 1, "replay diverged: " + unused).what();
  } else {
    run.message += "; and " + unused;
  }
}

// One run of the program on a fresh loop, recorded. Its events are decoded
// into run.trace if `keep_trace` or the run failed. `schedule` is the
// scheduler if it replays a schedule string.
Run run_once(const Program& program, std::unique_ptr<Scheduler> scheduler, const SimulationOptions& options,
             const Trace* replayed, TracePaths paths, bool keep_trace, const ReplayScheduler* schedule = nullptr) {
  // Before the loop: its tasks are destroyed with it, and may declare as they go.
  CoverageLog points;
  AccessLog accesses{.accesses = {}, .actor = &detail::task_access_actor};
  const CoverageScope coverage_scope{points};
  const AccessScope access_scope{accesses};
  detail::OrderingWatcher watcher{accesses};
  EventLoop loop{std::move(scheduler)};
  loop.set_limits(options.limits);
  loop.set_debug(options.debug);  // a Replayer sets the recorded mode instead
  TraceOptions trace_options{.program = options.name,
                             .path = std::move(paths.path),
                             .failure_path = std::move(paths.failure_path),
                             .write_on_failure = options.write_failure_trace};
  std::unique_ptr<Replayer> replayer;
  std::unique_ptr<TraceRecorder> own_recorder;
  if (replayed) {
    replayer = std::make_unique<Replayer>(loop, *replayed, std::move(trace_options));
  } else {
    own_recorder = std::make_unique<TraceRecorder>(loop, std::move(trace_options));
  }
  if (options.record_orderings) loop.add_observer(watcher);
  if (options.prepare_loop) options.prepare_loop(loop);
  Run run;
  detail::ProgramOutcome ended = detail::run_program(loop, program, options.fail_on_leaked_tasks);
  run.outcome = ended.outcome;
  run.message = std::move(ended.message);
  run.leaked = std::move(ended.leaked);
  run.schedule_digest = loop.schedule_digest();
  run.steps = loop.callbacks_run();
  if (schedule) check_schedule_used_up(*schedule, run);
  if (replayer) {
    try {
      replayer->finish(run.outcome, run.message);
    } catch (const DivergenceError& error) {
      run.outcome = Outcome::failed;
      run.message = error.what();
    }
  }
  TraceRecorder& recorder = replayer ? replayer->recorder() : *own_recorder;
  recorder.finish(run.outcome, run.message);
  run.written_path = recorder.written_path();
  run.digest = recorder.digest();
  run.has_trace = keep_trace || run.outcome != Outcome::ok;
  if (run.has_trace) run.trace = recorder.take_trace();
  if (options.record_orderings) loop.remove_observer(watcher);
  run.coverage.points = std::move(points);
  if (options.record_orderings) run.coverage.orderings = watcher.orderings();
  return run;
}

std::string failure_report(const SimulationOptions& options, const SimulationResult& result) {
  const std::string command = options.command.empty() ? "<command>" : options.command;
  std::string report = "detsim: simulation '" + (options.name.empty() ? std::string("run") : options.name) +
                       "' " + (result.outcome == Outcome::ok ? "passed" : std::string(to_string(result.outcome))) +
                       " under seed " + std::to_string(result.seed) + " (" + result.scheduler + "): " + result.message;
  for (const LeakedTask& task : result.leaked_tasks) report += "\n  leaked:   " + detail::leak_line(task);
  report += "\n  trace:    " + (result.trace_path.empty() ? std::string("(not written)") : result.trace_path);
  report += "\n  schedule: " + result.schedule;
  if (options.report_rerun_commands) {
    if (!result.trace_path.empty()) report += "\n  replay:   DETSIM_REPLAY=" + result.trace_path + " " + command;
    // A schedule holds only decisions: the mode must be given again.
    report += std::string("\n  or:       ") + (options.debug ? "DETSIM_DEBUG=1 " : "") + "DETSIM_SCHEDULE=" +
              result.schedule + " " + command;
  }
  report += "\n";
  return report;
}

}  // namespace

SimulationOptions apply_environment(SimulationOptions options) {
  return apply_environment(std::move(options), current_options());
}

SimulationOptions apply_environment(SimulationOptions options, const Options& settings) {
  options.seed = settings.seed.value_or(options.seed);
  options.scheduler = settings.scheduler.value_or(options.scheduler);
  options.replay_path = settings.replay_path.value_or(options.replay_path);
  options.schedule = settings.schedule.value_or(options.schedule);
  options.check_determinism = settings.check_determinism.value_or(options.check_determinism);
  options.debug = settings.debug.value_or(options.debug);
  options.fail_on_leaked_tasks = settings.fail_on_leaks.value_or(options.fail_on_leaked_tasks);
  return options;
}

SimulationResult run_simulation(const Program& program, SimulationOptions options) {
  if (options.read_environment) options = apply_environment(std::move(options));
  std::unique_ptr<Scheduler> scheduler;
  Trace replayed;
  bool replaying = false;
  TracePaths paths{.path = options.trace_path, .failure_path = {}};
  const ReplayScheduler* schedule = nullptr;
  if (!options.replay_path.empty()) {
    replayed = read_trace(options.replay_path);  // TraceError names file, line and field
    check_recorded_program(replayed, options.name, options.replay_path);
    scheduler = std::make_unique<ReplayScheduler>(schedule_of(replayed));
    replaying = true;
    options.debug = replayed.header.debug;  // the mode the trace's events were made in
    // Never overwrite the trace being replayed.
    if (paths.path.empty()) paths.path = options.replay_path + ".replay.jsonl";
  } else if (options.choices) {
    scheduler = std::make_unique<ChoiceScheduler>(*options.choices, options.seed);
  } else if (!options.schedule.empty()) {
    auto replay = std::make_unique<ReplayScheduler>(decode_schedule(options.schedule));
    schedule = replay.get();
    // Never over the trace of the failure it replays, which has the same
    // program and seed: next to it, named as a replay of that file is.
    paths.failure_path = failure_trace_path(options.name, replay->seed()) + ".replay.jsonl";
    scheduler = std::move(replay);
  } else if (options.scheduler_factory) {
    scheduler = options.scheduler_factory(options.seed);
  } else {
    scheduler = make_scheduler(options.scheduler, options.seed);
  }

  SimulationResult result;
  result.seed = scheduler->seed();
  result.scheduler = scheduler->name();
  std::unique_ptr<Scheduler> second_scheduler = options.check_determinism ? scheduler->clone_fresh() : nullptr;
  // The determinism check compares the two runs' events.
  const bool keep_trace = options.keep_trace || options.check_determinism;
  Run run = run_once(program, std::move(scheduler), options, replaying ? &replayed : nullptr, paths, keep_trace, schedule);

  if (second_scheduler && run.outcome == Outcome::ok) {
    Run again = run_once(program, std::move(second_scheduler), options, nullptr, {}, true);
    if (auto divergence = first_divergence(run.trace, again.trace)) {
      run.outcome = Outcome::failed;
      run.message = "nondeterministic: a second run with the same seed differs; " + divergence->describe();
      run.trace.footer->outcome = run.outcome;
      run.trace.footer->message = run.message;
    }
  }

  result.outcome = run.outcome;
  result.message = std::move(run.message);
  result.digest = run.digest;  // the recorder's, computed as the events came: no pass over them again
  result.schedule_digest = run.schedule_digest;
  result.steps = run.steps;
  if (run.has_trace) result.schedule = encode_schedule(schedule_of(run.trace));
  result.trace_path = run.written_path;
  if (result.outcome != Outcome::ok && options.write_failure_trace &&
      (result.trace_path.empty() || options.check_determinism)) {
    // Failed only after the trace was finished (the determinism check): write it now.
    if (result.trace_path.empty()) {
      result.trace_path = paths.failure_path.empty() ? failure_trace_path(options.name, result.seed) : paths.failure_path;
    }
    // (A run that failed in run_once kept its events, and the determinism
    // check keeps them all: a failure found only here must not write an
    // empty trace.)
    DETSIM_ASSERT(run.has_trace);
    write_trace(run.trace, result.trace_path);
  }
  result.trace = std::move(run.trace);
  result.leaked_tasks = std::move(run.leaked);
  result.coverage = std::move(run.coverage);
  if (!result.ok()) result.report = failure_report(options, result);
  return result;
}

}  // namespace detsim
