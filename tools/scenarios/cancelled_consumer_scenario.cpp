// cancelled-consumer: a queue worker cancelled mid-job drops its job.
//
// A producer puts six jobs on an asyncio::Queue, one every 2 ms, for two
// workers that take 1 ms per job. There is too little work for two, so at
// 3 ms the service scales down and cancels one worker, just as its first job
// may be ending. If that worker is between get() and the end of its job, the
// CancelledError unwinds it with the job in hand: the job has left the queue
// and is never done. (A worker cancelled while waiting in get() loses
// nothing: the queue takes care of that case.) The fix catches the
// cancellation, puts the job back for the remaining worker, and lets the
// cancellation go on.
//
//   invariant: DETSIM_CHECK_EQ(service.done, job_count) once the queue drains
#include <chrono>
#include <utility>

#include <detsim/asyncio.hpp>
#include <detsim/base/check.hpp>

#include "scenarios/scenario_support.hpp"

namespace detsim::scenarios {
namespace {

using namespace std::chrono_literals;

constexpr int job_count = 6;

struct Service {
  asyncio::Queue<int> jobs{0, "jobs"};
  int done = 0;
};

// The bug: a cancellation in here loses `job`.
Coroutine<void> process_dropping(Service& /*service*/, int /*job*/) {
  co_await sleep(1ms);
}

// The fix: a cancelled worker hands its job back before it goes.
Coroutine<void> process_requeueing(Service& service, int job) {
  try {
    co_await sleep(1ms);
  } catch (const CancelledError&) {
    service.jobs.put_nowait(job);
    service.jobs.task_done();  // this get's; the put above counts anew
    throw;
  }
}

using Process = Coroutine<void> (*)(Service&, int);

Task<void> worker(Service& service, Process process) {
  for (;;) {
    const int job = co_await service.jobs.get();
    co_await process(service, job);
    ++service.done;
    service.jobs.task_done();
  }
}

Task<void> producer(Service& service) {
  for (int job = 1; job <= job_count; ++job) {
    co_await sleep(2ms);
    service.jobs.put_nowait(job);
  }
}

Task<void> scale_down_midway(Service& service, Process process) {
  EventLoop& loop = get_running_loop();
  auto first = loop.create_task(worker(service, process), "worker-1");
  auto second = loop.create_task(worker(service, process), "worker-2");
  auto jobs_producer = loop.create_task(producer(service), "producer");
  co_await sleep(3ms);
  first.cancel();
  co_await jobs_producer;
  try {
    co_await asyncio::wait_for(service.jobs.join(), 50ms);  // drain, for at most 50 ms
  } catch (const asyncio::TimeoutError&) {
  }
  DETSIM_CHECK_EQ(service.done, job_count);
  second.cancel();
}

void run_scale_down_midway(EventLoop& loop, Process process) {
  Service service;
  run_scenario(loop, scale_down_midway(service, process));
}

}  // namespace

void register_cancelled_consumer_scenarios() {
  register_bug_and_fix(
      "cancelled-consumer",
      {"A producer puts six jobs on an asyncio::Queue, one every 2 ms, for two workers taking 1 ms "
       "per job; at 3 ms one worker is cancelled. Cancelled between get() and the end of its job, it unwinds with the job "
       "in hand, and the job is never done. Invariant: once the queue drains, all six jobs are done.",
       [](EventLoop& loop) { run_scale_down_midway(loop, &process_dropping); }},
      {"cancelled-consumer with a worker that catches its cancellation, puts its job back on the queue "
       "for the other worker, and lets the cancellation go on: every job is done under every seed.",
       [](EventLoop& loop) { run_scale_down_midway(loop, &process_requeueing); }});
}

}  // namespace detsim::scenarios
