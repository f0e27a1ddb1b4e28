// The trace digest (traces/SCHEMA.md, "Digest"): a 64-bit hash of every
// event's canonical fields, in order, leaving out source sites.
#include <string>

#include "detsim/trace.hpp"

namespace detsim {

namespace {

constexpr std::uint64_t chain_multiplier = 0x9e3779b97f4a7c15ULL;
// One odd multiplier per event word, in the order of SCHEMA.md's table.
constexpr std::uint64_t word_multipliers[11] = {
    0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL, 0x85ebca77c2b2ae63ULL, 0x27d4eb2f165667c5ULL,
    0xbf58476d1ce4e5b9ULL, 0x94d049bb133111ebULL, 0xff51afd7ed558ccdULL, 0xc4ceb9fe1a85ec53ULL,
    0xd6e8feb86659fd93ULL, 0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL,
};

constexpr std::uint64_t rotate_left(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

constexpr std::uint64_t finalize(std::uint64_t x) noexcept {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t hash_trace_string(std::string_view text) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64-bit
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void TraceDigest::add(const TraceEvent& event, std::uint64_t name_hash, std::uint64_t detail_hash) noexcept {
  const std::uint64_t words[11] = {
      static_cast<std::uint64_t>(event.kind) | (static_cast<std::uint64_t>(event.immediate) << 8),
      event.seq,
      event.cause,
      static_cast<std::uint64_t>(event.time_ns),
      static_cast<std::uint64_t>(event.when_ns),
      event.handle,
      event.future,
      event.task,
      (static_cast<std::uint64_t>(event.choice) << 32) | event.of,
      name_hash,
      detail_hash,
  };
  // The words' products are independent, so a processor computes them side
  // by side; only one multiply per event chains from one event to the next
  // (format version 1 chained six per event, and recording waited on them).
  std::uint64_t event_hash = 0;
  for (std::size_t i = 0; i < 11; ++i) event_hash += words[i] * word_multipliers[i];
  // The rotation carries the high bits, which the multiply mixes best, back
  // to the low ones for the next event.
  state_ = rotate_left((state_ ^ event_hash) * chain_multiplier, 31);
  ++count_;
}

std::uint64_t TraceDigest::value() const noexcept {
  return finalize(state_ ^ finalize(count_));
}

std::uint64_t Trace::digest() const noexcept {
  std::vector<std::uint64_t> hashes(strings.size());
  for (std::size_t i = 0; i < strings.size(); ++i) hashes[i] = hash_trace_string(strings[i]);
  auto hash_of = [&](std::uint32_t index) { return index == 0 ? 0 : hashes[index - 1]; };
  TraceDigest digest;
  for (const TraceEvent& event : events) digest.add(event, hash_of(event.name), hash_of(event.detail));
  return digest.value();
}

std::string format_digest(std::uint64_t digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, digest >>= 4) text[static_cast<std::size_t>(i)] = digits[digest & 0xf];
  return text;
}

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::failed: return "failed";
    case Outcome::deadlock: return "deadlock";
    case Outcome::budget_exceeded: return "budget_exceeded";
  }
  return "unknown";
}

}  // namespace detsim
