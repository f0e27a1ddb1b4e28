// Counts heap allocations made anywhere in the benchmark binary.
//
// allocation_counter.cpp replaces the global operator new / operator delete
// (every form: plain, array, aligned, nothrow, sized) with versions that bump
// a counter and forward to malloc / free. A benchmark reads the counter
// before and after its timed loop and reports allocations per operation.
//
// The counter is for a single-threaded benchmark: it is a relaxed atomic
// updated with load + store (not an atomic add), so counting costs a plain
// increment and never distorts the timing it sits inside, and a concurrent
// allocation from another thread could at worst be missed (no undefined
// behaviour). Google Benchmark runs every benchmark here on the main thread.
#pragma once

#include <cstdint>

namespace detsim::bench {

// Allocations (calls to any operator new) since the program started.
std::uint64_t allocation_count() noexcept;

}  // namespace detsim::bench
