// detsim::FailureGroups: a sweep's failing seeds, grouped by bug.
//
// Each failing seed is added with its outcome, message, digest
// (sweep_seed_digest, seed_runner.hpp), length (steps: the callbacks and
// task steps it ran) and schedule string; seeds with the same
// FailureSignature (failure_signature.hpp) form one group. Per group: how
// many seeds, the first (lowest) seed, and the shortest run (fewest steps,
// the lowest seed among equals) with its schedule, which is where a person
// starts reading and where the shrinker starts (shrink.hpp).
//
// Determinism contract: the groups and failures after finish() depend only
// on the set of failures added, not on their order: chunks of a parallel
// sweep finish in any order, shards are merged in any order. Failures come
// out in seed order, groups in the order of their first seeds.
//
// Example:
//   detsim::FailureGroups groups;
//   groups.add({.seed = 7, .outcome = detsim::Outcome::failed, .message = "a.cpp:3: check failed: x", ...});
//   groups.finish();
//   for (const detsim::FailureGroup& group : groups.groups()) std::cout << group.count << "\n";
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "detsim/run/failure_signature.hpp"

namespace detsim {

// One failing run, as a sweep worker reports it.
struct FailedRun {
  std::uint64_t seed = 0;
  Outcome outcome = Outcome::failed;
  std::string message;
  std::uint64_t digest = 0;  // sweep_seed_digest (seed_runner.hpp)
  std::uint64_t steps = 0;   // callbacks and task steps it ran (EventLoop::callbacks_run)
  std::string schedule;     // the run's schedule string
};

// A failing seed as a sweep keeps it: enough to compare sweeps failure for
// failure, without every message.
struct SeedFailure {
  std::uint64_t seed = 0;
  std::uint64_t digest = 0;
  std::uint64_t steps = 0;
  std::uint32_t group = 0;  // index into groups()
  friend bool operator==(const SeedFailure&, const SeedFailure&) = default;
};

// The minimal reproducer the shrinker found for a group (shrink.hpp).
struct ShrunkReproducer {
  std::uint64_t from_seed = 0;           // the run it started from (the group's shortest)
  std::vector<std::uint32_t> choices;    // for ChoiceScheduler, seeded with from_seed
  std::string schedule;                  // the shrunk run's schedule string (replayable)
  std::uint64_t deviations = 0;          // decisions that did not take the first candidate
  std::uint64_t steps = 0;               // callbacks and task steps it ran
  std::uint64_t runs = 0;                // candidate runs tried
  std::string trace_path;                // its trace (empty if not written)
  std::string command;                   // reruns it
  friend bool operator==(const ShrunkReproducer&, const ShrunkReproducer&) = default;
};

struct FailureGroup {
  FailureSignature signature;
  std::uint64_t count = 0;
  std::uint64_t first_seed = 0;
  std::string first_message;   // the first seed's message, numbers and all
  std::string first_trace;     // its trace, once written (seed_sweep writes it)
  std::uint64_t shortest_seed = 0;
  std::uint64_t shortest_steps = 0;
  std::string shortest_schedule;
  std::string shortest_trace;    // its trace, once written (seed_sweep writes it)
  std::string shortest_command;  // reruns the shortest seed
  std::optional<ShrunkReproducer> shrunk;
  friend bool operator==(const FailureGroup&, const FailureGroup&) = default;
};

class FailureGroups {
 public:
  void add(const FailedRun& run);
  // Adds a group's summary with its failures (merging shard outputs): the
  // same as adding each of its runs.
  void add_group(const FailureGroup& group, const std::vector<SeedFailure>& failures);
  // Sorts failures by seed and numbers groups by first seed (call before reading).
  void finish();

  const std::vector<FailureGroup>& groups() const noexcept { return groups_; }
  std::vector<FailureGroup>& groups() noexcept { return groups_; }
  const std::vector<SeedFailure>& failures() const noexcept { return failures_; }
  std::uint64_t size() const noexcept { return failures_.size(); }

 private:
  std::uint32_t group_of(const FailureSignature& signature);

  std::vector<FailureGroup> groups_;
  std::vector<SeedFailure> failures_;
  std::map<FailureSignature, std::uint32_t> index_;
};

}  // namespace detsim
