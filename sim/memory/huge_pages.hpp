// Huge pages: memory that Linux may back with 2 MiB pages. Private to sim/.
//
// Memory that a run fills with records it then visits in random order (a
// million pending timers, a long trace) spans thousands of 4 KiB pages, and
// on a virtual machine a TLB miss there costs a nested page walk and each
// first touch a page fault of about 3 us. Advised as huge, a 2 MiB-aligned
// region is one TLB entry and one fault. The advice is a hint (Linux's
// transparent_hugepage in "madvise" or "always" mode takes it; elsewhere
// nothing changes), so nothing may depend on it but speed. Small programs
// keep to ordinary allocations: a huge page is zeroed whole on first touch,
// about 100 us, which a test that makes a thousand loops should not pay.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include "detsim/memory/state_pool.hpp"

namespace detsim::detail {

inline constexpr std::size_t huge_page_bytes = std::size_t{1} << 21;

// `bytes` of memory aligned to a huge page and advised as huge (only the
// whole huge pages in it can be; a refused advice changes nothing); free it
// with free_huge_page_aligned, given the same `bytes`. Mapped from the
// kernel, not taken from malloc: glibc serves a large block with mmap only
// until the first such block is freed, then raises its threshold and carves
// the next ones from its heap, where pages already touched are small ones.
// (A program that freed 50 MB of task states then ran 1M timers 10% slower.)
void* allocate_huge_page_aligned(std::size_t bytes);
void free_huge_page_aligned(void* memory, std::size_t bytes) noexcept;

struct HugePageRegionDelete {
  void operator()(std::byte* region) const noexcept;
};
// One huge page's worth of memory, aligned to it, advised, not touched.
using HugePageRegion = std::unique_ptr<std::byte[], HugePageRegionDelete>;
HugePageRegion allocate_huge_page_region();

// An allocator for containers that may grow large (the timer heap, the ready
// queue): blocks of a huge page or more are huge-page aligned and advised,
// blocks of 64 to 512 bytes (a new loop's first) come from the state pool,
// which aligns them to 64 bytes, and the others are ordinary. Which is which
// depends on the size alone, so deallocate finds it out again. (A new loop's
// ready queue, of 32-byte-aligned entries, took an aligned operator new,
// which glibc serves with memalign: about 450 instructions, a twentieth of
// a small seed's loop.)
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t count) {
    const std::size_t bytes = count * sizeof(T);
    if (pooled(bytes)) return static_cast<T*>(allocate_pooled(bytes));
    if (bytes < huge_page_bytes) return std::allocator<T>{}.allocate(count);
    return static_cast<T*>(allocate_huge_page_aligned(bytes));
  }
  void deallocate(T* memory, std::size_t count) noexcept {
    const std::size_t bytes = count * sizeof(T);
    if (pooled(bytes)) return deallocate_pooled(memory, bytes);
    if (bytes < huge_page_bytes) return std::allocator<T>{}.deallocate(memory, count);
    free_huge_page_aligned(memory, bytes);
  }
  static constexpr bool pooled(std::size_t bytes) noexcept {
    static_assert(alignof(T) <= 64);
    return bytes >= 64 && bytes <= 512;
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;  // stateless: any one frees what another allocated
  }
};

}  // namespace detsim::detail
