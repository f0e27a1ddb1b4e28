#include "detsim/base/random.hpp"

#include "base/hash_mix.hpp"
#include "detsim/base/detail/assert.hpp"

namespace detsim {

namespace {

// splitmix64 (Steele, Lea, Flood 2014): one step of the sequence.
std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  return detail::splitmix64_finalize(state += detail::golden_multiplier);
}

}  // namespace

Random::Random(std::uint64_t seed) noexcept {
  std::uint64_t splitmix_state = seed;
  for (std::uint64_t& word : state_) word = splitmix64(splitmix_state);
}

std::uint64_t Random::in_range(std::uint64_t low, std::uint64_t high) noexcept {
  DETSIM_ASSERT_LE(low, high);
  const std::uint64_t span = high - low;
  if (span == ~std::uint64_t{0}) return next();
  return low + below(span + 1);
}

std::uint64_t Random::derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  std::uint64_t state = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  splitmix64(state);
  return splitmix64(state);
}

}  // namespace detsim
