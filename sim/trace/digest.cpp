// The trace digest (traces/SCHEMA.md, "Digest"): a 64-bit hash of every
// event's canonical fields, in order, leaving out source sites.
#include <bit>
#include <string>

#include "base/hash_mix.hpp"
#include "detsim/trace/trace.hpp"
#include "trace/digest.hpp"
#include "trace/task_names.hpp"

namespace detsim {

namespace detail {

std::uint64_t hash_trace_string(std::string_view text) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64-bit
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::uint64_t TraceDigest::value() const noexcept {
  std::uint64_t lanes[4] = {lanes_[0], lanes_[1], lanes_[2], lanes_[3]};
  chain(lanes, count_ % pending_capacity);
  const std::uint64_t combined = lanes[0] ^ std::rotl(lanes[1], 16) ^ std::rotl(lanes[2], 32) ^ std::rotl(lanes[3], 48);
  return splitmix64_finalize(combined ^ splitmix64_finalize(count_));
}

}  // namespace detail

std::uint64_t Trace::digest() const noexcept {
  std::vector<std::uint64_t> hashes(strings.size());
  for (std::size_t i = 0; i < strings.size(); ++i) hashes[i] = detail::hash_trace_string(strings[i]);
  auto hash_of = [&](std::uint32_t index) { return index == 0 ? 0 : hashes[index - 1]; };
  // A task's name counts once, at the task's first event (SCHEMA.md).
  detail::TaskNames seen;
  detail::TraceDigest digest;
  for (const TraceEvent& event : events) {
    std::uint64_t name_hash = 0;
    if (event.task != 0 && !seen.find(event.task)) {
      seen.add(event.task, event.name);
      name_hash = hash_of(event.name);
    }
    digest.add(event, name_hash, hash_of(event.detail), hash_of(event.primitive_type), hash_of(event.primitive_name));
  }
  return digest.value();
}

std::string format_digest(std::uint64_t digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, digest >>= 4) text[static_cast<std::size_t>(i)] = digits[digest & 0xf];
  return text;
}

}  // namespace detsim
