#include "huge_pages.hpp"

#include <new>

#if __has_include(<sys/mman.h>)
#include <sys/mman.h>
#endif

namespace detsim::detail {

void advise_huge_pages(void* memory, std::size_t bytes) noexcept {
#ifdef MADV_HUGEPAGE
  (void)madvise(memory, bytes, MADV_HUGEPAGE);
#else
  (void)memory;
  (void)bytes;
#endif
}

void HugePageRegionDelete::operator()(std::byte* region) const noexcept {
  ::operator delete(region, std::align_val_t{huge_page_bytes});
}

HugePageRegion allocate_huge_page_region() {
  // Not zeroed: records are constructed in it, so there is no need to touch
  // (and fault in) the whole region up front.
  auto* region = static_cast<std::byte*>(::operator new(huge_page_bytes, std::align_val_t{huge_page_bytes}));
  advise_huge_pages(region, huge_page_bytes);
  return HugePageRegion(region);
}

}  // namespace detsim::detail
