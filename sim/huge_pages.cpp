#include "huge_pages.hpp"

#include <new>

#if __has_include(<sys/mman.h>)
#include <sys/mman.h>
#endif

namespace detsim::detail {

namespace {
void advise_huge_pages(void* memory, std::size_t bytes) noexcept {
#ifdef MADV_HUGEPAGE
  (void)madvise(memory, bytes, MADV_HUGEPAGE);  // a hint: failure changes nothing
#else
  (void)memory;
  (void)bytes;
#endif
}
}  // namespace

void* allocate_huge_page_aligned(std::size_t bytes) {
  // Not zeroed: what is kept there is written before it is read, so there
  // is no need to touch (and fault in) the whole block up front.
  void* memory = ::operator new(bytes, std::align_val_t{huge_page_bytes});
  advise_huge_pages(memory, bytes);
  return memory;
}

void free_huge_page_aligned(void* memory) noexcept { ::operator delete(memory, std::align_val_t{huge_page_bytes}); }

void HugePageRegionDelete::operator()(std::byte* region) const noexcept { free_huge_page_aligned(region); }

HugePageRegion allocate_huge_page_region() {
  return HugePageRegion(static_cast<std::byte*>(allocate_huge_page_aligned(huge_page_bytes)));
}

}  // namespace detsim::detail
