#include "memory/huge_pages.hpp"

#include <cstdint>
#include <new>

#include "detsim/base/detail/assert.hpp"

#if __has_include(<sys/mman.h>)
#include <sys/mman.h>
#endif

namespace detsim::detail {

namespace {

constexpr std::size_t round_up_to_huge_pages(std::size_t bytes) noexcept {
  return (bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
}

// Under AddressSanitizer, from operator new: the sanitizer then knows the
// memory (LeakSanitizer looks for pointers in it while it is reachable, and
// reports it if it is not), and huge pages do not matter there.
#if defined(MADV_HUGEPAGE) && !defined(__SANITIZE_ADDRESS__)
#define DETSIM_MAP_HUGE_PAGES 1
#endif

#if DETSIM_MAP_HUGE_PAGES
void* map_huge_page_aligned(std::size_t length) {
  // Map one huge page more than asked and unmap what lies outside the
  // aligned part: mmap only promises 4 KiB alignment.
  void* raw = mmap(nullptr, length + huge_page_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
  if (aligned > start) (void)munmap(raw, aligned - start);
  const std::uintptr_t tail = start + length + huge_page_bytes - (aligned + length);
  if (tail > 0) (void)munmap(reinterpret_cast<void*>(aligned + length), tail);
  DETSIM_ASSERT_EQ(aligned % huge_page_bytes, 0u);
  DETSIM_ASSERT_LE(start, aligned);
  DETSIM_ASSERT_LE(aligned + length, start + length + huge_page_bytes);  // inside the mapping
  auto* memory = reinterpret_cast<void*>(aligned);
  (void)madvise(memory, length, MADV_HUGEPAGE);  // a hint: failure changes nothing
  return memory;
}
#endif

}  // namespace

void* allocate_huge_page_aligned(std::size_t bytes) {
  DETSIM_ASSERT(bytes != 0);
  const std::size_t length = round_up_to_huge_pages(bytes);
#if DETSIM_MAP_HUGE_PAGES
  // Not touched: what is kept there is written before it is read, and the
  // kernel faults pages in (zeroed) as they are first written.
  return map_huge_page_aligned(length);
#else
  return ::operator new(length, std::align_val_t{huge_page_bytes});
#endif
}

void free_huge_page_aligned(void* memory, std::size_t bytes) noexcept {
  // Anything else did not come from allocate_huge_page_aligned: unmapping
  // it would unmap a neighbour's pages too, or leave some of its own.
  DETSIM_ASSERT(memory != nullptr);
  DETSIM_ASSERT_EQ(reinterpret_cast<std::uintptr_t>(memory) % huge_page_bytes, 0u);
  DETSIM_ASSERT(bytes != 0);
#if DETSIM_MAP_HUGE_PAGES
  (void)munmap(memory, round_up_to_huge_pages(bytes));
#else
  (void)bytes;
  ::operator delete(memory, std::align_val_t{huge_page_bytes});
#endif
}

void HugePageRegionDelete::operator()(std::byte* region) const noexcept {
  free_huge_page_aligned(region, huge_page_bytes);
}

HugePageRegion allocate_huge_page_region() {
  return HugePageRegion(static_cast<std::byte*>(allocate_huge_page_aligned(huge_page_bytes)));
}

}  // namespace detsim::detail
