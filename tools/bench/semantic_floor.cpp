// The semantic floor: the cheapest loop we know that still does what the
// core issue requires of a step, written for one workload and nothing else.
// Between the bare baselines (a resume, no loop at all) and detsim, it shows
// how much of detsim's cost the semantics themselves take, and so whether a
// target of "within 2x of bare" is reachable at all.
//
//   floor/call_soon/chains:N  N callbacks each rescheduling itself. The ring
//                             entry is the handle's whole state (callback,
//                             context, id, cancelled flag): a Handle names
//                             its id, and cancelling a ready one finds it by
//                             id (O(n), as detsim's ReadyQueue::erase).
//   floor/ping_pong           two coroutines over futures, as detsim's
//                             ping_pong: a future from a free list with one
//                             done-callback slot; set_result runs the callback,
//                             which schedules the waiter's step (the seed's
//                             semantics: every wake-up is a scheduled step,
//                             with an id of its own); the loop pops and
//                             resumes. A step needs no record (no Handle can
//                             cancel it; detsim keeps none either): the ring
//                             holds the coroutine and the id.
//   floor/yield/tasks:N       N coroutines each yielding forever: the yield
//                             schedules the task's next step. The ring holds
//                             only the frame: the task is the coroutine's
//                             promise, which keeps its one pending step's id;
//                             the loop pops, makes the task current, resumes.
//
// No observers, no exceptions, no cancellation of tasks, one waiter per
// future, one loop, FIFO only: everything detsim must also handle is left
// out. Each floor is compared with the same bare baseline as its workload:
// a floor under 2x shows that the target is within reach of some design; a
// floor over it, that no design we know meets it. These are the cheapest
// forms found so far, not proven minimal: a review found that a handle
// record apart from the ring entry, a task pointer in the entry, and a ring
// that grows were not needed, and each cost 0.6-1 ns per operation. A
// second attempt at the ping-pong met 2x only with futures at addresses
// fixed at link time (see README.md, "Reading the ratios").
#include <bit>
#include <coroutine>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <detsim/base/detail/assert.hpp>

#include "bench_support.hpp"

namespace detsim::bench {
namespace {

// Objects reused through a free list (T has a `T* next_free`), owned here.
template <class T>
class FreeList {
 public:
  FreeList() = default;
  FreeList(const FreeList&) = delete;
  FreeList& operator=(const FreeList&) = delete;
  ~FreeList() {
    for (T* object : owned_) delete object;
  }
  T* take() {
    T* object = free_;
    if (!object) return owned_.emplace_back(new T);
    free_ = object->next_free;
    return object;
  }
  void give(T* object) noexcept {
    object->next_free = free_;
    free_ = object;
  }

 private:
  T* free_ = nullptr;
  std::vector<T*> owned_;
};

// What is ready, FIFO: a ring of a fixed power-of-two size, larger than
// what is ever ready at once in its workload. Fixed at compile time: a ring
// that grows when full (a test per push, and its mask loaded) made a
// callback about 1 ns slower, and a ping-pong step too.
template <class Entry, std::size_t capacity>
class FifoRing {
  static_assert(std::has_single_bit(capacity));

 public:
  FifoRing() : slots_(capacity) {}

  bool empty() const noexcept { return head_ == tail_; }
  void push(const Entry& entry) noexcept {
    DETSIM_ASSERT_LT(tail_ - head_, capacity);  // it would overwrite a ready entry
    slots_[tail_++ & (capacity - 1)] = entry;
  }
  // Removes the front entry and returns it, in place: read it before the
  // next push, which may reuse its slot. (Read field by field: copied whole,
  // g++ loads an entry with 16-byte loads, which cannot be served from the
  // 8-byte stores that wrote it moments before, and each step stalls.)
  const Entry& pop() noexcept { return slots_[head_++ & (capacity - 1)]; }

 private:
  std::vector<Entry> slots_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

// ---- call_soon ----------------------------------------------------------------

class CallbackLoop {
 public:
  using Callback = void (*)(void* context);


  // Returns the handle's id.
  std::uint64_t call_soon(Callback callback, void* context) {
    ready_.push(Entry{callback, context, ++handle_ids_, false});
    return handle_ids_;
  }
  // Runs callbacks until `operations` have run (FIFO).
  void run(std::uint64_t operations) {
    for (; operations > 0 && !ready_.empty(); --operations) {
      const Entry& entry = ready_.pop();
      const Callback callback = entry.callback;
      void* const context = entry.context;
      if (!entry.cancelled) callback(context);
    }
  }

