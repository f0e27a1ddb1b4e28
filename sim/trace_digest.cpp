// The trace digest (traces/SCHEMA.md, "Digest"): a 64-bit hash of every
// event's canonical fields, in order, leaving out source sites.
#include <string>

#include "detsim/trace.hpp"

namespace detsim {

namespace {

constexpr std::uint64_t multiplier_a = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t multiplier_b = 0xc2b2ae3d27d4eb4fULL;

constexpr std::uint64_t rotate_left(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

// One word into one lane: a xor and a multiply. The two lanes take alternate
// words, so the multiplies of an event overlap instead of forming one chain.
constexpr std::uint64_t absorb(std::uint64_t lane, std::uint64_t word, std::uint64_t multiplier) noexcept {
  return (lane ^ word) * multiplier;
}

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
  std::uint64_t a = lane_a_;
  std::uint64_t b = lane_b_;
  a = absorb(a, static_cast<std::uint64_t>(event.kind) | (static_cast<std::uint64_t>(event.immediate) << 8), multiplier_a);
  b = absorb(b, event.seq, multiplier_b);
  a = absorb(a, event.cause, multiplier_a);
  b = absorb(b, static_cast<std::uint64_t>(event.time_ns), multiplier_b);
  a = absorb(a, static_cast<std::uint64_t>(event.when_ns), multiplier_a);
  b = absorb(b, event.handle, multiplier_b);
  a = absorb(a, event.future, multiplier_a);
  b = absorb(b, event.task, multiplier_b);
  a = absorb(a, (static_cast<std::uint64_t>(event.choice) << 32) | event.of, multiplier_a);
  b = absorb(b, name_hash, multiplier_b);
  a = absorb(a, detail_hash, multiplier_a);
  // Rotating one lane per event keeps the lanes from cancelling out across
  // events (xor-multiply alone only carries differences toward high bits).
  lane_a_ = rotate_left(a, 31);
  lane_b_ = rotate_left(b, 27);
  ++count_;
}

std::uint64_t TraceDigest::value() const noexcept {
  return finalize(lane_a_ ^ finalize(lane_b_ ^ count_));
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
