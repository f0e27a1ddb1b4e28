// Tests for the memory of future and task states and coroutine frames
// (allocate_pooled in detsim/memory/state_pool.hpp, sim/memory/state_pool.cpp):
// blocks are distinct, aligned and reused; a burst gives its spans and
// huge-page regions back once it is over; blocks freed on another thread, or
// after their own thread has ended, come back too. The counts are
// process-wide, so each test runs its work in threads of its own and
// compares with what the process held before. Under AddressSanitizer there
// are no spans (each block is an allocation of its own, so that the
// sanitizer sees it): the span tests are skipped there. The release preset
// runs them, and the debug preset runs them in state_pool_spans_test, this
// file built with the pool's sources and spans kept under the sanitizer.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/memory/state_pool.hpp>

namespace {

using detsim::detail::allocate_pooled;
using detsim::detail::deallocate_pooled;
using detsim::detail::pooled_memory;
using detsim::detail::release_cached_blocks;

constexpr std::size_t task_state_size = 352;  // about a TaskState<void>

#if defined(__SANITIZE_ADDRESS__) && !defined(DETSIM_POOL_SPANS_UNDER_ASAN)
constexpr bool has_spans = false;  // each block is an allocation of its own there
#else
constexpr bool has_spans = true;
#endif
#define SKIP_WITHOUT_SPANS() \
  if (!has_spans) GTEST_SKIP() << "AddressSanitizer build: no spans, each block is its own allocation"

template <class F>
void on_a_new_thread(F&& work) {
  std::thread thread(std::forward<F>(work));
  thread.join();
}

std::vector<void*> allocate_many(std::size_t count, std::size_t size) {
  std::vector<void*> blocks;
  blocks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) blocks.push_back(allocate_pooled(size));
  return blocks;
}

void free_all(const std::vector<void*>& blocks, std::size_t size) {
  for (void* block : blocks) deallocate_pooled(block, size);
}

// Any sequence of allocations and frees of any sizes: every live block is
// its own (a pattern written into it survives until it is freed), blocks of
// 64 bytes and more start a cache line, and everything ends freed.
RC_GTEST_PROP(StatePool, LiveBlocksAreDistinctAlignedAndKeepTheirContents,
              (std::vector<std::pair<bool, std::uint16_t>> operations)) {
  struct Live {
    unsigned char* block;
    std::size_t size;
    unsigned char pattern;
  };
  std::vector<Live> live;
  unsigned char next_pattern = 1;
  for (const auto& [allocate, raw] : operations) {
    if (allocate || live.empty()) {
      const std::size_t size = 1 + raw % 600;  // past 512: the ordinary heap
      auto* block = static_cast<unsigned char*>(allocate_pooled(size));
      if (size >= 64 && size <= 512) RC_ASSERT(reinterpret_cast<std::uintptr_t>(block) % 64 == 0);
      std::memset(block, next_pattern, size);
      live.push_back({block, size, next_pattern++});
    } else {
      const Live freed = live[raw % live.size()];
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(raw % live.size()));
      for (std::size_t i = 0; i < freed.size; ++i) RC_ASSERT(freed.block[i] == freed.pattern);
      deallocate_pooled(freed.block, freed.size);
    }
  }
  for (const Live& block : live) {
    for (std::size_t i = 0; i < block.size; ++i) RC_ASSERT(block.block[i] == block.pattern);
    deallocate_pooled(block.block, block.size);
  }
}

#if defined(__SANITIZE_ADDRESS__)
// A freed block is poisoned while the pool keeps it, so a use after free is
// still reported although the memory is not given back; so is the slack
// past a block's size (a 40-byte state in a 48-byte block).
TEST(StatePoolDeathTest, FreedBlocksAndSlackArePoisoned) {
  EXPECT_DEATH(
      {
        auto* block = static_cast<volatile char*>(allocate_pooled(64));
        deallocate_pooled(const_cast<char*>(block), 64);
        (void)block[8];
      },
      "use-after-poison|heap-use-after-free");
  EXPECT_DEATH(
      {
        auto* block = static_cast<volatile char*>(allocate_pooled(40));
        (void)block[40];
      },
      "use-after-poison|heap-buffer-overflow");
}
#endif

TEST(StatePool, AFreedBlockIsHandedOutAgain) {
  on_a_new_thread([] {
    void* first = allocate_pooled(task_state_size);
    deallocate_pooled(first, task_state_size);
    void* second = allocate_pooled(task_state_size);
    EXPECT_EQ(second, first);
    deallocate_pooled(second, task_state_size);
  });
}

