// TimerHeap: pending timers ordered by (deadline, scheduling sequence), so
// timers due at the same instant leave the heap in the order they were
// scheduled and no order ever depends on an address. Private to sim/.
//
// A 4-ary min-heap: with a million timers pending the heap is larger than
// the cache, and each level of a pop is a dependent memory access. Four
// children per node halve the levels of a binary heap (10 instead of 20 for
// 1M), and the four siblings sit side by side, so one level's loads overlap.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "detsim/base/detail/assert.hpp"
#include "memory/huge_pages.hpp"

namespace detsim::detail {

struct HandleRecord;

struct TimerEntry {
  std::chrono::nanoseconds when;
  std::uint64_t sequence;
  HandleRecord* record;
};

class TimerHeap {
 public:
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  const TimerEntry& top() const noexcept {
    DETSIM_ASSERT(!entries_.empty());
    return entries_.front();
  }

  void push(TimerEntry entry) {
    DETSIM_ASSERT(entry.record != nullptr);
    entries_.push_back(entry);
    sift_up(entries_.size() - 1);
  }
  TimerEntry pop() noexcept {
    DETSIM_ASSERT(!entries_.empty());
    const TimerEntry top = entries_.front();
    const TimerEntry last = entries_.back();
    entries_.pop_back();
    if (!entries_.empty()) sift_down(0, last);
    // (The heap's order at its boundary: what leaves is never after what stays.)
    DETSIM_ASSERT(entries_.empty() || !earlier(entries_.front(), top));
    return top;
  }
  // Removes every entry for which `drop(entry)` is true, restores the heap
  // and returns how many it removed.
  template <class Predicate>
  std::size_t remove_if(Predicate drop) {
    const std::size_t removed = std::erase_if(entries_, drop);
    for (std::size_t i = entries_.size() / arity + 1; i-- > 0;) {
      if (i < entries_.size()) sift_down(i, entries_[i]);
    }
    // O(n), as the rebuild is: a rare path (cancelled timers compacted).
    assert_ordered();
    return removed;
  }
  template <class F>
  void for_each(F&& function) const {
    for (const TimerEntry& entry : entries_) function(entry);
  }
  void clear() noexcept { entries_.clear(); }

 private:
  static constexpr std::size_t arity = 4;

  static bool earlier(const TimerEntry& a, const TimerEntry& b) noexcept {
    return a.when != b.when ? a.when < b.when : a.sequence < b.sequence;
  }

  // Every entry is due no earlier than its parent.
  void assert_ordered() const noexcept {
    for (std::size_t child = 1; child < entries_.size(); ++child) {
      DETSIM_ASSERT(!earlier(entries_[child], entries_[(child - 1) / arity]));
    }
  }

  void sift_up(std::size_t hole) noexcept {
    DETSIM_ASSERT_LT(hole, entries_.size());
    const TimerEntry moving = entries_[hole];
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / arity;
      if (!earlier(moving, entries_[parent])) break;
      entries_[hole] = entries_[parent];
      hole = parent;
    }
    entries_[hole] = moving;
  }

  // Places `moving` at or below `hole`, moving earlier children up.
  void sift_down(std::size_t hole, const TimerEntry moving) noexcept {
    const std::size_t count = entries_.size();
    DETSIM_ASSERT_LT(hole, count);
    for (;;) {
      const std::size_t first = hole * arity + 1;
      if (first >= count) break;
      const std::size_t end = first + arity < count ? first + arity : count;
      // Start loading the next level for every child now: which child the
      // hole moves to is known only after comparing them, and waiting for
      // that made each level a serial cache miss.
      for (std::size_t child = first; child < end && child * arity + 1 < count; ++child) {
        prefetch_children_of(child);
      }
      std::size_t best = first;
      for (std::size_t child = first + 1; child < end; ++child) {
        if (earlier(entries_[child], entries_[best])) best = child;
      }
      if (!earlier(entries_[best], moving)) break;
      entries_[hole] = entries_[best];
      hole = best;
    }
    entries_[hole] = moving;
  }

  // The up to four children of `node` span at most 96 bytes: load the lines
  // of their first and last bytes. (Addresses computed as integers: they may
  // lie past the last entry, where pointer arithmetic would be undefined.)
  void prefetch_children_of(std::size_t node) const noexcept {
    const auto first = reinterpret_cast<std::uintptr_t>(entries_.data() + node * arity + 1);
    __builtin_prefetch(reinterpret_cast<const void*>(first));
    __builtin_prefetch(reinterpret_cast<const void*>(first + arity * sizeof(TimerEntry) - 1));
  }

  std::vector<TimerEntry, HugePageAllocator<TimerEntry>> entries_;
};

}  // namespace detsim::detail