 private:
  struct Entry {
    Callback callback;
    void* context;
    std::uint64_t id;  // asyncio's Handle has an identity; detsim's ids are per loop
    bool cancelled;
  };
  FifoRing<Entry, 1024> ready_;
  std::uint64_t handle_ids_ = 0;
};

struct Rescheduler {
  CallbackLoop* loop;
  static void run(void* context) {
    auto* self = static_cast<Rescheduler*>(context);
    self->loop->call_soon(&Rescheduler::run, self);
  }
};

void floor_call_soon(benchmark::State& state, const Sizes& sizes) {
  CallbackLoop loop;
  std::vector<Rescheduler> chains(sizes.callback_chains, Rescheduler{&loop});
  for (Rescheduler& chain : chains) loop.call_soon(&Rescheduler::run, &chain);
  loop.run(sizes.steps_per_batch);  // warm-up
  OperationMeter meter(state, bare_fifo_name(sizes.callback_chains));
  for (auto _ : state) {
    loop.run(sizes.steps_per_batch);
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

// ---- ping-pong ----------------------------------------------------------------

// The ready steps of the ping-pong: the coroutine and the step's id.
class StepLoop {
 public:
  void schedule(std::coroutine_handle<> frame) { ready_.push(Step{frame, ++step_ids_}); }
  // Runs steps until `operations` have run.
  void run(std::uint64_t operations) {
    for (; operations > 0 && !ready_.empty(); --operations) ready_.pop().frame.resume();
  }

 private:
  struct Step {
    std::coroutine_handle<> frame;
    std::uint64_t id;
  };
  FifoRing<Step, 16> ready_;
  std::uint64_t step_ids_ = 0;
};

struct FloorFuture {
  bool done = false;
  std::coroutine_handle<> waiter;  // the one done callback: wake this coroutine
  std::uint64_t id = 0;
  FloorFuture* next_free = nullptr;
};

class FloorFutures {
 public:
  explicit FloorFutures(StepLoop& steps) : steps_(steps) {}

  FloorFuture* create() {
    FloorFuture* future = futures_.take();
    future->done = false;
    future->waiter = {};
    future->id = ++future_ids_;
    return future;
  }
  void release(FloorFuture* future) noexcept { futures_.give(future); }
  // The done callback schedules the waiter's next step.
  void set_result(FloorFuture* future) {
    future->done = true;
    if (future->waiter) steps_.schedule(future->waiter);
  }

 private:
  StepLoop& steps_;
  FreeList<FloorFuture> futures_;
  std::uint64_t future_ids_ = 0;
};

struct Awaiting {
  FloorFuture* future;
  bool await_ready() const noexcept { return future->done; }
  void await_suspend(std::coroutine_handle<> waiter) const noexcept { future->waiter = waiter; }
  void await_resume() const noexcept {}
};

struct FloorCourt {
  FloorFutures* futures;
  FloorFuture* to_a;
  FloorFuture* to_b;
};

OwnedCoroutine floor_player(FloorCourt& court, FloorFuture* FloorCourt::*mine, FloorFuture* FloorCourt::*theirs) {
  for (;;) {
    co_await Awaiting{court.*mine};
    court.futures->release(court.*mine);
    court.*mine = court.futures->create();
    court.futures->set_result(court.*theirs);
  }
}

void floor_ping_pong(benchmark::State& state, const Sizes& sizes) {
  StepLoop steps;
  FloorFutures futures(steps);
  FloorCourt court{&futures, futures.create(), futures.create()};
  futures.set_result(court.to_a);  // A serves
  const OwnedCoroutine a = floor_player(court, &FloorCourt::to_a, &FloorCourt::to_b);
  const OwnedCoroutine b = floor_player(court, &FloorCourt::to_b, &FloorCourt::to_a);
  steps.schedule(a.handle());
  steps.schedule(b.handle());
  steps.run(sizes.steps_per_batch);  // warm-up
  OperationMeter meter(state, bare_fifo_name(2));
  for (auto _ : state) {
    steps.run(sizes.steps_per_batch);
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

// ---- yield ----------------------------------------------------------------------

// A task is its coroutine's promise: it keeps its one pending step's id.
struct PendingStep {
  std::uint64_t step_id = 0;
};
using FloorTask = BasicOwnedCoroutine<PendingStep>;

class TaskLoop {
 public:
  void schedule(FloorTask::Handle task) {
    task.promise().step_id = ++step_ids_;
    ready_.push(task.address());
  }
  void run(std::uint64_t operations) {
    for (; operations > 0 && !ready_.empty(); --operations) {
      const FloorTask::Handle task = FloorTask::Handle::from_address(ready_.pop());
      current_ = task;
      task.resume();
    }
  }
  FloorTask::Handle current() const noexcept { return current_; }

 private:
  FifoRing<void*, std::size_t{1} << 17> ready_;  // room for the 100k tasks
  std::uint64_t step_ids_ = 0;
  FloorTask::Handle current_;
};

struct FloorYield {
  TaskLoop* loop;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const { loop->schedule(loop->current()); }
  void await_resume() const noexcept {}
};

FloorTask floor_yielder(TaskLoop& loop, std::uint64_t& yields) {
  for (;;) {
    ++yields;
    co_await FloorYield{&loop};
  }
}

void floor_yield(benchmark::State& state, const Sizes& sizes) {
  TaskLoop loop;
  std::uint64_t yields = 0;
  std::vector<FloorTask> tasks;
  tasks.reserve(sizes.many_tasks);
  for (std::size_t i = 0; i < sizes.many_tasks; ++i) {
    tasks.push_back(floor_yielder(loop, yields));
    loop.schedule(tasks.back().handle());
  }
  loop.run(sizes.many_tasks);  // warm-up: every task has started
  OperationMeter meter(state, bare_fifo_name(sizes.many_tasks));
  for (auto _ : state) {
    loop.run(sizes.many_tasks);
    meter.add(sizes.many_tasks);
  }
  benchmark::DoNotOptimize(yields);
  meter.finish();
}

}  // namespace

std::string floor_call_soon_name(std::size_t chains) { return "floor/call_soon/chains:" + std::to_string(chains); }
std::string floor_ping_pong_name() { return "floor/ping_pong"; }
std::string floor_yield_name(std::size_t tasks) { return "floor/yield/tasks:" + std::to_string(tasks); }

void register_semantic_floor(const Sizes& sizes) {
  benchmark::RegisterBenchmark(floor_call_soon_name(sizes.callback_chains).c_str(), floor_call_soon, sizes);
  benchmark::RegisterBenchmark(floor_ping_pong_name().c_str(), floor_ping_pong, sizes);
  benchmark::RegisterBenchmark(floor_yield_name(sizes.many_tasks).c_str(), floor_yield, sizes);
}

}  // namespace detsim::bench