// 200k task-sized blocks take about 80 MB: past the thread's first spans,
// from huge-page regions. Freed, they go back to their spans, and the spans
// and regions go back as they empty, while the thread still runs.
TEST(StatePool, ABurstGivesItsSpansAndRegionsBackOnceOver) {
  SKIP_WITHOUT_SPANS();
  const auto before = pooled_memory();
  on_a_new_thread([&] {
    std::vector<void*> blocks = allocate_many(200'000, task_state_size);
    const auto during = pooled_memory();
    EXPECT_GT(during.spans, before.spans + 1000);
    EXPECT_GT(during.regions, before.regions + 30);
    EXPECT_GT(during.spans_in_regions, before.spans_in_regions + 1000);
    free_all(blocks, task_state_size);
    detsim::detail::release_cached_blocks();
    const auto after = pooled_memory();
    // The span blocks of this size are taken from stays, and so its region.
    EXPECT_LE(after.spans, before.spans + 1);
    EXPECT_LE(after.regions, before.regions + 1);
    // Holding few spans again, the thread takes new ones from the ordinary
    // heap, not from new huge pages.
    const std::vector<void*> small = allocate_many(100, 64);
    EXPECT_EQ(pooled_memory().spans, after.spans + 1);
    EXPECT_EQ(pooled_memory().spans_in_regions, after.spans_in_regions);
    free_all(small, 64);
  });
  EXPECT_EQ(pooled_memory().spans, before.spans);
  EXPECT_EQ(pooled_memory().regions, before.regions);
}

// Blocks freed on another thread while theirs runs go back to their spans
// through that thread when it next needs a span: its spans do not pile up.
// (Those left with no block out are freed then, and new ones made as
// needed; without the collection this thread would hold twice as many.)
TEST(StatePool, BlocksFreedOnAnotherThreadGoBackThroughTheirOwn) {
  SKIP_WITHOUT_SPANS();
  const auto before = pooled_memory();
  on_a_new_thread([&] {
    std::vector<void*> blocks = allocate_many(20'000, task_state_size);
    const std::size_t spans_held = pooled_memory().spans;
    on_a_new_thread([&] { free_all(blocks, task_state_size); });  // its end gives its cache back
    blocks = allocate_many(20'000, task_state_size);
    EXPECT_LE(pooled_memory().spans, spans_held + 1);
    free_all(blocks, task_state_size);
  });
  EXPECT_EQ(pooled_memory().spans, before.spans);
  EXPECT_EQ(pooled_memory().regions, before.regions);
}

// A thread that ends with blocks in use leaves its spans to them: the last
// block freed, wherever, frees its span, and the last span its region.
TEST(StatePool, BlocksThatOutliveTheirThreadFreeTheirSpansWhenFreed) {
  SKIP_WITHOUT_SPANS();
  const auto before = pooled_memory();
  std::vector<void*> blocks;
  on_a_new_thread([&] { blocks = allocate_many(50'000, task_state_size); });
  EXPECT_GT(pooled_memory().spans, before.spans);
  EXPECT_GT(pooled_memory().regions, before.regions);
  on_a_new_thread([&] { free_all(blocks, task_state_size); });
  EXPECT_EQ(pooled_memory().spans, before.spans);
  EXPECT_EQ(pooled_memory().regions, before.regions);
}

// ---- misuse: each is caught by an assertion that names it -------------------------
// (A DeathTest suite runs first, before other tests have started threads.)
// Under AddressSanitizer a block freed again is found poisoned, whichever
// list it is on; other builds catch it where the lists can tell.

// The assertion's text, or, under AddressSanitizer, the poisoned block's.
std::string freed_twice(const std::string& assertion) {
  return "detsim assertion failed: (" + assertion + "|!DETSIM_ASAN_IS_POISONED\\(block\\))";
}

TEST(StatePoolDeathTest, ABlockFreedTwiceInARowIsCaught) {
  void* block = allocate_pooled(48);
  deallocate_pooled(block, 48);
  EXPECT_DEATH(deallocate_pooled(block, 48), freed_twice("cache.head != block"));
}

TEST(StatePoolDeathTest, ABlockFreedAgainAfterGoingBackToItsSpanIsCaught) {
  // Its own size class (200 bytes), so that it is the last block back in its span.
  void* block = allocate_pooled(200);
  deallocate_pooled(block, 200);
  release_cached_blocks();
  EXPECT_DEATH(
      {
        deallocate_pooled(block, 200);
        release_cached_blocks();
      },
      freed_twice("span.free != block"));
}

TEST(StatePoolDeathTest, ABlockFreedTwiceApartIsCaughtWhenTheCacheRunsOut) {
  void* first = allocate_pooled(80);
  void* second = allocate_pooled(80);
  deallocate_pooled(first, 80);
  deallocate_pooled(second, 80);
  // The cache's list now runs first, second, first, second, ...: the fourth
  // allocation after the blocks counted finds one listed with none counted.
  EXPECT_DEATH(
      {
        deallocate_pooled(first, 80);
        for (int i = 0; i < 2 * 1024; ++i) (void)allocate_pooled(80);  // past any blocks cached before
      },
      freed_twice("cache.count != 0"));
}

TEST(StatePoolDeathTest, ABlockFreedAsAnotherSizeIsCaughtWhenItGoesBackToItsSpan) {
  SKIP_WITHOUT_SPANS();
  void* block = allocate_pooled(48);  // a 64-byte block
  EXPECT_DEATH(
      {
        deallocate_pooled(block, 128);
        release_cached_blocks();
      },
      "detsim assertion failed: std::size_t\\{span->class_index\\} == index\n  left: 2, right: 7");
  // The death happened in a child: here the block is still out, and its span
  // with it (LeakSanitizer would report the span at exit).
  deallocate_pooled(block, 48);
  release_cached_blocks();
}

}  // namespace
