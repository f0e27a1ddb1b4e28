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
#include <cstdint>

namespace detsim {

class Random {
 public:
  explicit Random(std::uint64_t seed) noexcept;

  // The next raw 64-bit value.
  std::uint64_t next() noexcept;

  // Uniform in [0, bound). bound must be > 0.
  std::uint64_t below(std::uint64_t bound) noexcept;

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
  std::array<std::uint64_t, 4> state_;
};

}  // namespace detsim
