// detsim::actor_of: who a ready candidate belongs to, for schedulers that
// order actors rather than callbacks (PCT, POS, bounded search).
//
// A task's step, and the timer that ends its sleep, belong to the task: the
// actor is its task id (>= 1). A plain callback has no task; its actor is
// named by its site (the call_soon or call_at that made it): bit 63 set, the
// rest a hash of the site's file name and line. Callbacks from one site are
// one actor, whatever their number.
//
// Determinism contract: a pure function of the candidate; sites are hashed
// by file_name() and line() only (function_name() differs by compiler). A
// site's file name is the path the compiler was given, so a site's actor is
// the same from run to run of one binary.
#pragma once

#include <cstdint>
#include <string_view>

#include "detsim/scheduling/scheduler.hpp"

namespace detsim {

constexpr std::uint64_t callback_actor_bit = std::uint64_t{1} << 63;

constexpr std::uint64_t site_hash(const SourceLocation& site) noexcept {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a over the file name, then the line
  for (std::string_view name = site.file_name(); char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  for (int shift = 0; shift < 32; shift += 8) {
    hash ^= (site.line() >> shift) & 0xffu;
    hash *= 1099511628211ull;
  }
  return hash;
}

constexpr std::uint64_t actor_of(const Candidate& candidate) noexcept {
  if (candidate.task != Candidate::no_task) return candidate.task;
  return callback_actor_bit | (site_hash(candidate.site) & ~callback_actor_bit);
}

}  // namespace detsim
