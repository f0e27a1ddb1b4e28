// The two 64-bit mixing steps detsim's hashes are built from (the trace
// digest, the schedule digest, a sweep's seed digests, Random's seeding).
// Private to sim/. Each is part of a format: a digest printed today must
// be printed the same tomorrow, so neither may change.
#pragma once

#include <bit>
#include <cstdint>

namespace detsim::detail {

// 2^64 / the golden ratio, odd: the multiplier of splitmix64's sequence and
// of every chain below.
inline constexpr std::uint64_t golden_multiplier = 0x9e3779b97f4a7c15ULL;

// splitmix64's finalizer: every input bit reaches every output bit.
constexpr std::uint64_t splitmix64_finalize(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Chains `word` into `state`: a multiply and a rotate. (The rotation brings
// the multiply's well-mixed high bits down to where the next word lands.)
constexpr std::uint64_t chain_word(std::uint64_t state, std::uint64_t word) noexcept {
  return std::rotl((state ^ word) * golden_multiplier, 31);
}

}  // namespace detsim::detail
