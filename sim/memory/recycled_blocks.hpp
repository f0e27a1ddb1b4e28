// Recycled blocks: a thread's last freed block of each of a few shapes (size
// and alignment), handed out again by the thread's next allocation of that
// shape. Private to sim/.
//
// A seed sweep makes a loop and a recorder per seed, and each takes a few
// blocks larger than the state pool's classes: the handle pool's first
// chunk (32 KiB, aligned to its size) and the trace log's first two (8 and
// 64 KiB, page-aligned). From glibc each was a memalign and a free, about a tenth
// of a twenty-step seed's instructions; reused, a pointer swap. A shape
// keeps one block: a sweep holds one loop at a time, and a thread with
// more falls back to the heap. The blocks go back to the heap when the
// thread ends. Nothing here can affect a run: addresses decide nothing in
// detsim.
#pragma once

#include <cstddef>
#include <new>

namespace detsim::detail {

// `bytes` aligned to `alignment`, from this thread's cache or the heap.
// Contents are unspecified. Throws std::bad_alloc.
void* allocate_recycled(std::size_t bytes, std::align_val_t alignment);
// Frees a block from allocate_recycled, of the same shape, on any thread.
void free_recycled(void* block, std::size_t bytes, std::align_val_t alignment) noexcept;
// How many blocks this thread holds for reuse (for tests): 0 once the
// thread's cache is gone.
std::size_t recycled_blocks_cached() noexcept;

}  // namespace detsim::detail
