// HandleRecord and HandlePool: storage for scheduled callbacks. Private to sim/.
//
// Records live in fixed-size chunks that never move, so the ready queue and
// the timer heap can hold plain pointers and a callback is never relocated
// after it is scheduled. Freed records go on a free list and are reused, so
// scheduling allocates nothing in steady state. A record's generation grows
// each time it is freed, which makes stale Handles harmless.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <source_location>
#include <vector>

#include "detsim/detail/inline_function.hpp"

namespace detsim::detail {

class TaskCore;

// Cache-line aligned, with everything that running, cancelling and recycling
// a record reads in its first 64 bytes: with 100k tasks or 1M timers pending,
// the record a step picks is cold, and this makes it one cache miss, not two
// or three (records were 112 bytes, straddling lines). The second line holds
// what is written when the record is scheduled and read only by observers.
struct alignas(64) HandleRecord {
  // First line: the run path.
  InlineFunction<void()> callback;
  HandleRecord* next_free = nullptr;
  std::uint32_t generation = 0;
  enum class State : std::uint8_t { free, ready, timer, running } state = State::free;
  bool cancelled = false;     // a timer cancelled while in the heap (discarded lazily)
  bool is_step = false;       // runs a task step (for event labels)
  // Second line: identity and event labels.
  std::uint64_t id = 0;
  std::uint64_t cause = 0;               // seq of the event that scheduled it
  std::chrono::nanoseconds when{0};      // timers only
  TaskCore* task = nullptr;              // the task whose step this is, if any
  std::source_location site{};
};
static_assert(offsetof(HandleRecord, is_step) < 64, "the run path's fields must share the first cache line");

class HandlePool {
 public:
  HandleRecord& acquire() {
    if (!free_) grow();
    HandleRecord* record = free_;
    free_ = record->next_free;
    record->cancelled = false;
    return *record;
  }
  void release(HandleRecord& record) noexcept {
    record.callback.reset();
    record.state = HandleRecord::State::free;
    ++record.generation;
    record.next_free = free_;
    free_ = &record;
  }

 private:
  static constexpr std::size_t chunk_size = 1024;
  // Out of line: inlined, this rare path made acquire()'s callers (every
  // call_soon) save six registers and set up a stack frame.
  [[gnu::noinline]] void grow() {
    auto chunk = std::make_unique<HandleRecord[]>(chunk_size);
    // Link in index order so records are handed out in address order within
    // a chunk (cache-friendly); nothing depends on their addresses.
    for (std::size_t i = chunk_size; i-- > 0;) {
      chunk[i].next_free = free_;
      free_ = &chunk[i];
    }
    chunks_.push_back(std::move(chunk));
  }
  std::vector<std::unique_ptr<HandleRecord[]>> chunks_;
  HandleRecord* free_ = nullptr;
};

}  // namespace detsim::detail
