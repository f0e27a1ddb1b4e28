#include "detsim/run/failure_groups.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "detsim/base/detail/assert.hpp"

namespace detsim {

std::uint32_t FailureGroups::group_of(const FailureSignature& signature) {
  const auto [at, inserted] = index_.try_emplace(signature, static_cast<std::uint32_t>(groups_.size()));
  if (inserted) groups_.push_back(FailureGroup{.signature = signature});
  return at->second;
}

namespace {

// Whether (steps, seed) is a shorter run than the group's shortest so far.
bool shorter(std::uint64_t steps, std::uint64_t seed, const FailureGroup& group) {
  return group.count == 0 || std::tie(steps, seed) < std::tie(group.shortest_steps, group.shortest_seed);
}

}  // namespace

void FailureGroups::add(const FailedRun& run) {
  const std::uint32_t index = group_of(signature_of(run.outcome, run.message));
  FailureGroup& group = groups_[index];
  if (group.count == 0 || run.seed < group.first_seed) {
    group.first_seed = run.seed;
    group.first_message = run.message;
  }
  if (shorter(run.steps, run.seed, group)) {
    group.shortest_seed = run.seed;
    group.shortest_steps = run.steps;
    group.shortest_schedule = run.schedule;
  }
  ++group.count;
  failures_.push_back(SeedFailure{run.seed, run.digest, run.steps, index});
}

void FailureGroups::add_group(const FailureGroup& summary, const std::vector<SeedFailure>& failures) {
  const std::uint32_t index = group_of(summary.signature);
  FailureGroup& group = groups_[index];
  if (group.count == 0 || summary.first_seed < group.first_seed) {
    group.first_seed = summary.first_seed;
    group.first_message = summary.first_message;
    group.first_trace = summary.first_trace;
  }
  if (shorter(summary.shortest_steps, summary.shortest_seed, group)) {
    group.shortest_seed = summary.shortest_seed;
    group.shortest_steps = summary.shortest_steps;
    group.shortest_schedule = summary.shortest_schedule;
    group.shortest_trace = summary.shortest_trace;
    group.shortest_command = summary.shortest_command;
    // The shrinker starts from the shortest seed: this summary's reproducer
    // is the one a sweep over the union would have found.
    group.shrunk = summary.shrunk;
  }
  group.count += summary.count;
  for (SeedFailure failure : failures) {
    failure.group = index;
    failures_.push_back(failure);
  }
}

void FailureGroups::finish() {
  std::vector<std::uint32_t> order(groups_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return groups_[a].first_seed < groups_[b].first_seed; });
  std::vector<std::uint32_t> renumbered(groups_.size());
  std::vector<FailureGroup> sorted;
  sorted.reserve(groups_.size());
  for (std::uint32_t position = 0; position < order.size(); ++position) {
    renumbered[order[position]] = position;
    sorted.push_back(std::move(groups_[order[position]]));
  }
  groups_ = std::move(sorted);
  for (auto& [signature, index] : index_) index = renumbered[index];
  for (SeedFailure& failure : failures_) failure.group = renumbered[failure.group];
  std::sort(failures_.begin(), failures_.end(),
            [](const SeedFailure& a, const SeedFailure& b) { return a.seed < b.seed; });
  // A seed runs once per sweep; twice means two overlapping shards were merged.
  for (std::size_t i = 1; i < failures_.size(); ++i) DETSIM_ASSERT(failures_[i - 1].seed != failures_[i].seed);
}

}  // namespace detsim
