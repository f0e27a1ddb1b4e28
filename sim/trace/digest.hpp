// TraceDigest: the incremental hash behind a trace's digest (SCHEMA.md,
// "digest"). Private to sim/: users see digests as numbers
// (Trace::digest(), the footer, format_digest), never the hashing.
//
// Invariant: feeding a run's events in order, each with the hash of its
// task's name at the task's first event and of its detail string, gives the
// digest SCHEMA.md specifies; the recorder (as events happen) and
// Trace::digest() (from a file) must agree, and trace tests check they do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/hash_mix.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim::detail {

// FNV-1a 64 of a string: how names and details enter the digest (0 for none).
std::uint64_t hash_trace_string(std::string_view text) noexcept;

// Incremental digest: feed events in order, with the hashes of the event's
// task name (only at the task's first event; else 0) and detail string (0
// where the event has none).
class TraceDigest {
 public:
  // A primitive event also gives the hashes of its primitive's type and name.
  void add(const TraceEvent& event, std::uint64_t name_hash, std::uint64_t detail_hash,
           std::uint64_t primitive_type_hash = 0, std::uint64_t primitive_name_hash = 0) noexcept {
    add_words(word_of(event.kind, event.immediate), event.cause, static_cast<std::uint64_t>(event.time_ns),
              static_cast<std::uint64_t>(event.when_ns), event.handle, event.future, event.task,
              word_of(event.choice, event.of), name_hash, detail_hash, event.primitive, primitive_type_hash,
              primitive_name_hash);
  }
  // The same for a loop's Event, recorded with `cause` (in the trace's
  // numbering), and a primitive event's primitive id and string hashes.
  // Inline: a recorder calls it for every event.
  [[gnu::always_inline]] void add(const Event& event, std::uint64_t cause, std::uint64_t name_hash,
                                  std::uint64_t detail_hash, std::uint64_t primitive = 0,
                                  std::uint64_t primitive_type_hash = 0,
                                  std::uint64_t primitive_name_hash = 0) noexcept {
    add_words(word_of(event.kind, event.immediate), cause, static_cast<std::uint64_t>(event.time.count()),
              static_cast<std::uint64_t>(event.when.count()), event.handle, event.future, event.task,
              word_of(event.choice, event.of), name_hash, detail_hash, primitive, primitive_type_hash,
              primitive_name_hash);
  }
  std::uint64_t value() const noexcept;
  // How many events were added.
  std::uint64_t events() const noexcept { return count_; }

 private:
  static constexpr std::uint64_t chain_multiplier = golden_multiplier;
  // One odd multiplier per event word, in the order of SCHEMA.md's list.
  // 64-bit: with multipliers below 2^31 (an instruction's immediate, one
  // instruction fewer per word) a lattice search found small changes to five
  // fields of one event whose products cancel exactly.
  // (Format version 4 added the last three, the primitive's words: zero on
  // every other event, they leave the hash of the events version 3 had as it
  // was.)
  static constexpr std::uint64_t word_multipliers[13] = {
      0xc2b2ae3d27d4eb4fULL, 0x85ebca77c2b2ae63ULL, 0x27d4eb2f165667c5ULL, 0xbf58476d1ce4e5b9ULL,
      0x94d049bb133111ebULL, 0xff51afd7ed558ccdULL, 0xc4ceb9fe1a85ec53ULL, 0xd6e8feb86659fd93ULL,
      0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL, 0x9fb21c651e98df25ULL, 0xd1b54a32d192ed03ULL,
      0xaef17502108ef2d9ULL,
  };

  static std::uint64_t word_of(EventKind kind, bool immediate) noexcept {
    return static_cast<std::uint64_t>(kind) | (static_cast<std::uint64_t>(immediate) << 8);
  }
  static std::uint64_t word_of(std::uint32_t choice, std::uint32_t of) noexcept {
    return (static_cast<std::uint64_t>(choice) << 32) | of;
  }
  // The event's words, in the order of SCHEMA.md's list. As parameters,
  // not an array: inlined where an event's kind leaves some words zero, the
  // compiler drops their products. (The event's position needs no word: the
  // chain below is already in event order.)
  [[gnu::always_inline]] void add_words(std::uint64_t w0, std::uint64_t w1, std::uint64_t w2, std::uint64_t w3,
                                       std::uint64_t w4, std::uint64_t w5, std::uint64_t w6, std::uint64_t w7,
                                       std::uint64_t w8, std::uint64_t w9, std::uint64_t w10, std::uint64_t w11,
                                       std::uint64_t w12) noexcept {
    // The words' products are independent, so a processor computes them side
    // by side (format version 1 chained six multiplies per event).
    const std::uint64_t* m = word_multipliers;
    const std::uint64_t event_hash = w0 * m[0] + w1 * m[1] + w2 * m[2] + w3 * m[3] + w4 * m[4] + w5 * m[5] +
                                     w6 * m[6] + w7 * m[7] + w8 * m[8] + w9 * m[9] + w10 * m[10] + w11 * m[11] +
                                     w12 * m[12];
    // Chaining each event into the state as it came made every event wait
    // for the previous one's multiply and its round trip through memory (the
    // events are recorded in different functions): a fifth of a recorded
    // ping-pong's time. The event hashes wait here instead, and are chained
    // in batches, in a loop that keeps the lanes in registers.
    pending_[count_ % pending_capacity] = event_hash;
    if (++count_ % pending_capacity == 0) [[unlikely]] chain_pending();
  }
  // Chains all pending event hashes into lanes_.
  [[gnu::noinline]] void chain_pending() noexcept { chain(lanes_, pending_capacity); }
  // Chains the first `count` pending hashes into `lanes`: event i into lane
  // i % 4 (a batch starts at a multiple of 4). Four chains, so that a
  // processor runs four multiplies at once rather than waiting on each.
  void chain(std::uint64_t (&lanes)[4], std::size_t count) const noexcept {
    std::uint64_t a = lanes[0], b = lanes[1], c = lanes[2], d = lanes[3];  // in registers
    std::size_t i = 0;
    for (; i + 4 <= count; i += 4) {
      a = chain_word(a, pending_[i]);
      b = chain_word(b, pending_[i + 1]);
      c = chain_word(c, pending_[i + 2]);
      d = chain_word(d, pending_[i + 3]);
    }
    if (i < count) a = chain_word(a, pending_[i++]);
    if (i < count) b = chain_word(b, pending_[i++]);
    if (i < count) c = chain_word(c, pending_[i]);
    lanes[0] = a, lanes[1] = b, lanes[2] = c, lanes[3] = d;
  }

  static constexpr std::size_t pending_capacity = 64;  // a multiple of 4
  static constexpr std::uint64_t initial_lanes[4] = {
      0x6a09e667f3bcc908ULL, 0x6a09e667f3bcc908ULL + chain_multiplier, 0x6a09e667f3bcc908ULL + 2 * chain_multiplier,
      0x6a09e667f3bcc908ULL + 3 * chain_multiplier};
  // The lanes up to the last full batch; initially initial_lanes.
  std::uint64_t lanes_[4] = {initial_lanes[0], initial_lanes[1], initial_lanes[2], initial_lanes[3]};
  std::uint64_t count_ = 0;
  std::uint64_t pending_[pending_capacity] = {};
};

}  // namespace detsim::detail
