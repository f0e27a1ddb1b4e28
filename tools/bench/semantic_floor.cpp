// The semantic floor: the cheapest loop that still does what the core issue
// requires of a step, written for one workload and nothing else. Between the
// bare baselines (a resume, no loop at all) and detsim, it shows how much of
// detsim's cost the semantics themselves take.
//
//   floor/call_soon/chains:N  N callbacks each rescheduling itself: a handle
//                             record (id, cancelled flag) from a free list,
//                             pushed on a FIFO ring, popped, checked, called.
//   floor/ping_pong           two coroutines over futures, as detsim's
//                             ping_pong: a future from a free list with one
//                             done-callback slot; set_result runs the callback,
//                             which call_soon's the waiter's step (the seed's
//                             semantics: every wake-up is a scheduled
//                             callback); the loop pops and resumes.
//
// No observers, no exceptions, no cancellation of tasks, one waiter per
// future, one loop, FIFO only: everything detsim must also handle is left
// out, so this is a lower bound for any implementation, not a design.
#include <coroutine>
#include <cstdint>
#include <exception>
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
  OperationMeter meter(state, {});
  for (auto _ : state) {
    loop.run(sizes.steps_per_batch);
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

// ---- ping-pong ----------------------------------------------------------------

struct FloorFuture {
  bool done = false;
  std::coroutine_handle<> waiter;  // the one done callback: wake this coroutine
  std::uint64_t id = 0;
  FloorFuture* next_free = nullptr;
};

class FloorFutures {
 public:
  explicit FloorFutures(FloorLoop& loop) : loop_(loop) {}

  FloorFuture* create() {
    FloorFuture* future = futures_.take();
    *future = FloorFuture{false, {}, ++future_ids_, nullptr};
    return future;
  }
  void release(FloorFuture* future) noexcept { futures_.give(future); }
  // The done callback schedules the waiter's next step: a scheduled callback.
  void set_result(FloorFuture* future) {
    future->done = true;
    if (future->waiter) loop_.call_soon(&resume, future->waiter.address());
  }

 private:
  static void resume(void* frame) { std::coroutine_handle<>::from_address(frame).resume(); }

  FloorLoop& loop_;
  FreeList<FloorFuture> futures_;
  std::uint64_t future_ids_ = 0;
};

struct Awaiting {
  FloorFuture* future;
  bool await_ready() const noexcept { return future->done; }
  void await_suspend(std::coroutine_handle<> waiter) const noexcept { future->waiter = waiter; }
  void await_resume() const noexcept {}
};

struct Player {
  struct promise_type {
    Player get_return_object() { return Player{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() { std::terminate(); }
  };
  explicit Player(std::coroutine_handle<promise_type> frame) : frame_(frame) {}
  Player(Player&& other) noexcept : frame_(std::exchange(other.frame_, {})) {}
  Player& operator=(Player&&) = delete;
  ~Player() {
    if (frame_) frame_.destroy();
  }
  void* address() const noexcept { return frame_.address(); }

 private:
  std::coroutine_handle<promise_type> frame_;
};

struct FloorCourt {
  FloorFutures* futures;
  FloorFuture* to_a;
  FloorFuture* to_b;
};

Player floor_player(FloorCourt& court, FloorFuture* FloorCourt::*mine, FloorFuture* FloorCourt::*theirs) {
  for (;;) {
    co_await Awaiting{court.*mine};
    court.futures->release(court.*mine);
    court.*mine = court.futures->create();
    court.futures->set_result(court.*theirs);
  }
}

void floor_ping_pong(benchmark::State& state, const Sizes& sizes) {
  FloorLoop loop;
  FloorFutures futures(loop);
  FloorCourt court{&futures, futures.create(), futures.create()};
  futures.set_result(court.to_a);  // A serves
  const Player a = floor_player(court, &FloorCourt::to_a, &FloorCourt::to_b);
  const Player b = floor_player(court, &FloorCourt::to_b, &FloorCourt::to_a);
  const auto first_step = [](void* frame) { std::coroutine_handle<>::from_address(frame).resume(); };
  loop.call_soon(first_step, a.address());
  loop.call_soon(first_step, b.address());
  loop.run(sizes.steps_per_batch);  // warm-up
  OperationMeter meter(state, {});
  for (auto _ : state) {
    loop.run(sizes.steps_per_batch);  // one callback is one step here
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

}  // namespace

std::string floor_call_soon_name(std::size_t chains) { return "floor/call_soon/chains:" + std::to_string(chains); }
std::string floor_ping_pong_name() { return "floor/ping_pong"; }

void register_semantic_floor(const Sizes& sizes) {
  benchmark::RegisterBenchmark(floor_call_soon_name(sizes.callback_chains).c_str(), floor_call_soon, sizes);
  benchmark::RegisterBenchmark(floor_ping_pong_name().c_str(), floor_ping_pong, sizes);
}

}  // namespace detsim::bench
