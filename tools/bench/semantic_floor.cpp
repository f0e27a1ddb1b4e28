// The semantic floor: the cheapest loop that still does what the core issue
// requires of a step, written for one workload and nothing else. Between the
// bare baselines (a resume, no loop at all) and detsim, it shows how much of
// detsim's cost the semantics themselves take, and so whether a target of
// "within 2x of bare" is reachable at all.
//
//   floor/call_soon/chains:N  N callbacks each rescheduling itself: a handle
//                             record (id, cancelled flag) from a free list,
//                             pushed on a FIFO ring, popped, checked, called.
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
//                             schedules the coroutine's next step (its task,
//                             frame and an id) at the back of the ring; the
//                             loop pops, marks the task current and resumes.
//
// No observers, no exceptions, no cancellation of tasks, one waiter per
// future, one loop, FIFO only: everything detsim must also handle is left
// out, so this is a lower bound for any implementation, not a design. Each
// floor is compared with the same bare baseline as its workload: where the
// floor itself is over 2x, no implementation meets that workload's target.
#include <coroutine>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <detsim/detail/assert.hpp>

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

class FloorLoop {
 public:
  using Callback = void (*)(void* context);

  FloorLoop() : ring_(ring_size) {}

  void call_soon(Callback callback, void* context) {
    Record* record = records_.take();
    *record = Record{callback, context, ++handle_ids_, false, nullptr};
    DETSIM_ASSERT_LT(tail_ - head_, ring_size);  // the ring would overwrite a ready record
    ring_[tail_++ & ring_mask] = record;
  }
  // Runs callbacks until `operations` have run (FIFO).
  void run(std::uint64_t operations) {
    for (; operations > 0 && head_ != tail_; --operations) {
      Record* record = ring_[head_++ & ring_mask];
      if (!record->cancelled) record->callback(record->context);
      records_.give(record);
    }
  }

 private:
  struct Record {
    Callback callback;
    void* context;
    std::uint64_t id;  // asyncio's Handle has an identity; detsim's ids are per loop
    bool cancelled;
    Record* next_free;
  };
  static constexpr std::size_t ring_size = 1024;  // more than ever ready at once here
  static constexpr std::size_t ring_mask = ring_size - 1;

  std::vector<Record*> ring_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  FreeList<Record> records_;
  std::uint64_t handle_ids_ = 0;
};

// ---- call_soon ----------------------------------------------------------------

struct Rescheduler {
  FloorLoop* loop;
  static void run(void* context) {
    auto* self = static_cast<Rescheduler*>(context);
    self->loop->call_soon(&Rescheduler::run, self);
  }
};

void floor_call_soon(benchmark::State& state, const Sizes& sizes) {
  FloorLoop loop;
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

// ---- steps --------------------------------------------------------------------

// The ready steps, FIFO: a power-of-two ring that grows when full.
class StepRing {
 public:
  struct Step {
    std::coroutine_handle<> frame;
    void* task;  // what the step makes current (a yield's await reads it)
    std::uint64_t id;
  };

  StepRing() : ring_(16), mask_(15) {}

  void schedule(std::coroutine_handle<> frame, void* task) {
    if (size_ > mask_) grow();
    ring_[(head_ + size_) & mask_] = Step{frame, task, ++step_ids_};
    ++size_;
  }
  // Runs steps until `operations` have run.
  void run(std::uint64_t operations) {
    for (; operations > 0 && size_ > 0; --operations) {
      const Step& step = ring_[head_];
      const std::coroutine_handle<> frame = step.frame;
      current_task_ = step.task;
      head_ = (head_ + 1) & mask_;
      --size_;
      frame.resume();
    }
  }
  void* current_task() const noexcept { return current_task_; }

 private:
  [[gnu::noinline]] void grow() {
    std::vector<Step> bigger(ring_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) & mask_];
    ring_ = std::move(bigger);
    mask_ = ring_.size() - 1;
    head_ = 0;
  }
  std::vector<Step> ring_;
  std::size_t mask_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::uint64_t step_ids_ = 0;
  void* current_task_ = nullptr;
};

// ---- ping-pong ----------------------------------------------------------------

struct FloorFuture {
  bool done = false;
  std::coroutine_handle<> waiter;  // the one done callback: wake this coroutine
  std::uint64_t id = 0;
  FloorFuture* next_free = nullptr;
};

class FloorFutures {
 public:
  explicit FloorFutures(StepRing& steps) : steps_(steps) {}

  FloorFuture* create() {
    FloorFuture* future = futures_.take();
    *future = FloorFuture{false, {}, ++future_ids_, nullptr};
    return future;
  }
  void release(FloorFuture* future) noexcept { futures_.give(future); }
  // The done callback schedules the waiter's next step.
  void set_result(FloorFuture* future) {
    future->done = true;
    if (future->waiter) steps_.schedule(future->waiter, nullptr);
  }

 private:
  StepRing& steps_;
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
  StepRing steps;
  FloorFutures futures(steps);
  FloorCourt court{&futures, futures.create(), futures.create()};
  futures.set_result(court.to_a);  // A serves
  const OwnedCoroutine a = floor_player(court, &FloorCourt::to_a, &FloorCourt::to_b);
  const OwnedCoroutine b = floor_player(court, &FloorCourt::to_b, &FloorCourt::to_a);
  steps.schedule(a.handle(), nullptr);
  steps.schedule(b.handle(), nullptr);
  steps.run(sizes.steps_per_batch);  // warm-up
  OperationMeter meter(state, bare_fifo_name(2));
  for (auto _ : state) {
    steps.run(sizes.steps_per_batch);
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

// ---- yield ----------------------------------------------------------------------

struct FloorYield {
  StepRing* steps;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> frame) const { steps->schedule(frame, steps->current_task()); }
  void await_resume() const noexcept {}
};

OwnedCoroutine floor_yielder(StepRing& steps, std::uint64_t& yields) {
  for (;;) {
    ++yields;
    co_await FloorYield{&steps};
  }
}

void floor_yield(benchmark::State& state, const Sizes& sizes) {
  StepRing steps;
  std::uint64_t yields = 0;
  std::vector<OwnedCoroutine> tasks;
  tasks.reserve(sizes.many_tasks);
  for (std::size_t i = 0; i < sizes.many_tasks; ++i) {
    tasks.push_back(floor_yielder(steps, yields));
    steps.schedule(tasks.back().handle(), &tasks.back());
  }
  steps.run(sizes.many_tasks);  // warm-up: every task has started
  OperationMeter meter(state, bare_fifo_name(sizes.many_tasks));
  for (auto _ : state) {
    steps.run(sizes.many_tasks);
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
