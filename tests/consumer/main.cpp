// A project that uses detsim, as a user's would: only <detsim/detsim.hpp>
// and the detsim::detsim target, found by find_package(detsim) after
// `cmake --install` (find_package/) or by add_subdirectory (add_subdirectory/).
// Runs the lost-update race: exits 0 if detsim behaves as documented.
#include <cstdint>
#include <cstdio>

#include <detsim/detsim.hpp>

namespace {

// Reads the counter, gives the scheduler one chance to run someone else,
// writes back: two of these can lose an update.
detsim::Task<void> increment(int& counter) {
  const int seen = counter;
  co_await detsim::yield();
  counter = seen + 1;
}

detsim::Task<int> race() {
  int counter = 0;
  auto& loop = detsim::get_running_loop();
  auto a = loop.create_task(increment(counter), "a");
  auto b = loop.create_task(increment(counter), "b");
  co_await a;
  co_await b;
  co_return counter;
}

int run_fifo() {
  detsim::EventLoop loop;
  return loop.run_until_complete(race());
}

int run_seed(std::uint64_t seed) {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  return loop.run_until_complete(race());
}

}  // namespace

int main() {
  int failures = 0;
  // asyncio's order: both read 0 before either writes, so an update is lost.
  const int fifo = run_fifo();
  if (fifo != 1) {
    std::printf("FAIL: under FIFO the counter is %d, expected 1 (one update lost)\n", fifo);
    ++failures;
  }
  // Under seeds, each seed repeats its outcome, and some seed lets one task
  // write before the other reads (no update lost).
  int kept_both = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const int first = run_seed(seed);
    const int again = run_seed(seed);
    if (first != again || (first != 1 && first != 2)) {
      std::printf("FAIL: seed %llu gave %d, then %d\n", static_cast<unsigned long long>(seed), first, again);
      ++failures;
    }
    if (first == 2) ++kept_both;
  }
  if (kept_both == 0) {
    std::printf("FAIL: no seed in 1..20 kept both updates\n");
    ++failures;
  }
  std::printf("detsim %s consumer: FIFO lost an update, %d of seeds 1..20 kept both, each seed twice alike: %s\n",
              detsim::version, kept_both, failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
