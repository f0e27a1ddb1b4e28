// detsim::SeedRange and detsim::Shard: which seeds a sweep runs, and how N
// machines split them.
//
// A range is written "A..B" (both ends included: "1..1000" is 1000 seeds).
// A shard "I/N" (0 <= I < N) takes the I-th of N contiguous slices of a
// range: slice I starts at first + floor(count * I / N). The N slices cover
// the range exactly once, whatever N, and the same I/N gives the same slice on
// every machine, so a CI matrix, a Kubernetes Indexed Job or a Slurm array
// can each run one slice and `detsim merge` their outputs.
//
// Where the shard comes from (shard_from_environment): an explicit --shard
// I/N first, then the cluster scheduler's own variables:
//   JOB_COMPLETION_INDEX=I           Kubernetes Indexed Job (N given: it
//                                    does not export completions)
//   SLURM_ARRAY_TASK_ID=I, SLURM_ARRAY_TASK_COUNT=N
//                                    Slurm job array (--array=0-(N-1))
//
// Errors (detsim::Error, id detsim.sweep.seeds / detsim.sweep.shard) name the
// text that was wrong and why: "5..1", "1..x", "4/4", "-1/3".
//
// Example:
//   detsim::SeedRange all = detsim::parse_seed_range("1..1000000");
//   detsim::SeedRange mine = detsim::shard_of(all, detsim::parse_shard("2/4"));  // 500001..750000
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace detsim {

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t count = 0;  // 0: empty
  std::uint64_t last() const noexcept { return first + count - 1; }  // meaningful when count > 0
  std::string to_string() const;  // "A..B", or "empty"
  friend bool operator==(const SeedRange&, const SeedRange&) = default;
};

struct Shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
  std::string to_string() const;  // "I/N"
  friend bool operator==(const Shard&, const Shard&) = default;
};

// "A..B" with A <= B, both whole decimal numbers; or a single seed "A".
SeedRange parse_seed_range(std::string_view text);
// "I/N" with 0 <= I < N.
Shard parse_shard(std::string_view text);
// The slice of `range` that `shard` covers (maybe empty when N > count).
SeedRange shard_of(SeedRange range, Shard shard);

// The shard named by the environment (see above), or none. `lookup` reads a
// variable (nullopt when unset): std::getenv in the CLI, a map in tests.
// `count_hint` is N for Kubernetes (--shard-count); a variable that is set
// but malformed is an error, not ignored.
std::optional<Shard> shard_from_environment(const std::function<std::optional<std::string>(const char*)>& lookup,
                                            std::optional<std::uint64_t> count_hint = std::nullopt);

}  // namespace detsim
