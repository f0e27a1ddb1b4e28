#include "detsim/scheduling/swarm.hpp"

#include "detsim/base/random.hpp"
#include "detsim/scheduling/registry.hpp"

namespace detsim {

namespace {
constexpr std::uint64_t swarm_stream = 0x5377'6172'6dull;  // "Swarm"
}  // namespace

std::string swarm_spec(std::uint64_t seed) {
  Random random{Random::derive_seed(seed, swarm_stream)};
  const std::uint64_t slot = random.below(16);
  if (slot < 7) return "random";
  if (slot < 9) return "pos";
  const std::uint64_t steps = std::uint64_t{1} << random.in_range(2, 7);
  return std::string(slot < 12 ? "pct:2" : "pct:3") + ",k=" + std::to_string(steps);
}

SwarmScheduler::SwarmScheduler(std::uint64_t seed) : seed_(seed), inner_(make_scheduler(swarm_spec(seed), seed)) {}

}  // namespace detsim
