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
#include <source_location>
#include <vector>

#include "detsim/detail/inline_function.hpp"
#include "huge_pages.hpp"

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
  enum class State : std::uint8_t { free, ready, timer, running } state = State::free;
  bool cancelled = false;  // a timer cancelled while in the heap (discarded lazily)
  bool is_step = false;    // runs its ReadyEntry's task's step (and has no callback)
  bool labelled = false;   // its HandleLabels were written (see below)

  HandleRecord() noexcept : next_free(nullptr) {}
};
static_assert(sizeof(HandleRecord) == 64, "a record is one cache line");

// What only observers need to know of a record: written when the loop is
// observed, so an unobserved run never touches them (though where a chunk
// sits in a huge page, they are faulted in with the records).
struct HandleLabels {
  std::uint64_t cause;        // seq of the event that scheduled it
  TaskCore* task;             // the task whose step this is, if any
  std::source_location site;  // user code that scheduled it
};
// Kept in raw bytes (source_location has a constructor, so an array of
// HandleLabels would be written out when its chunk is created). An
// implicit-lifetime type, so assigning through the bytes creates it.
static_assert(std::is_trivially_copyable_v<HandleLabels> && std::is_trivially_destructible_v<HandleLabels>);

class HandlePool {
 public:
  HandlePool() = default;
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool() {
    for (std::size_t region = 0; region < regions_.size(); ++region) {
      const std::size_t chunks = region + 1 < regions_.size() ? chunks_per_region : region_chunks_used_;
      for (std::size_t i = 0; i < chunks; ++i) chunk_in(region, i).~Chunk();
    }
  }

  HandleRecord& acquire() {
    if (!free_) grow();
    HandleRecord* record = free_;
    free_ = record->next_free;
    // The next record to hand out may be cold (1M timers recycle 64 MB of
    // records): start loading it for the next acquire.
    if (free_) __builtin_prefetch(free_, 1);
    record->cancelled = false;
    return *record;
  }
  void release(HandleRecord& record) noexcept {
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
    auto* chunk = reinterpret_cast<Chunk*>(reinterpret_cast<std::uintptr_t>(&record) & ~(chunk_bytes - 1));
    const auto index = static_cast<std::size_t>(&record - chunk->records);
    return *std::launder(reinterpret_cast<HandleLabels*>(chunk->label_bytes + index * sizeof(HandleLabels)));
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
  struct alignas(chunk_bytes) Chunk {
    HandleRecord records[chunk_size];
    alignas(HandleLabels) std::byte label_bytes[chunk_size * sizeof(HandleLabels)];
  };
  static_assert(sizeof(Chunk) == chunk_bytes);

  // Out of line: inlined, this rare path made acquire()'s callers (every
  // call_soon) save six registers and set up a stack frame.
  [[gnu::noinline]] void grow() {
    Chunk* chunk = first_chunk_ ? carve_chunk() : (first_chunk_ = std::make_unique_for_overwrite<Chunk>()).get();
    // Link in index order so records are handed out in address order within
    // a chunk (cache-friendly); nothing depends on their addresses.
    for (std::size_t i = chunk_size; i-- > 0;) {
      chunk->records[i].next_free = free_;
      free_ = &chunk->records[i];
    }
  }
  // Chunks after the first are carved out of huge-page regions
  // (huge_pages.hpp), 64 to a region: with a million timers pending, records
  // are visited in deadline order all over 85 MiB of them. A small program
  // (up to 372 handles pending) keeps to its first, ordinary chunk.
  Chunk* carve_chunk() {
    if (regions_.empty() || region_chunks_used_ == chunks_per_region) {
      regions_.reserve(regions_.size() + 1);  // so that push_back cannot throw with a region in hand
      regions_.push_back(allocate_huge_page_region());
      region_chunks_used_ = 0;
    }
    // Default-init: label bytes stay untouched.
    return ::new (static_cast<void*>(&chunk_in(regions_.size() - 1, region_chunks_used_++))) Chunk;
  }
  Chunk& chunk_in(std::size_t region, std::size_t index) const noexcept {
    return *reinterpret_cast<Chunk*>(regions_[region].get() + index * sizeof(Chunk));
  }

  static constexpr std::size_t chunks_per_region = huge_page_bytes / sizeof(Chunk);
  static_assert(chunks_per_region >= 1 && huge_page_bytes % sizeof(Chunk) == 0 && alignof(Chunk) <= huge_page_bytes);

  std::unique_ptr<Chunk> first_chunk_;
  std::vector<HugePageRegion> regions_;
  std::size_t region_chunks_used_ = 0;  // in the last region; ~HandlePool destroys them
  HandleRecord* free_ = nullptr;
};

}  // namespace detsim::detail
