// condition-without-loop: a Condition waited on with `if`, not `while`.
//
// A producer hands six jobs to two workers through a list guarded by a
// Condition, notifying one waiter per job. A worker that finds the list empty
// waits once, then takes the first job, trusting that a wake-up means a job
// is there. But a notified waiter must take the lock again before it runs,
// and the other worker, coming back from its previous job at that moment, may
// take the lock first and the job with it: the woken worker then finds the
// list empty. The fix waits with wait_for(predicate), which checks again
// after every wake-up (asyncio's `while not jobs: await cond.wait()`).
//
//   invariant: DETSIM_CHECK(!jobs.waiting.empty()) before a worker takes a job
#include <chrono>
#include <deque>
#include <utility>

#include <detsim/asyncio.hpp>
#include <detsim/base/check.hpp>

#include "scenarios/scenario_support.hpp"

namespace detsim::scenarios {
namespace {

using namespace std::chrono_literals;

constexpr int jobs_to_hand_out = 6;
constexpr int stop = 0;  // one per worker, after the jobs

struct Jobs {
  asyncio::Condition changed{"jobs"};
  std::deque<int> waiting;
  int done = 0;
};

// The bug: one wait, then the job is assumed to be there.
Coroutine<void> wait_once(Jobs& jobs) {
  if (jobs.waiting.empty()) co_await jobs.changed.wait();
}

// The fix: wait until there is a job, however often that takes.
Coroutine<void> wait_until_job(Jobs& jobs) {
  co_await jobs.changed.wait_for([&] { return !jobs.waiting.empty(); });
}

using WaitForJob = Coroutine<void> (*)(Jobs&);

Task<void> worker(Jobs& jobs, WaitForJob wait_for_job) {
  for (;;) {
    int job = stop;
    {
      auto held = co_await jobs.changed.hold();
      co_await wait_for_job(jobs);
      DETSIM_CHECK(!jobs.waiting.empty());
      job = jobs.waiting.front();
      jobs.waiting.pop_front();
    }
    if (job == stop) co_return;
    co_await sleep(1ms);  // the work, outside the lock
    ++jobs.done;
  }
}

Task<void> producer(Jobs& jobs, int workers) {
  for (int job = 1; job <= jobs_to_hand_out + workers; ++job) {
    if (job <= jobs_to_hand_out) co_await sleep(1ms);
    auto held = co_await jobs.changed.hold();
    jobs.waiting.push_back(job <= jobs_to_hand_out ? job : stop);
    jobs.changed.notify();
  }
}

Task<void> two_workers(Jobs& jobs, WaitForJob wait_for_job) {
  EventLoop& loop = get_running_loop();
  auto first = loop.create_task(worker(jobs, wait_for_job), "worker-1");
  auto second = loop.create_task(worker(jobs, wait_for_job), "worker-2");
  auto jobs_producer = loop.create_task(producer(jobs, 2), "producer");
  co_await asyncio::gather(std::move(first), std::move(second), std::move(jobs_producer));
  DETSIM_CHECK_EQ(jobs.done, jobs_to_hand_out);
}

void run_two_workers(EventLoop& loop, WaitForJob wait_for_job) {
  Jobs jobs;
  run_scenario(loop, two_workers(jobs, wait_for_job));
}

}  // namespace

void register_condition_without_loop_scenarios() {
  register_bug_and_fix(
      "condition-without-loop",
      {"A producer hands six jobs to two workers through a list guarded by an asyncio::Condition, "
       "notifying one waiter per job. A worker finding the list empty waits once (`if`, not `while`) "
       "and then takes the first job; but the other worker may take the lock, and the job, before the "
       "notified one runs. Invariant: after its wait a worker finds a job in the list.",
       [](EventLoop& loop) { run_two_workers(loop, &wait_once); }},
      {"condition-without-loop with the workers waiting by Condition::wait_for(predicate), which "
       "checks the list again after every wake-up: every job is done once, under every seed.",
       [](EventLoop& loop) { run_two_workers(loop, &wait_until_job); }});
}

}  // namespace detsim::scenarios
