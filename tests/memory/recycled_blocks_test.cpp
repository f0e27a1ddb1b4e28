// Tests for a thread's recycled blocks (sim/memory/recycled_blocks.hpp): the next
// allocation of a freed block's shape on the thread gets that block back;
// two blocks of one shape out at once stay distinct; and a block freed at
// the thread's end, after its cache is gone, still goes back to the heap
// (the debug preset's AddressSanitizer reports a use after free otherwise).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <thread>

#include <gtest/gtest.h>

#include "memory/recycled_blocks.hpp"

namespace {

using detsim::detail::allocate_recycled;
using detsim::detail::free_recycled;
using detsim::detail::recycled_blocks_cached;

constexpr std::size_t chunk_bytes = 32 * 1024;
constexpr std::align_val_t chunk_alignment{32 * 1024};
constexpr std::size_t page_bytes = 8 * 1024;
constexpr std::align_val_t page_alignment{4096};

bool aligned(const void* block, std::align_val_t alignment) {
  return reinterpret_cast<std::uintptr_t>(block) % static_cast<std::size_t>(alignment) == 0;
}

template <class F>
void in_a_thread_of_its_own(F&& work) {
  std::thread thread(std::forward<F>(work));
  thread.join();
}

TEST(RecycledBlocks, TheNextAllocationOfAShapeGetsItsFreedBlockBack) {
  in_a_thread_of_its_own([] {
    void* chunk = allocate_recycled(chunk_bytes, chunk_alignment);
    void* page = allocate_recycled(page_bytes, page_alignment);
    EXPECT_TRUE(aligned(chunk, chunk_alignment));
    EXPECT_TRUE(aligned(page, page_alignment));
    std::memset(chunk, 0xab, chunk_bytes);  // the whole block is usable
    free_recycled(chunk, chunk_bytes, chunk_alignment);
    free_recycled(page, page_bytes, page_alignment);
    // Each shape gets its own block back, not the other's.
    EXPECT_EQ(allocate_recycled(page_bytes, page_alignment), page);
    EXPECT_EQ(allocate_recycled(chunk_bytes, chunk_alignment), chunk);
    free_recycled(chunk, chunk_bytes, chunk_alignment);
    free_recycled(page, page_bytes, page_alignment);
  });
}

TEST(RecycledBlocks, BlocksOfOneShapeOutAtOnceAreDistinct) {
  in_a_thread_of_its_own([] {
    void* first = allocate_recycled(chunk_bytes, chunk_alignment);
    free_recycled(first, chunk_bytes, chunk_alignment);
    void* again = allocate_recycled(chunk_bytes, chunk_alignment);
    void* second = allocate_recycled(chunk_bytes, chunk_alignment);  // the cache is empty now
    EXPECT_EQ(again, first);
    EXPECT_NE(second, again);
    // The shape keeps one block: the second freed goes to the heap.
    free_recycled(again, chunk_bytes, chunk_alignment);
    free_recycled(second, chunk_bytes, chunk_alignment);
    void* third = allocate_recycled(chunk_bytes, chunk_alignment);
    EXPECT_EQ(third, again);  // the one cached, not the one given to the heap
    free_recycled(third, chunk_bytes, chunk_alignment);
  });
}

TEST(RecycledBlocks, ABlockFreedOnAnotherThreadIsReusedThere) {
  void* block = nullptr;
  in_a_thread_of_its_own([&block] { block = allocate_recycled(page_bytes, page_alignment); });
  in_a_thread_of_its_own([block] {
    free_recycled(block, page_bytes, page_alignment);
    EXPECT_EQ(allocate_recycled(page_bytes, page_alignment), block);
    free_recycled(block, page_bytes, page_alignment);  // cached until this thread ends
  });
}

// Constructed before the thread's cache, so destroyed after it: frees its
// block then, and notes how many blocks the thread still caches.
std::atomic<int> cached_after_cache_gone{-1};
struct FreesAtThreadEnd {
  void* block = nullptr;
  ~FreesAtThreadEnd() {
    if (!block) return;
    free_recycled(block, page_bytes, page_alignment);
    cached_after_cache_gone = static_cast<int>(recycled_blocks_cached());
  }
};

TEST(RecycledBlocks, ABlockFreedAfterItsThreadsCacheIsGoneGoesToTheHeap) {
  in_a_thread_of_its_own([] {
    thread_local FreesAtThreadEnd holder;
    holder.block = allocate_recycled(page_bytes, page_alignment);  // makes the cache
    void* cached = allocate_recycled(page_bytes, page_alignment);
    free_recycled(cached, page_bytes, page_alignment);
    EXPECT_EQ(recycled_blocks_cached(), 1u);
  });
  EXPECT_EQ(cached_after_cache_gone, 0);
}

// ---- misuse: each is caught by an assertion that names it -------------------------

TEST(RecycledBlocksDeathTest, ABlockFreedTwiceIsCaught) {
  void* chunk = allocate_recycled(chunk_bytes, chunk_alignment);
  free_recycled(chunk, chunk_bytes, chunk_alignment);  // now cached
  EXPECT_DEATH(free_recycled(chunk, chunk_bytes, chunk_alignment),
               "detsim assertion failed: slot->block != block");
  EXPECT_EQ(allocate_recycled(chunk_bytes, chunk_alignment), chunk);
  free_recycled(chunk, chunk_bytes, chunk_alignment);
}

TEST(RecycledBlocksDeathTest, ABlockFreedWithAnotherAlignmentOrNoSizeIsCaught) {
  void* page = allocate_recycled(page_bytes, page_alignment);
  EXPECT_DEATH(free_recycled(static_cast<std::byte*>(page) + 64, page_bytes, page_alignment),
               "detsim assertion failed: reinterpret_cast<std::uintptr_t>\\(block\\) % "
               "static_cast<std::size_t>\\(alignment\\) == 0u\n  left: 64, right: 0");
  EXPECT_DEATH(free_recycled(page, 0, page_alignment), "detsim assertion failed: bytes != 0");
  EXPECT_DEATH((void)allocate_recycled(page_bytes, std::align_val_t{48}),
               "detsim assertion failed: align & \\(align - 1\\) == 0u\n  left: 32, right: 0");
  free_recycled(page, page_bytes, page_alignment);
}

}  // namespace
