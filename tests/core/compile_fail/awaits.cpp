// What a detsim::Task may co_await, checked at compile time. Built as is, the
// file must compile (tests/CMakeLists.txt builds it with the tests): a Future,
// a Task, sleep(), yield() and a LoopAwaitable. Built with one of the
// DETSIM_AWAIT_* macros below, it must fail with the Task's message and no
// other error (the compile_fail_* CTests, expect_compile_error.cmake).
#include <coroutine>

#include <detsim/detsim.hpp>

namespace {

// The LoopAwaitable protocol: hands the task a future of its loop to wait on.
struct Gate {
  detsim::Future<void> opened;
  detsim::Future<void> loop_future() const { return opened; }
};

// An awaiter that keeps the coroutine's handle, to resume it whenever and
// from wherever it likes: exactly what a Task must not await.
struct ForeignAwaiter {
  static inline std::coroutine_handle<> parked;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> awaiting) noexcept { parked = awaiting; }
  void await_resume() const noexcept {}
};

// Opts in by name, but hands over no detsim future.
struct NotAFutureInside {
  std::suspend_always loop_future() { return {}; }
};

[[maybe_unused]] detsim::Task<int> body(detsim::Future<int> future, detsim::Task<int> task, Gate gate) {
  int total = co_await future;
  total += co_await task;
  co_await detsim::sleep(std::chrono::milliseconds(1));
  co_await detsim::yield();
  co_await gate;
#if defined(DETSIM_AWAIT_SUSPEND_ALWAYS)
  co_await std::suspend_always{};
#elif defined(DETSIM_AWAIT_FOREIGN_AWAITER)
  co_await ForeignAwaiter{};
#elif defined(DETSIM_AWAIT_NOT_A_FUTURE_INSIDE)
  co_await NotAFutureInside{};
#endif
  co_return total;
}

}  // namespace
