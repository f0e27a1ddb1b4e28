// detsim::Random: the one pseudo-random generator of the simulation.
//
// Algorithm: xoshiro256** (Blackman and Vigna, 2018) with its 256-bit state
// filled from the 64-bit seed by splitmix64, exactly as the authors recommend.
// Bounded draws use Lemire's multiply-and-reject method ("Fast Random Integer
// Generation in an Interval", 2019), implemented here, never a std::
// distribution, whose output differs between standard libraries.
//
// Determinism contract: the sequence of values is a pure function of the seed
// and of the sequence of calls. It is the same with any compiler, build type,
// standard library and machine. The API has no floating point.
//
// Example:
//   detsim::Random random{42};
//   std::uint64_t dice = random.below(6) + 1;        // 1..6
//   bool drop_packet = random.one_in(100);           // 1% chance
//   auto jitter_ns = random.in_range(100, 200);      // 100..200 inclusive
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "detsim/base/detail/assert.hpp"

namespace detsim {

class Random {
 public:
  explicit Random(std::uint64_t seed) noexcept;

  // The next raw 64-bit value. Inline: RandomScheduler draws one per pick,
  // and a short run's picks paid a call each.
  std::uint64_t next() noexcept {
    // xoshiro256** 1.0.
    const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = std::rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound). bound must be > 0.
  std::uint64_t below(std::uint64_t bound) noexcept {
    return bounded(bound, [this]() noexcept { return next(); });
  }
  // below()'s algorithm on raw values from `next_raw` (called once, or again
  // while a value is rejected): below(bound) is bounded(bound, next()).
  // For a caller that draws raw values ahead of time (RandomScheduler).
  template <class NextRaw>
  static std::uint64_t bounded(std::uint64_t bound, NextRaw&& next_raw) noexcept;
  // The value in [0, bound) that `raw` maps to unless rejected, which
  // happens with probability (2^64 mod bound) / 2^64: a guess of what
  // bounded() will return, for prefetching.
  static std::uint64_t likely_bounded(std::uint64_t raw, std::uint64_t bound) noexcept {
    return static_cast<std::uint64_t>((static_cast<uint128>(raw) * bound) >> 64);
  }

  // Uniform in [low, high], both inclusive. Requires low <= high.
  std::uint64_t in_range(std::uint64_t low, std::uint64_t high) noexcept;

  // True with probability 1/n. n must be > 0.
  bool one_in(std::uint64_t n) noexcept { return below(n) == 0; }

  // True with probability numerator/denominator (numerator <= denominator).
  bool ratio(std::uint64_t numerator, std::uint64_t denominator) noexcept {
    return below(denominator) < numerator;
  }

  // A well-mixed seed derived from (seed, stream): used to give independent
  // streams (scheduler, user draws, faults) to one run seed.
  static std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept;

 private:
  __extension__ using uint128 = unsigned __int128;
  std::array<std::uint64_t, 4> state_;
};

template <class NextRaw>
std::uint64_t Random::bounded(std::uint64_t bound, NextRaw&& next_raw) noexcept {
  DETSIM_ASSERT(bound > 0);
  // Lemire's method: the high word of raw * bound is uniform in [0, bound)
  // once the low word's biased range [0, 2^64 mod bound) is rejected.
  uint128 product = static_cast<uint128>(next_raw()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) [[unlikely]] {
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    while (low < threshold) {
      product = static_cast<uint128>(next_raw()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

}  // namespace detsim
