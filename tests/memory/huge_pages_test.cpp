// Tests for huge-page memory (sim/memory/huge_pages.hpp): what it hands out
// is aligned to a huge page, and freeing anything else is caught before it
// could unmap a neighbour's pages.
#include <cstddef>
#include <cstdint>

#include <gtest/gtest.h>

#include "memory/huge_pages.hpp"

namespace {

using detsim::detail::allocate_huge_page_aligned;
using detsim::detail::free_huge_page_aligned;
using detsim::detail::huge_page_bytes;

TEST(HugePages, MemoryIsAlignedToAHugePage) {
  void* memory = allocate_huge_page_aligned(3 * huge_page_bytes / 2);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(memory) % huge_page_bytes, 0u);
  free_huge_page_aligned(memory, 3 * huge_page_bytes / 2);
}

TEST(HugePagesDeathTest, FreeingMemoryNotAlignedToAHugePageIsCaught) {
  void* memory = allocate_huge_page_aligned(huge_page_bytes);
  EXPECT_DEATH(free_huge_page_aligned(static_cast<std::byte*>(memory) + 4096, huge_page_bytes),
               "detsim assertion failed: reinterpret_cast<std::uintptr_t>\\(memory\\) % huge_page_bytes == 0u\n"
               "  left: 4096, right: 0");
  EXPECT_DEATH(free_huge_page_aligned(nullptr, huge_page_bytes), "detsim assertion failed: memory != nullptr");
  EXPECT_DEATH(free_huge_page_aligned(memory, 0), "detsim assertion failed: bytes != 0");
  free_huge_page_aligned(memory, huge_page_bytes);
}

}  // namespace
