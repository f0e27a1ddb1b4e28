// Memory for future and task states and tasks' coroutine frames
// (allocate_pooled, declared in detsim/memory/state_pool.hpp).
//
// Two layers:
//   - A per-thread cache per size class (16-byte steps up to 512 bytes): a
//     freed block goes on its thread's list and is handed out again by the
//     next allocation of that class, so a program that keeps creating
//     futures or tasks reaches a steady state in a few instructions each.
//     Each list keeps at most `max_cached` blocks.
//   - Spans behind it: 64 KiB blocks of memory, each cut into blocks of one
//     class, which a block goes back to when its thread's list is full or
//     the thread ends. A span none of whose blocks is out (in use or in a
//     cache) is freed, except the one each class takes blocks from (kept,
//     with its region, until the thread ends), so a burst of a million
//     futures gives its memory back once it is over. A thread's first spans come from the ordinary heap;
//     once it holds more, they are carved from huge-page regions
//     (huge_pages.hpp): with 100k tasks, a step touches a task state and a
//     frame picked at random among 50 MB of them, and on a virtual machine a
//     TLB miss per touch cost as much as the rest of the step (yield over
//     100k tasks, random picks: 53 ns per step with 4 KiB pages, 33 with
//     huge ones).
//
// A span belongs to the thread that made it. A block freed on another
// thread joins that thread's cache like any other; from there, or when its
// own thread has ended, it goes back to its span under a lock (rare: a loop
// and its futures live on one thread). Blocks given back by other threads
// are counted out of their span when its thread next needs a new span, or
// ends (or calls release_cached_blocks): until then they keep it alive.
// Blocks of 64 to 512 bytes are 64-byte aligned, so that the fields a step
// reads (the head of a frame, TaskCore's first line) fall on as few cache
// lines as the layout allows. Nothing here can affect a run: addresses
// decide nothing in detsim.
//
// Under AddressSanitizer (the debug preset) there are no spans: each block
// is an allocation of its own, cached as above, so that LeakSanitizer sees a
// state nobody freed and a use after free past the cache is caught (a span
// would hide both: its memory is live as long as any block in it is).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>

#include "memory/asan.hpp"
#include "detsim/base/detail/assert.hpp"
#include "detsim/memory/state_pool.hpp"
#include "memory/huge_pages.hpp"

namespace detsim::detail {

namespace {

// (DETSIM_POOL_SPANS_UNDER_ASAN keeps the spans under AddressSanitizer: the
// debug preset builds the pool's own test that way, so the span code runs
// under the sanitizer too.)
#if defined(__SANITIZE_ADDRESS__) && !defined(DETSIM_POOL_SPANS_UNDER_ASAN)
constexpr bool blocks_are_allocations = true;
#else
constexpr bool blocks_are_allocations = false;
#endif
constexpr std::align_val_t block_alignment{64};
constexpr std::size_t granularity = 16;
constexpr std::size_t max_block = 512;
constexpr std::size_t class_count = max_block / granularity;
constexpr std::uint32_t max_cached = 1024;
constexpr std::size_t span_bytes = std::size_t{1} << 16;
constexpr std::size_t spans_per_region = huge_page_bytes / span_bytes;
// Spans a thread holds from the ordinary heap before it turns to huge-page
// regions: a small program never faults in (and zeroes) a 2 MiB page.
constexpr std::size_t ordinary_spans_per_thread = 8;
static_assert(huge_page_bytes % span_bytes == 0);

constexpr std::size_t size_class(std::size_t size) noexcept { return (size + granularity - 1) / granularity - 1; }
// Blocks of 16 and 32 bytes pack; larger ones are rounded up to whole cache
// lines, which keeps each 64-byte aligned.
constexpr std::size_t stride_of(std::size_t index) noexcept {
  const std::size_t size = (index + 1) * granularity;
  return size <= 32 ? size : (size + 63) / 64 * 64;
}

struct FreeBlock {
  FreeBlock* next;
};

struct Heap;
struct Region;

struct alignas(64) Span {
  std::atomic<Heap*> owner{nullptr}; // null once its thread has ended
  Region* region = nullptr;          // where it was carved from, or null (ordinary heap)
  FreeBlock* free = nullptr;         // blocks that came back, handed out before carving more
  FreeBlock* remote = nullptr;       // blocks that came back from other threads (under remote_mutex)
  std::atomic<std::uint32_t> remote_count{0};
  std::uint32_t live = 0;            // handed out (in use or in a thread's cache)
  std::uint32_t carved = 0;          // blocks cut so far, in address order
  std::uint32_t capacity = 0;
  std::uint32_t stride = 0;
  std::uint32_t class_index = 0;
  bool has_room_listed = false;      // in its heap's list of spans with room
  Span* room_previous = nullptr;     // that list (spans other than the current one)
  Span* room_next = nullptr;
  Span* all_previous = nullptr;      // every span of the heap, for the thread's end
  Span* all_next = nullptr;

