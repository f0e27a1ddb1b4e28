// HandleRecord and HandlePool: storage for scheduled callbacks. Private to sim/.
//
// Records live in fixed-size chunks that never move, so the ready queue and
// the timer heap can hold plain pointers and a callback is never relocated
// after it is scheduled. Freed records go on a free list and are reused, so
// scheduling allocates nothing in steady state. A record's generation grows
// each time it is freed, which makes stale Handles harmless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "detsim/base/detail/assert.hpp"
#include "detsim/base/detail/inline_function.hpp"
#include "detsim/base/source_location.hpp"
#include "memory/huge_pages.hpp"
#include "memory/recycled_blocks.hpp"

namespace detsim::detail {

class TaskCore;

// One cache line holding everything that scheduling, running, cancelling
// and recycling a record touch. With 100k tasks or 1M timers pending the
// record a step picks is cold, so this makes each a single cache miss.
struct alignas(64) HandleRecord {
  InlineFunction<void()> callback;
  union {
    std::uint64_t id;           // while scheduled: the handle's id
    HandleRecord* next_free;    // while free: the free list
  };
  std::uint32_t generation = 0;
  // ready: a call_soon callback in the ready queue; due: a timer's callback
  // moved there when its deadline came (the loop tells them apart only for
  // a scheduler that reads candidates); timer: in the timer heap.
  enum class State : std::uint8_t { free, ready, due, timer, running } state = State::free;
  bool cancelled = false;  // a timer cancelled while in the heap (discarded lazily)
  bool labelled = false;   // its HandleLabels were written (see below)

  HandleRecord() noexcept : next_free(nullptr) {}
};
static_assert(sizeof(HandleRecord) == 64, "a record is one cache line");

// What only observers (and a scheduler that reads candidates) need to know
// of a record: written while the loop labels what it schedules (it is
// observed, or its scheduler reads candidates: LoopCore::labelling), so a
// plain run never touches them (though where a chunk sits in a huge page,
// they are faulted in with the records).
struct HandleLabels {
  std::uint64_t cause;        // seq of the event that scheduled it
  TaskCore* task;             // the task whose step this is, if any
  SourceLocation site;        // user code that scheduled it
};
// Kept in raw bytes (SourceLocation has a constructor, so an array of
// HandleLabels would be written out when its chunk is created). An
// implicit-lifetime type, so assigning through the bytes creates it.
static_assert(std::is_trivially_copyable_v<HandleLabels> && std::is_trivially_destructible_v<HandleLabels>);

class HandlePool {
 public:
  HandlePool() = default;
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool() {
    for (Chunk* chunk : chunks_) {
      const std::size_t constructed = chunk == chunks_.back() ? constructed_in_last_ : chunk_size;
      for (std::size_t i = 0; i < constructed; ++i) record_at(*chunk, i).~HandleRecord();
    }
    if (!chunks_.empty()) free_recycled(chunks_.front(), chunk_bytes, std::align_val_t{chunk_bytes});  // the first
  }

  HandleRecord& acquire() {
    HandleRecord* record = free_;
    if (record) [[likely]] {
      // A record on the free list that is not free was handed out twice (or
      // its memory was overwritten): its next_free is someone's id.
      DETSIM_ASSERT(record->state == HandleRecord::State::free);
      free_ = record->next_free;
      // The next record to hand out may be cold (1M timers recycle 64 MB of
      // records): start loading it for the next acquire.
      if (free_) __builtin_prefetch(free_, 1);
    } else {
      record = &construct_record();
    }
    record->cancelled = false;
    return *record;
  }
  void release(HandleRecord& record) noexcept {
    // Released twice: the free list would hold it twice and hand it out to
    // two callbacks.
    DETSIM_ASSERT(record.state != HandleRecord::State::free);
    record.callback.reset();
    record.state = HandleRecord::State::free;
    record.labelled = false;
    ++record.generation;
    record.next_free = free_;
    free_ = &record;
  }
  // Writes a record's labels and marks it labelled.
  static void label(HandleRecord& record, const HandleLabels& values) noexcept {
    labels(record) = values;
    record.labelled = true;
  }
  // The labels of a record of this pool's: found from the record's address,
  // as chunks are aligned to their size.
  static HandleLabels& labels(HandleRecord& record) noexcept {
    const auto address = reinterpret_cast<std::uintptr_t>(&record);
    const std::uintptr_t chunk = address & ~(chunk_bytes - 1);
    const std::size_t index = (address - chunk) / sizeof(HandleRecord);
    DETSIM_ASSERT_EQ((address - chunk) % sizeof(HandleRecord), 0u);  // not a record's address
    DETSIM_ASSERT_LT(index, chunk_size);                               // past the chunk's records
    return *std::launder(reinterpret_cast<HandleLabels*>(chunk + labels_offset + index * sizeof(HandleLabels)));
  }

