// "swarm-weights:<random>-<pos>-<pct2>-<pct3>": swarm's draw (scheduling/
// swarm.hpp) with other slot counts out of 16, for the bench's comparison
// of weightings (tools/bench/results/exploration.md, "Why not other
// weights"). It mirrors sim/scheduling/swarm.cpp's draw rather than change
// the library for an experiment; check_swarm_weights_mirror_swarm() (run by
// the bench at start) holds it to swarm_spec for the current weights.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <detsim/base/random.hpp>
#include <detsim/scheduling/registry.hpp>
#include <detsim/scheduling/swarm.hpp>

namespace {

constexpr std::uint64_t swarm_stream = 0x5377'6172'6dull;  // as swarm.cpp

std::vector<std::uint64_t> read_weights(std::string_view parameters) {
  std::vector<std::uint64_t> weights;
  for (std::size_t start = 0;;) {
    const std::size_t dash = parameters.find('-', start);
    weights.push_back(detsim::scheduler_parameter_number(parameters.substr(start, dash - start), "weight", 0, 16));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (weights.size() != 4 || weights[0] + weights[1] + weights[2] + weights[3] != 16) {
    throw std::invalid_argument("four weights (random-pos-pct2-pct3) summing to 16");
  }
  return weights;
}

std::string weighted_spec(const std::vector<std::uint64_t>& weights, std::uint64_t seed) {
  detsim::Random random{detsim::Random::derive_seed(seed, swarm_stream)};
  const std::uint64_t slot = random.below(16);
  if (slot < weights[0]) return "random";
  if (slot < weights[0] + weights[1]) return "pos";
  const std::uint64_t steps = std::uint64_t{1} << random.in_range(2, 7);
  return std::string(slot < weights[0] + weights[1] + weights[2] ? "pct:2" : "pct:3") + ",k=" + std::to_string(steps);
}

std::unique_ptr<detsim::Scheduler> make_swarm_weights(std::string_view parameters, std::uint64_t seed) {
  return detsim::make_scheduler(weighted_spec(read_weights(parameters), seed), seed);
}

}  // namespace

void register_swarm_weights() {
  detsim::register_scheduler("swarm-weights", "swarm's draw with other weights (bench only)", &make_swarm_weights);
}

void check_swarm_weights_mirror_swarm() {
  const std::vector<std::uint64_t> current = {7, 2, 3, 4};
  for (std::uint64_t seed = 1; seed <= 10'000; ++seed) {
    if (weighted_spec(current, seed) != detsim::swarm_spec(seed)) {
      std::cerr << "swarm-weights:7-2-3-4 no longer mirrors swarm at seed " << seed << "\n";
      std::exit(2);
    }
  }
}
