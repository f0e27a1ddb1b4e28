#include "memory/recycled_blocks.hpp"

#include <array>
#include <cstdint>

#include "detsim/base/detail/assert.hpp"
#include "memory/asan.hpp"

namespace detsim::detail {

namespace {

struct Slot {
  std::size_t bytes = 0;  // 0: no shape yet
  std::align_val_t alignment{};
  void* block = nullptr;  // the shape's cached block, if any
};

// Set when this thread's cache is destroyed, at the thread's end: a block
// freed after that (by a thread_local loop's destructor, say) goes straight
// back to the heap. (Trivially destructible, so it outlives every
// thread_local with a destructor.)
constinit thread_local bool cache_gone = false;

// More slots than the shapes sim/ uses, which are fixed.
struct Cache {
  std::array<Slot, 4> slots;
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  ~Cache() {
    cache_gone = true;
    for (Slot& slot : slots) {
      if (!slot.block) continue;
      ASAN_UNPOISON_MEMORY_REGION(slot.block, slot.bytes);
      ::operator delete(slot.block, slot.alignment);
    }
  }
};

Cache* this_threads_cache() noexcept {
  if (cache_gone) [[unlikely]] return nullptr;
  thread_local Cache cache;
  return &cache;
}

}  // namespace

// A shape: a size of 0 marks a slot without one, and operator new wants a
// power of two.
void assert_shape(std::size_t bytes, std::align_val_t alignment) noexcept {
  DETSIM_ASSERT(bytes != 0);
  const auto align = static_cast<std::size_t>(alignment);
  DETSIM_ASSERT(align != 0);
  DETSIM_ASSERT_EQ(align & (align - 1), 0u);
}

void* allocate_recycled(std::size_t bytes, std::align_val_t alignment) {
  assert_shape(bytes, alignment);
  if (Cache* cache = this_threads_cache()) {
    for (Slot& slot : cache->slots) {
      if (slot.block == nullptr || slot.bytes != bytes || slot.alignment != alignment) continue;
      ASAN_UNPOISON_MEMORY_REGION(slot.block, bytes);
      void* const block = slot.block;
      slot.block = nullptr;
      return block;
    }
  }
  return ::operator new(bytes, alignment);
}

void free_recycled(void* block, std::size_t bytes, std::align_val_t alignment) noexcept {
  assert_shape(bytes, alignment);
  DETSIM_ASSERT(block != nullptr);
  DETSIM_ASSERT_EQ(reinterpret_cast<std::uintptr_t>(block) % static_cast<std::size_t>(alignment), 0u);
  if (Cache* cache = this_threads_cache()) {
    // The shape's slot, or the first without a shape.
    Slot* slot = nullptr;
    for (Slot& candidate : cache->slots) {
      if (candidate.bytes == bytes && candidate.alignment == alignment) {
        slot = &candidate;
        break;
      }
      if (candidate.bytes == 0 && !slot) slot = &candidate;
    }
    // Freed twice: the block is already cached (deleting it too would hand
    // it to the heap and to the next allocation of its shape).
    if (slot) DETSIM_ASSERT(slot->block != block);
    if (slot && !slot->block) {
      *slot = Slot{bytes, alignment, block};
      // Poisoned while cached, so that a use after free is still caught.
      ASAN_POISON_MEMORY_REGION(block, bytes);
      return;
    }
  }
  ::operator delete(block, alignment);
}

std::size_t recycled_blocks_cached() noexcept {
  std::size_t cached = 0;
  if (Cache* cache = this_threads_cache()) {
    for (const Slot& slot : cache->slots) cached += slot.block != nullptr;
  }
  return cached;
}

}  // namespace detsim::detail