  std::byte* first_block() noexcept { return reinterpret_cast<std::byte*>(this) + header_bytes; }
  bool has_room() const noexcept { return free != nullptr || carved < capacity; }
  static constexpr std::size_t header_bytes = 192;
};
static_assert(sizeof(Span) <= Span::header_bytes && Span::header_bytes % 64 == 0);

Span* span_of(void* block) noexcept {
  return reinterpret_cast<Span*>(reinterpret_cast<std::uintptr_t>(block) & ~(std::uintptr_t{span_bytes} - 1));
}

// A huge page's worth of spans. Freed when none of its spans is in use.
struct Region {
  Heap* owner;                   // null once its thread has ended
  std::byte* memory;
  Span* free_spans = nullptr;    // spans given back, linked through their first word
  std::uint32_t carved = 0;      // spans cut so far
  std::uint32_t in_use = 0;
  Region* previous = nullptr;    // the heap's regions
  Region* next = nullptr;
};

// The intrusive doubly linked lists here (a heap's regions, its spans, the
// spans of a class with room): push at the front, unlink from anywhere.
template <class Node, Node* Node::*previous, Node* Node::*next>
struct IntrusiveList {
  static void push_front(Node*& head, Node& node) noexcept {
    node.*previous = nullptr;
    node.*next = head;
    if (head) head->*previous = &node;
    head = &node;
  }
  static void unlink(Node*& head, Node& node) noexcept {
    (node.*previous ? (node.*previous)->*next : head) = node.*next;
    if (node.*next) (node.*next)->*previous = node.*previous;
  }
};
using RegionList = IntrusiveList<Region, &Region::previous, &Region::next>;
using SpanList = IntrusiveList<Span, &Span::all_previous, &Span::all_next>;
using RoomList = IntrusiveList<Span, &Span::room_previous, &Span::room_next>;

struct ClassCache {
  FreeBlock* head = nullptr;
  std::uint32_t count = 0;
  Span* current = nullptr;       // the span new blocks are taken from
  Span* with_room = nullptr;     // other spans that have room
};

// Trivially destructible, so that it stays valid while the thread's other
// thread_local objects (say, the loop get_event_loop owns) are destroyed.
struct Heap {
  ClassCache classes[class_count];
  Span* spans = nullptr;         // every span, most recent first
  Region* regions = nullptr;
  std::size_t ordinary_spans = 0;
  // Another thread gave blocks back to some of these spans since they were
  // last collected (set under remote_mutex).
  std::atomic<bool> remote_pending{false};
  bool ending_registered = false;
  bool ended = false;            // the thread is ending: its spans are abandoned
};
thread_local Heap heap;

// Guards the remote lists, and spans and regions whose thread has ended.
std::mutex remote_mutex;
std::atomic<std::size_t> spans_alive{0};
std::atomic<std::size_t> regions_alive{0};
std::atomic<std::size_t> region_spans_alive{0};

void poison(void* block, std::size_t bytes) noexcept { ASAN_POISON_MEMORY_REGION(block, bytes); }
void unpoison(void* block, std::size_t bytes) noexcept { ASAN_UNPOISON_MEMORY_REGION(block, bytes); }

// ---- regions and spans ----------------------------------------------------------

void free_region(Region* region) noexcept {
  free_huge_page_aligned(region->memory, huge_page_bytes);
  delete region;
  regions_alive.fetch_sub(1, std::memory_order_relaxed);
}

// A span's memory from one of the heap's regions with room, or a new one.
std::byte* span_memory_from_region(Heap& owner, Region*& from) {
  Region* region = owner.regions;
  while (region && !region->free_spans && region->carved == spans_per_region) region = region->next;
  if (!region) {
    auto made = std::make_unique<Region>(Region{.owner = &owner, .memory = nullptr});
    made->memory = static_cast<std::byte*>(allocate_huge_page_aligned(huge_page_bytes));
    region = made.release();
    regions_alive.fetch_add(1, std::memory_order_relaxed);
    RegionList::push_front(owner.regions, *region);
  }
  DETSIM_ASSERT_LE(region->carved, spans_per_region);
  DETSIM_ASSERT_LT(region->in_use, spans_per_region);
  ++region->in_use;
  from = region;
  if (Span* span = region->free_spans) {
    region->free_spans = *reinterpret_cast<Span**>(span);
    return reinterpret_cast<std::byte*>(span);
  }
  return region->memory + region->carved++ * span_bytes;
}

void register_thread_end();

// A span of class `index`. After the thread's end (`owner.ended`) it belongs
// to no thread: its blocks come back under the lock, and the last frees it.
Span* new_span(Heap& owner, std::size_t index) {
  Region* region = nullptr;
  void* memory = nullptr;
  if (owner.ended || owner.ordinary_spans < ordinary_spans_per_thread) {
    memory = ::operator new(span_bytes, std::align_val_t{span_bytes});
    if (!owner.ended) ++owner.ordinary_spans;
  } else {
    memory = span_memory_from_region(owner, region);
  }
  if (region) region_spans_alive.fetch_add(1, std::memory_order_relaxed);
  auto* span = ::new (memory) Span;
  span->owner.store(owner.ended ? nullptr : &owner, std::memory_order_relaxed);
  span->region = region;
  span->stride = static_cast<std::uint32_t>(stride_of(index));
  span->capacity = static_cast<std::uint32_t>((span_bytes - Span::header_bytes) / span->stride);
  span->class_index = static_cast<std::uint32_t>(index);
  spans_alive.fetch_add(1, std::memory_order_relaxed);
  if (!owner.ended) {
    register_thread_end();
    SpanList::push_front(owner.spans, *span);
  }
  return span;
}

// Frees a span none of whose blocks is handed out (and unlinked from every
// list). Its region is freed too once none of its spans is in use, unless
// its thread is ending, which frees its regions itself.
void free_span(Span* span, bool free_empty_region) noexcept {
  DETSIM_ASSERT_EQ(span->live, 0u);
  Region* region = span->region;
  Heap* owner = span->owner.load(std::memory_order_relaxed);
  if (!region && owner) --owner->ordinary_spans;
  span->~Span();
  unpoison(span, span_bytes);
  spans_alive.fetch_sub(1, std::memory_order_relaxed);
  if (!region) {
    ::operator delete(span, std::align_val_t{span_bytes});
    return;
  }
  region_spans_alive.fetch_sub(1, std::memory_order_relaxed);
  *reinterpret_cast<Span**>(span) = region->free_spans;
  region->free_spans = span;
  DETSIM_ASSERT(region->in_use != 0);
  if (--region->in_use != 0 || !free_empty_region) return;
  if (region->owner) RegionList::unlink(region->owner->regions, *region);
  free_region(region);
}

void link_room(ClassCache& cache, Span& span) noexcept {
  RoomList::push_front(cache.with_room, span);
  span.has_room_listed = true;
}

void unlink_room(ClassCache& cache, Span& span) noexcept {
  RoomList::unlink(cache.with_room, span);
  span.has_room_listed = false;
}

void* take_from_span(Span& span) noexcept {
  DETSIM_ASSERT_LT(span.live, span.capacity);
  ++span.live;
  if (FreeBlock* block = span.free) {
    unpoison(block, span.stride);
    span.free = block->next;
    return block;
  }
  DETSIM_ASSERT_LT(span.carved, span.capacity);
  return span.first_block() + std::size_t{span.carved++} * span.stride;
}

// After blocks came back to `span`: unless it is the span its class takes
// blocks from, it is freed if none of its blocks is left out, or else listed
// as having room.
void settle(Heap& owner, Span& span) noexcept {
  ClassCache& cache = owner.classes[span.class_index];
  if (&span == cache.current) return;
  if (span.live == 0) {
    if (span.has_room_listed) unlink_room(cache, span);
    SpanList::unlink(owner.spans, span);
    free_span(&span, true);
  } else if (!span.has_room_listed) {
    link_room(cache, span);
  }
}

// Moves the blocks other threads gave back to `span` to its free list
// (its owner only, under remote_mutex). Returns whether there were any.
bool take_remote_locked(Span& span) noexcept {
  FreeBlock* list = span.remote;
  if (!list) return false;
  FreeBlock* tail = list;
  for (;;) {
    unpoison(tail, sizeof(FreeBlock));
    FreeBlock* next = tail->next;
    if (!next) break;
    poison(tail, sizeof(FreeBlock));
    tail = next;
  }
  tail->next = span.free;
  poison(tail, sizeof(FreeBlock));
  span.free = list;
  span.remote = nullptr;
  const std::uint32_t returned = span.remote_count.exchange(0, std::memory_order_relaxed);
  DETSIM_ASSERT_LE(returned, span.live);
  span.live -= returned;
  return true;
}

// Collects what other threads gave back to any of the heap's spans, which
// then have room (or, if none of their blocks is left out, are freed).
void collect_all_remote(Heap& owner) noexcept {
  std::lock_guard lock(remote_mutex);
  owner.remote_pending.store(false, std::memory_order_relaxed);
  for (Span* span = owner.spans; span;) {
    Span* next = span->all_next;
    if (take_remote_locked(*span)) settle(owner, *span);
    span = next;
  }
}

// Out of line, as is return_block: inlined, they made the caches' fast paths
// save and restore four registers (15 instructions more per allocation).
[[gnu::noinline]] void* refill(Heap& owner, std::size_t index) {
  if constexpr (blocks_are_allocations) return ::operator new(stride_of(index), block_alignment);
  if (owner.ended) return take_from_span(*new_span(owner, index));  // one block: see new_span
  ClassCache& cache = owner.classes[index];
  Span* span = cache.current;
  if ((!span || !span->has_room()) && owner.remote_pending.load(std::memory_order_relaxed)) {
    collect_all_remote(owner);
  }
  if (!span || !span->has_room()) {
    // The current span is full (it joins the list again when a block comes back).
    if (Span* with_room = cache.with_room) {
      unlink_room(cache, *with_room);
      span = with_room;
    } else {
      span = new_span(owner, index);
    }
    cache.current = span;
  }
  return take_from_span(*span);
}

// ---- giving blocks back to their spans --------------------------------------------

// A block given back to its own thread's span: one the span handed out
// (inside what it carved, on a block boundary) and not already back in it.
void return_local(Heap& owner, Span& span, void* block) noexcept {
  const auto offset = static_cast<std::size_t>(static_cast<std::byte*>(block) - span.first_block());
  DETSIM_ASSERT_LE(static_cast<void*>(span.first_block()), block);
  DETSIM_ASSERT_EQ(offset % span.stride, 0u);
  DETSIM_ASSERT_LT(offset / span.stride, std::size_t{span.carved});
  DETSIM_ASSERT(span.free != block);  // freed twice: it is the last block that came back
  DETSIM_ASSERT(span.live != 0);      // freed twice: more blocks came back than were handed out
  auto* free_block = static_cast<FreeBlock*>(block);
  free_block->next = span.free;
  span.free = free_block;
  poison(block, span.stride);
  --span.live;
  settle(owner, span);
}

void return_remote(Span& span, void* block) noexcept {
  std::lock_guard lock(remote_mutex);
  if (span.owner.load(std::memory_order_relaxed) != nullptr) {
    auto* free_block = static_cast<FreeBlock*>(block);
    free_block->next = span.remote;
    span.remote = free_block;
    poison(block, span.stride);
    span.remote_count.fetch_add(1, std::memory_order_relaxed);
    span.owner.load(std::memory_order_relaxed)->remote_pending.store(true, std::memory_order_relaxed);
    return;
  }
  // Its thread has ended.
  poison(block, span.stride);
  DETSIM_ASSERT(span.live != 0);  // freed twice
  if (--span.live == 0) free_span(&span, true);
}

// `block` was freed as a block of class `index`. (The class is checked here,
// not when the block joins its thread's cache: that is the hot path, and
// reading the span's header there is a cache miss with many spans.)
[[gnu::noinline]] void return_block(Heap& owner, void* block, std::size_t index) noexcept {
  if constexpr (blocks_are_allocations) {
    ::operator delete(block, block_alignment);
    return;
  }
  Span* span = span_of(block);
  // Immutable once the span is made, so safe to read from any thread.
  DETSIM_ASSERT_EQ(std::size_t{span->class_index}, index);  // freed with another size than it was allocated with
  DETSIM_ASSERT_EQ(std::size_t{span->stride}, stride_of(index));
  if (span->owner.load(std::memory_order_relaxed) == &owner && !owner.ended) {
    return_local(owner, *span, block);
  } else {
    return_remote(*span, block);
  }
}

// ---- the thread's end -------------------------------------------------------------

// Gives every block in the thread's caches back to its span.
void return_cached_blocks(Heap& owner) noexcept {
  for (std::size_t index = 0; index < class_count; ++index) {
    ClassCache& cache = owner.classes[index];
    // A cycle in the list (a block freed twice, apart) would loop forever:
    // the list holds exactly `count` blocks.
    for (std::uint32_t returned = 0; FreeBlock* block = cache.head; ++returned) {
      DETSIM_ASSERT_LT(returned, cache.count);
      unpoison(block, sizeof(FreeBlock));
      cache.head = block->next;
      return_block(owner, block, index);
    }
    cache.count = 0;
  }
}

// Gives every cached block back, frees the spans that are then unused, and
// leaves the others (and their regions) to whoever frees their last block.
void end_thread(Heap& owner) noexcept {
  return_cached_blocks(owner);
  std::lock_guard lock(remote_mutex);
  owner.ended = true;
  for (Span* span = owner.spans; span;) {
    Span* next = span->all_next;
    const std::uint32_t returned = span->remote_count.exchange(0, std::memory_order_relaxed);
    DETSIM_ASSERT_LE(returned, span->live);
    span->live -= returned;
    span->remote = nullptr;  // counted out: those blocks are back
    if (span->live == 0) {
      free_span(span, false);
    } else {
      span->owner.store(nullptr, std::memory_order_relaxed);
    }
    span = next;
  }
  owner.spans = nullptr;
  for (Region* region = owner.regions; region;) {
    Region* next = region->next;
    if (region->in_use == 0) {
      free_region(region);
    } else {
      region->owner = nullptr;
    }
    region = next;
  }
  owner.regions = nullptr;
  for (ClassCache& cache : owner.classes) cache = ClassCache{};
}

struct ThreadEnd {
  ~ThreadEnd() { end_thread(heap); }
  void touch() noexcept {}
};
thread_local ThreadEnd thread_end;

void register_thread_end() {
  if (heap.ending_registered) return;
  heap.ending_registered = true;
  thread_end.touch();  // first use on this thread: registers its destructor
}

}  // namespace

void* allocate_pooled(std::size_t size) {
  if (size == 0 || size > max_block) return ::operator new(size);
  const std::size_t index = size_class(size);
  ClassCache& cache = heap.classes[index];
  void* block = nullptr;
  if (FreeBlock* cached = cache.head) {
    // Idle blocks are poisoned under AddressSanitizer, so a use after free
    // of a state is still caught although the memory is recycled.
    unpoison(cached, stride_of(index));
    cache.head = cached->next;
    // Fewer blocks counted than listed: the list has a cycle (a block freed twice).
    DETSIM_ASSERT(cache.count != 0);
    --cache.count;
    block = cached;
  } else {
    block = refill(heap, index);
  }
  // And so is a block's slack past `size`, to catch an overflow into it.
  poison(static_cast<std::byte*>(block) + size, stride_of(index) - size);
  return block;
}

void deallocate_pooled(void* block, std::size_t size) noexcept {
  if (block == nullptr) return;
  if (size == 0 || size > max_block) {
    ::operator delete(block);
    return;
  }
  const std::size_t index = size_class(size);
  // Freed twice: an idle block (cached or back in its span) is poisoned.
  // (Under AddressSanitizer only; other builds check less, below.)
  DETSIM_ASSERT(!DETSIM_ASAN_IS_POISONED(block));
  unpoison(block, stride_of(index));  // its slack, poisoned while in use, is about to hold the next pointer
  ClassCache& cache = heap.classes[index];
  if (heap.ended || cache.count == max_cached) {
    return_block(heap, block, index);
    return;
  }
  register_thread_end();
  // Freed twice in a row. (Checked against the list's head only: a longer
  // search would cost the hot path; other double frees are caught when the
  // block goes back to its span, or the list's count runs out.)
  DETSIM_ASSERT(cache.head != block);
  auto* free_block = static_cast<FreeBlock*>(block);
  free_block->next = cache.head;
  cache.head = free_block;
  ++cache.count;
  poison(free_block, stride_of(index));
}

PooledMemory pooled_memory() noexcept {
  return PooledMemory{spans_alive.load(std::memory_order_relaxed), region_spans_alive.load(std::memory_order_relaxed),
                      regions_alive.load(std::memory_order_relaxed)};
}

void release_cached_blocks() noexcept {
  return_cached_blocks(heap);
  if (heap.remote_pending.load(std::memory_order_relaxed)) collect_all_remote(heap);
}

}  // namespace detsim::detail
