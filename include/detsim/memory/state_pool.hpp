// The state pool: the memory of future and task states and of tasks'
// coroutine frames. Internal: detsim's core allocates from it, users never
// call it (their futures and tasks do).
//
// Invariants: a block is given back with the size it was taken with, once;
// blocks of 64 to 512 bytes are 64-byte aligned. Nothing about the pool's
// addresses reaches a decision or a trace (ids come from counters), so the
// pool's layout cannot change a run.
#pragma once

#include <cstddef>

namespace detsim::detail {

// Memory for future and task states and tasks' coroutine frames: per-thread
// caches by size class in front of 64 KiB spans; blocks of 64 to 512 bytes
// are 64-byte aligned (see sim/memory/state_pool.cpp). deallocate_pooled must get
// the size allocate_pooled was given; any thread may free a block.
void* allocate_pooled(std::size_t size);
void deallocate_pooled(void* block, std::size_t size) noexcept;
// The pool's spans and huge-page regions alive in the process (for tests and
// benchmarks: a burst's memory is given back once the burst is over). All
// zero under AddressSanitizer, where each block is an allocation of its own
// (unless the pool is built with DETSIM_POOL_SPANS_UNDER_ASAN, as its test is).
struct PooledMemory {
  std::size_t spans = 0;
  std::size_t spans_in_regions = 0;  // of those, the ones carved from huge-page regions
  std::size_t regions = 0;
};
PooledMemory pooled_memory() noexcept;
// Gives this thread's cached blocks back to their spans, and counts out of
// its spans the blocks other threads gave back; spans left with no block
// out are freed, except the one each size class takes blocks from.
void release_cached_blocks() noexcept;

}  // namespace detsim::detail
