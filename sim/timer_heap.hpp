// TimerHeap: pending timers ordered by (deadline, scheduling sequence), so
// timers due at the same instant leave the heap in the order they were
// scheduled and no order ever depends on an address. Private to sim/.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

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
  const TimerEntry& top() const noexcept { return entries_.front(); }

  void push(TimerEntry entry) {
    entries_.push_back(entry);
    std::push_heap(entries_.begin(), entries_.end(), later);
  }
  TimerEntry pop() noexcept {
    std::pop_heap(entries_.begin(), entries_.end(), later);
    TimerEntry entry = entries_.back();
    entries_.pop_back();
    return entry;
  }
  // Removes every entry for which `drop(entry)` is true and restores the heap.
  template <class Predicate>
  void remove_if(Predicate drop) {
    std::erase_if(entries_, drop);
    std::make_heap(entries_.begin(), entries_.end(), later);
  }
  template <class F>
  void for_each(F&& function) const {
    for (const TimerEntry& entry : entries_) function(entry);
  }
  void clear() noexcept { entries_.clear(); }

 private:
  // std::*_heap build a max-heap; "later" puts the earliest entry on top.
  static bool later(const TimerEntry& a, const TimerEntry& b) noexcept {
    if (a.when != b.when) return a.when > b.when;
    return a.sequence > b.sequence;
  }
  std::vector<TimerEntry> entries_;
};

}  // namespace detsim::detail
