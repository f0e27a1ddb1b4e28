// detsim::make_scheduler: a Scheduler from its spec string, by name.
//
// A spec is a registered name, optionally followed by ':' and the
// parameters its factory reads: "fifo", "random", "pct:3", "dfs:2", "swarm"
// (the default: default_scheduler_spec below). Every place that turns a scheduler name into a
// scheduler (DETSIM_SCHEDULER, SimulationOptions::scheduler, a sweep's
// regression entries) goes through make_scheduler, so a scheduler
// registered here is usable everywhere at once.
//
// Grammar:
//   spec       = name [ ":" parameters ]
//   name       = [a-z0-9_-]+          (what Scheduler::name() starts with)
//   parameters = [a-z0-9_,=:-]+       (the factory's to read; never empty)
// The alphabet leaves out '.', '#' and spaces, so a spec fits as it is in a
// schedule string ("s1.<scheduler>.<seed>...", schedule.hpp), a regression
// file's "scheduler=<spec>" and a command line.
//
// Registration: a name maps to a factory, which gets the parameters (empty
// for a bare name) and the run's seed. The registry's listing is sorted by
// name, whatever the order of registration. The library's own schedulers
// are rows of a table in sim/scheduling/registry.cpp (a self-registering
// object in a .cpp of libdetsim.a would be dropped by the linker, nothing
// referring to it); a program registers its own with register_scheduler,
// or a SchedulerRegistration at namespace scope in its own sources.
//
// Contract: a scheduler made from a spec answers name() with a spec that
// makes it again (make_scheduler(s->name(), s->seed()) behaves as s from its
// start), so a trace, a report or a regression entry says how to rebuild it.
// Same spec and seed => same scheduler (the determinism contract of
// scheduler.hpp).
//
// Errors are SchedulerSpecError (id "detsim.scheduler_spec"), naming the
// spec and what is wrong with it: an empty spec or an unknown name (listing
// the known ones), bad parameters (the factory says why), a malformed or
// duplicate name at registration.
//
// Example:
//   std::unique_ptr<detsim::Scheduler> s = detsim::make_scheduler("random", 42);
//   detsim::register_scheduler("lifo", "the newest ready callback first",
//       [](std::string_view parameters, std::uint64_t) -> std::unique_ptr<detsim::Scheduler> {
//         detsim::expect_no_scheduler_parameters(parameters);
//         return std::make_unique<Lifo>();
//       });
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detsim/base/errors.hpp"
#include "detsim/scheduling/scheduler.hpp"

namespace detsim {

// The scheduler of every entry point that runs seeds without being told
// which scheduler: run_simulation (SimulationOptions::scheduler), the
// library sweep and DETSIM_TEST (run/sweep.hpp, testing.hpp), SeedRunner
// and seed_sweep, `detsim run` and `detsim sweep`. One name here, so a seed
// means the same run in all of them. "swarm" (swarm.hpp): per seed, a draw
// of random, pos or pct with its parameters, which finds what Random finds
// (within 2x its runs) and also the bugs that need a task held off for a
// long stretch, where Random's chance falls geometrically
// (tools/bench/results/exploration.md). DETSIM_SCHEDULER=random or
// --scheduler random gives uniform random choice. A bare EventLoop, built
// without a scheduler, is not an entry point of this kind: it keeps
// asyncio's FIFO order (core/event_loop.hpp).
inline constexpr std::string_view default_scheduler_spec = "swarm";

// The spec that rebuilds, for `seed`, the scheduler make_scheduler(spec,
// seed) makes: its name(). The same as `spec` for most schedulers; for
// "swarm", the strategy it draws for the seed ("pct:3,k=16"). What a rerun
// command names, so that it says which strategy ran. Throws SchedulerSpecError.
std::string concrete_scheduler_spec(std::string_view spec, std::uint64_t seed);

class SchedulerSpecError : public Error {
 public:
  // The message reads "scheduler spec '<spec>': <problem>".
  SchedulerSpecError(std::string_view spec, std::string_view problem);
  const std::string& spec() const noexcept { return spec_; }

 private:
  std::string spec_;
};

// Makes the scheduler named by `spec`, seeded with `seed` (a scheduler that
// uses no seed ignores it). Throws SchedulerSpecError.
std::unique_ptr<Scheduler> make_scheduler(std::string_view spec, std::uint64_t seed);

// make_scheduler with the spec checked and its name looked up once, for a
// caller that makes a scheduler per seed from one spec (a sweep's worker
// makes one per seed): resolve_scheduler(spec)(seed) makes the scheduler
// make_scheduler(spec, seed) makes. Throws SchedulerSpecError for a bad
// spec at once, and for parameters its factory rejects at each call, as
// make_scheduler does.
using ResolvedScheduler = std::function<std::unique_ptr<Scheduler>(std::uint64_t seed)>;
ResolvedScheduler resolve_scheduler(std::string_view spec);

// Makes a registered scheduler from its parameters (the text after the
// ':', empty for a bare name) and the seed. It rejects parameters it cannot
// read by throwing std::invalid_argument (or a SchedulerSpecError) saying
// what is wrong; make_scheduler reports that as a SchedulerSpecError naming
// the whole spec.
using SchedulerFactory = std::function<std::unique_ptr<Scheduler>(std::string_view parameters, std::uint64_t seed)>;

// Registers `name` ([a-z0-9_-]+) with a one-line summary for listings.
// Throws SchedulerSpecError if the name is malformed or already registered.
// Thread-safe, as is make_scheduler.
void register_scheduler(std::string_view name, std::string_view summary, SchedulerFactory factory);

// A registration at namespace scope, run at static initialization:
//   const detsim::SchedulerRegistration lifo{"lifo", "newest first", make_lifo};
struct SchedulerRegistration {
  SchedulerRegistration(std::string_view name, std::string_view summary, SchedulerFactory factory) {
    register_scheduler(name, summary, std::move(factory));
  }
};

struct SchedulerInfo {
  std::string name;
  std::string summary;
};
// Every registered scheduler, sorted by name.
std::vector<SchedulerInfo> registered_schedulers();
// Their names, sorted.
std::vector<std::string> scheduler_names();

// Helpers for factories; they throw std::invalid_argument.
// Accepts only empty parameters ("takes no parameters").
void expect_no_scheduler_parameters(std::string_view parameters);
// `text` as a whole decimal number in [minimum, maximum]; `meaning` names it
// in the error ("depth").
std::uint64_t scheduler_parameter_number(std::string_view text, std::string_view meaning,
                                         std::uint64_t minimum = 0,
                                         std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max());

}  // namespace detsim
