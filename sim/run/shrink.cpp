#include "detsim/run/shrink.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "detsim/scheduling/schedule.hpp"

namespace detsim {

std::uint64_t deviations_of(const std::vector<std::uint32_t>& choices) {
  return static_cast<std::uint64_t>(std::count_if(choices.begin(), choices.end(), [](std::uint32_t c) { return c != 0; }));
}

namespace {

// Choices past the last deviation change nothing (ChoiceScheduler is FIFO
// once its list runs out).
void trim(std::vector<std::uint32_t>& choices) {
  while (!choices.empty() && choices.back() == 0) choices.pop_back();
}

struct Candidate {
  std::vector<std::uint32_t> choices;
  std::uint64_t steps = 0;
  std::string schedule;
  // Smaller is better: fewer deviations, fewer steps, smaller choices, shorter.
  auto key() const {
    const std::uint64_t sum = std::accumulate(choices.begin(), choices.end(), std::uint64_t{0});
    return std::make_tuple(deviations_of(choices), steps, sum, choices.size());
  }
};

class Shrinker {
 public:
  Shrinker(const Program& program, SimulationOptions options, std::uint64_t seed, FailureSignature signature,
           std::uint64_t max_runs)
      : program_(program), options_(std::move(options)), seed_(seed), signature_(std::move(signature)),
        max_runs_(max_runs) {
    options_.read_environment = false;
    options_.keep_trace = false;
    options_.write_failure_trace = false;
    options_.check_determinism = false;
    options_.trace_path.clear();
    options_.replay_path.clear();
    options_.schedule.clear();
  }

  // Runs `choices`; the candidate if it fails the same way.
  std::optional<Candidate> attempt(std::vector<std::uint32_t> choices) {
    trim(choices);
    if (runs_ >= max_runs_) return std::nullopt;
    ++runs_;
    SimulationOptions options = options_;
    options.seed = seed_;
    options.choices = choices;
    const SimulationResult result = run_simulation(program_, options);
    if (result.ok() || signature_of(result.outcome, result.message) != signature_) return std::nullopt;
    // The choices actually taken (choice mod candidates) are the candidate.
    std::vector<std::uint32_t> taken;
    for (const Decision& decision : decode_schedule(result.schedule).decisions) taken.push_back(decision.choice);
    trim(taken);
    return Candidate{std::move(taken), result.steps, result.schedule};
  }

  // Tries `choices`; keeps it if it is a better reproducer.
  bool improve(Candidate& best, std::vector<std::uint32_t> choices) {
    if (choices == best.choices) return false;
    auto candidate = attempt(std::move(choices));
    if (!candidate || !(candidate->key() < best.key())) return false;
    best = std::move(*candidate);
    return true;
  }

  // One pass over every kind of candidate; whether any helped.
  bool pass(Candidate& best) {
    bool improved = false;
    // Cut the tail: the shortest prefix that still fails.
    for (std::size_t length = 0; length < best.choices.size(); length = length == 0 ? 1 : length * 2) {
      std::vector<std::uint32_t> prefix(best.choices.begin(), best.choices.begin() + static_cast<std::ptrdiff_t>(length));
      if (improve(best, std::move(prefix))) {
        improved = true;
        break;
      }
    }
    // Delete stretches, largest first.
    for (std::size_t size = std::max<std::size_t>(best.choices.size() / 2, 1); size >= 1; size /= 2) {
      for (std::size_t at = 0; at + size <= best.choices.size();) {
        std::vector<std::uint32_t> shorter = best.choices;
        shorter.erase(shorter.begin() + static_cast<std::ptrdiff_t>(at), shorter.begin() + static_cast<std::ptrdiff_t>(at + size));
        if (improve(best, std::move(shorter))) {
          improved = true;  // the same position now holds what followed
        } else {
          at += size;
        }
      }
      if (size == 1) break;
    }
    // Zero, then lower, each deviation.
    for (std::size_t at = 0; at < best.choices.size(); ++at) {
      if (best.choices[at] == 0) continue;
      std::vector<std::uint32_t> zeroed = best.choices;
      zeroed[at] = 0;
      if (improve(best, std::move(zeroed))) {
        improved = true;
        continue;
      }
      if (best.choices[at] > 1) {
        std::vector<std::uint32_t> lower = best.choices;
        lower[at] -= 1;
        improved = improve(best, std::move(lower)) || improved;
      }
    }
    return improved;
  }

  std::uint64_t runs() const noexcept { return runs_; }

 private:
  const Program& program_;
  SimulationOptions options_;
  std::uint64_t seed_;
  FailureSignature signature_;
  std::uint64_t max_runs_;
  std::uint64_t runs_ = 0;
};

}  // namespace

std::optional<ShrunkReproducer> shrink_failure(const Program& program, SimulationOptions options, std::uint64_t seed,
                                               const std::string& schedule, const FailureSignature& signature,
                                               const std::string& trace_path, ShrinkOptions limits) {
  std::vector<std::uint32_t> start;
  for (const Decision& decision : decode_schedule(schedule).decisions) start.push_back(decision.choice);
  Shrinker shrinker(program, options, seed, signature, limits.max_runs);
  auto best = shrinker.attempt(start);
  if (!best) return std::nullopt;
  while (shrinker.runs() < limits.max_runs && shrinker.pass(*best)) {
  }
  ShrunkReproducer shrunk{.from_seed = seed,
                          .choices = best->choices,
                          .schedule = best->schedule,
                          .deviations = deviations_of(best->choices),
                          .steps = best->steps,
                          .runs = shrinker.runs()};
  if (!trace_path.empty()) {
    // The shrunk run once more, its trace written.
    options.read_environment = false;
    options.seed = seed;
    options.choices = best->choices;
    options.trace_path = trace_path;
    options.keep_trace = false;
    shrunk.trace_path = run_simulation(program, options).trace_path;
  }
  return shrunk;
}

}  // namespace detsim
