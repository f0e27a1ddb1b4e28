#include "huge_pages.hpp"

#include <cstdint>
#include <new>

#if __has_include(<sys/mman.h>)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace detsim::detail {

namespace {

constexpr std::size_t round_up_to_huge_pages(std::size_t bytes) noexcept {
  return (bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
}

#if defined(MADV_HUGEPAGE)
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
  auto* memory = reinterpret_cast<void*>(aligned);
  (void)madvise(memory, length, MADV_HUGEPAGE);  // a hint: failure changes nothing
  return memory;
}
#endif

}  // namespace

void* allocate_huge_page_aligned(std::size_t bytes) {
  const std::size_t length = round_up_to_huge_pages(bytes);
#if defined(MADV_HUGEPAGE)
  // Not touched: what is kept there is written before it is read, and the
  // kernel faults pages in (zeroed) as they are first written.
  void* memory = map_huge_page_aligned(length);
#else
  void* memory = ::operator new(length, std::align_val_t{huge_page_bytes});
#endif
#if defined(__SANITIZE_ADDRESS__)
  // Not malloc's memory, so LeakSanitizer would not look in it for pointers
  // to what it holds (callbacks' captures, names) and report those leaked.
  __lsan_register_root_region(memory, length);
#endif
  return memory;
}

void free_huge_page_aligned(void* memory, std::size_t bytes) noexcept {
  const std::size_t length = round_up_to_huge_pages(bytes);
#if defined(__SANITIZE_ADDRESS__)
  __lsan_unregister_root_region(memory, length);
#endif
#if defined(MADV_HUGEPAGE)
  (void)munmap(memory, length);
#else
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
