// README's toolkit example, as written there (section "The asyncio
// toolkit"): if this stops compiling or passing, the README is wrong.
#include <string>
#include <vector>

#include <detsim/asyncio.hpp>
#include <detsim/testing.hpp>

namespace {

// ---- README: begin ----
namespace asyncio = detsim::asyncio;
using namespace std::chrono_literals;

// A pool of three workers drains a bounded queue of jobs. Job n takes
// 10ms * (n % 5) of virtual time and is given 25ms before it is abandoned.
detsim::Task<void> worker(asyncio::Queue<int>& jobs, std::vector<int>& done, int& timed_out) {
  for (;;) {
    const int job = co_await jobs.get();
    try {
      co_await asyncio::timeout(25ms, [&](asyncio::Timeout&) -> detsim::Coroutine<void> {
        co_await detsim::sleep(10ms * (job % 5));
        done.push_back(job);
      });
    } catch (const asyncio::TimeoutError&) {
      ++timed_out;
    }
    jobs.task_done();
  }
}

DETSIM_TEST(Pool, EveryJobIsDoneOrTimedOut) {
  asyncio::Queue<int> jobs(4, "jobs");
  std::vector<int> done;
  int timed_out = 0;
  auto& loop = detsim::get_running_loop();
  for (int w = 0; w < 3; ++w) (void)loop.create_task(worker(jobs, done, timed_out), "worker-" + std::to_string(w));
  for (int job = 0; job < 20; ++job) co_await jobs.put(job);
  co_await jobs.join();  // every job taken and task_done()
  DETSIM_CHECK_EQ(done.size(), 12u);  // jobs with n % 5 of 3 or 4 need 30ms or more
  DETSIM_CHECK_EQ(timed_out, 8);
}
// ---- README: end ----

}  // namespace