 private:
  // As many records and their labels as fill 32 KiB (372 of them): no
  // padding, which a huge page would fault in for nothing. Small, because a
  // loop allocates its first chunk from the ordinary heap when it first
  // schedules something: at 128 KiB (and as aligned) glibc served it with an
  // mmap and a munmap per loop, and its pages came fresh, page fault by page
  // fault. That made a loop running a twenty-step program cost 25-32 us
  // instead of 1, and a seed sweep spends its time making loops.
  static constexpr std::size_t chunk_bytes = std::size_t{1} << 15;
  static constexpr std::size_t chunk_size = chunk_bytes / (sizeof(HandleRecord) + sizeof(HandleLabels));
  static constexpr std::size_t labels_offset = chunk_size * sizeof(HandleRecord);
  static_assert(labels_offset % alignof(HandleLabels) == 0);
  // Raw memory: records are constructed one by one as they are first handed
  // out (a loop that never has more than ten handles pending touches ten of
  // them, not 372), labels written when the loop is observed.
  struct alignas(chunk_bytes) Chunk {
    std::byte bytes[chunk_bytes];
  };
  static HandleRecord& record_at(Chunk& chunk, std::size_t index) noexcept {
    return *std::launder(reinterpret_cast<HandleRecord*>(chunk.bytes + index * sizeof(HandleRecord)));
  }

  // Out of line: inlined, this rare path made acquire()'s callers (every
  // call_soon) save six registers and set up a stack frame. Records are
  // handed out in address order within a chunk (cache-friendly); nothing
  // depends on their addresses.
  [[gnu::noinline]] HandleRecord& construct_record() {
    if (chunks_.empty() || constructed_in_last_ == chunk_size) add_chunk();
    DETSIM_ASSERT_LT(constructed_in_last_, chunk_size);
    return *::new (static_cast<void*>(chunks_.back()->bytes + constructed_in_last_++ * sizeof(HandleRecord)))
        HandleRecord;
  }
  // The first chunk comes from the ordinary heap, through the thread's
  // recycled blocks (a seed sweep makes a loop per seed); later ones are carved out
  // of huge-page regions (huge_pages.hpp), 64 to a region: with a million
  // timers pending, records are visited in deadline order all over 85 MiB of
  // them. A small program (up to 372 handles pending) keeps to its first.
  void add_chunk() {
    // Room first, so that push_back cannot throw with a chunk in hand.
    if (chunks_.size() == chunks_.capacity()) chunks_.reserve(2 * chunks_.size() + 1);
    if (chunks_.empty()) {
      chunks_.push_back(static_cast<Chunk*>(allocate_recycled(chunk_bytes, std::align_val_t{chunk_bytes})));
    } else {
      if (regions_.empty() || region_chunks_used_ == chunks_per_region) {
        if (regions_.size() == regions_.capacity()) regions_.reserve(2 * regions_.size() + 1);
        regions_.push_back(allocate_huge_page_region());
        region_chunks_used_ = 0;
      }
      DETSIM_ASSERT_LT(region_chunks_used_, chunks_per_region);
      chunks_.push_back(reinterpret_cast<Chunk*>(regions_.back().get() + region_chunks_used_++ * chunk_bytes));
    }
    constructed_in_last_ = 0;
  }

  static constexpr std::size_t chunks_per_region = huge_page_bytes / chunk_bytes;
  static_assert(chunks_per_region >= 1 && huge_page_bytes % chunk_bytes == 0);

  std::vector<Chunk*> chunks_;  // the first on the heap, the others in regions_
  std::size_t constructed_in_last_ = 0;
  std::vector<HugePageRegion> regions_;
  std::size_t region_chunks_used_ = 0;  // in the last region
  HandleRecord* free_ = nullptr;
};

}  // namespace detsim::detail
