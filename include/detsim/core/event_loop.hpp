// detsim::EventLoop: asyncio's event loop, in virtual time, with every
// ordering decision taken by a pluggable Scheduler.
//
// Names, meanings and errors are asyncio's: call_soon, call_later, call_at
// (with the callback's arguments after it), time, create_future,
// create_task, run_until_complete, run_forever, stop, is_running,
// is_closed, close; and the free functions get_running_loop,
// get_event_loop, set_event_loop, new_event_loop (per thread).
//
// Virtual time: now() starts at 0 and only moves when nothing is ready: the
// clock then jumps to the earliest pending timer. A program that sleeps for a
// simulated day finishes in milliseconds. Timers never fire early.
//
// One iteration of the loop (asyncio's _run_once):
//   1. if nothing is ready and the loop is not stopping, advance the clock to
//      the earliest timer (no timer at all: DeadlockError, since in virtual
//      time that wait would never end);
//   2. due timers join the ready queue in (deadline, scheduling order) order;
//   3. as many callbacks run as were ready at this point, each chosen by the
//      scheduler among all ready callbacks (FifoScheduler: the oldest).
// stop() takes effect at the end of the current iteration.
//
// Determinism contract: for a given program and scheduler, the sequence of
// callbacks run, their virtual times, and every id and default name is the
// same on every run, build type and machine. The loop reads no real clock and
// orders nothing by address.
//
// Misuse raises RuntimeError (with asyncio's message): running a loop that is
// running, running while another loop runs on this thread, running or
// scheduling on a closed loop, closing a running loop. run_until_complete of a
// future from another loop raises WrongLoopError.
//
// Not thread-safe: a loop, its futures and tasks belong to one thread.
//
// Example:
//   detsim::EventLoop loop{detsim::RandomScheduler{42}};
//   auto task = loop.create_task(main_task(), "main");
//   int result = loop.run_until_complete(task);
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <utility>

#include "detsim/core/detail/bound_callback.hpp"
#include "detsim/core/detail/deadline.hpp"
#include "detsim/base/detail/inline_function.hpp"
#include "detsim/core/future.hpp"
#include "detsim/core/handle.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/base/random.hpp"
#include "detsim/scheduling/scheduler.hpp"
#include "detsim/base/source_location.hpp"
#include "detsim/core/task.hpp"

namespace detsim::detail {

// The loop's entry points behind EventLoop's templates, defined where
// LoopCore's scheduling code inlines into them (loop_core.cpp,
// future_state.cpp), so that a call_soon is one out-of-line call.
Handle loop_call_soon(LoopCore& loop, InlineFunction<void()>&& callback, SourceLocation site);
TimerHandle loop_call_at(LoopCore& loop, std::chrono::nanoseconds when, InlineFunction<void()>&& callback,
                         SourceLocation site);
void attach_future(LoopCore& loop, FutureStateBase& state, SourceLocation site);

}  // namespace detsim::detail

namespace detsim {

// Bounds on a run, so a livelock ends with BudgetExceededError instead of
// spinning forever. Zero means no limit.
struct LoopLimits {
  std::uint64_t max_callbacks = 0;                // callbacks and task steps run
  std::chrono::nanoseconds max_virtual_time{0};  // the clock may not pass this
};

// A task still blocked when run_until_complete's future finished: it awaits
// a future, a task or a primitive that nothing is left to complete. asyncio
// would destroy it pending; a leaked waiter is often the bug (a lost
// notify, a put that never came, a lock never released).
struct LeakedTask {
  std::uint64_t task_id = 0;
  std::string name;
  // What it waits on, as deadlock reports say it: "waits on Lock 'accounts',
  // held by 'transfer-2' (task 3)", "waits on Queue 'jobs' (empty)",
  // "awaits task 'child' (task 4)", "awaits future 9".
  std::string waits_on;
  friend bool operator==(const LeakedTask&, const LeakedTask&) = default;
};

// What the loop's exception handler receives (asyncio's context dict).
struct ExceptionContext {
  std::string message;           // e.g. "Task exception was never retrieved"
  std::exception_ptr exception;  // may be null
  std::uint64_t future = 0;      // future or task id, 0 if none
  std::uint64_t handle = 0;      // handle id, 0 if none
  std::string task_name;         // empty if no task
};
using ExceptionHandler = std::function<void(const ExceptionContext&)>;

// Writes the context to stderr, like asyncio's default handler.
void default_exception_handler(const ExceptionContext& context);

class EventLoop {
 public:
  // A loop with asyncio's FIFO order.
  EventLoop();
  explicit EventLoop(std::unique_ptr<Scheduler> scheduler);
  template <std::derived_from<Scheduler> S>
  explicit EventLoop(S scheduler) : EventLoop(std::unique_ptr<Scheduler>(std::make_unique<S>(std::move(scheduler)))) {}

  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  // Closes the loop if needed (destroying unfinished tasks' frames).
  ~EventLoop();

  // Scheduling, as asyncio's: call_soon(callback, arguments...) runs
  // callback(arguments...) soon; call_later and call_at, at a virtual time.
  //
  // Arguments (up to four) are decay-copied when the call is scheduled and
  // moved into the callback when it runs, once (see
  // detail/bound_callback.hpp). asyncio holds references to its objects
  // instead: an argument changed after scheduling is seen changed there, not
  // here (pass std::ref(x) to share x). More arguments: capture them in a
  // lambda.
  //
  // The last parameter, defaulted, is where the call was made (its site in a
  // trace). A default argument cannot follow a parameter pack, so each
  // number of arguments is an overload of its own; a SourceLocation passed
  // after the arguments is the site, not an argument. The overload without
  // arguments is unchanged: it costs what it cost before arguments existed.
  //
  //   loop.call_soon(deliver, message_id, "ack");  // deliver(message_id, "ack")

  // Schedules callback() to run soon, after the callbacks already ready.
  template <class F>
    requires std::invocable<F&>
  Handle call_soon(F&& callback, SourceLocation site = SourceLocation::current()) {
    return detail::loop_call_soon(*core_, detail::InlineFunction<void()>(std::forward<F>(callback)), site);
  }
  template <class F, class A1>
    requires detail::invocable_with_copies<F, A1>
  Handle call_soon(F&& callback, A1&& argument1, SourceLocation site = SourceLocation::current()) {
    return call_soon(detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1)), site);
  }
  template <class F, class A1, class A2>
    requires detail::invocable_with_copies<F, A1, A2>
  Handle call_soon(F&& callback, A1&& argument1, A2&& argument2, SourceLocation site = SourceLocation::current()) {
    return call_soon(
        detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1), std::forward<A2>(argument2)),
        site);
  }
  template <class F, class A1, class A2, class A3>
    requires detail::invocable_with_copies<F, A1, A2, A3>
  Handle call_soon(F&& callback, A1&& argument1, A2&& argument2, A3&& argument3,
                   SourceLocation site = SourceLocation::current()) {
    return call_soon(detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1),
                                           std::forward<A2>(argument2), std::forward<A3>(argument3)),
                     site);
  }
  template <class F, class A1, class A2, class A3, class A4>
    requires detail::invocable_with_copies<F, A1, A2, A3, A4>
  Handle call_soon(F&& callback, A1&& argument1, A2&& argument2, A3&& argument3, A4&& argument4,
                   SourceLocation site = SourceLocation::current()) {
    return call_soon(detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1),
                                           std::forward<A2>(argument2), std::forward<A3>(argument3),
                                           std::forward<A4>(argument4)),
                     site);
  }

  // Schedules callback() at now() + delay. The deadline saturates at
  // nanoseconds::max() rather than overflowing. A negative delay, as in
  // asyncio, is a deadline in the past, handled as call_at of a past time.
  template <class F>
    requires std::invocable<F&>
  TimerHandle call_later(std::chrono::nanoseconds delay, F&& callback,
                         SourceLocation site = SourceLocation::current()) {
    return call_at(detail::deadline_after(now(), delay), std::forward<F>(callback), site);
  }
  template <class F, class A1>
    requires detail::invocable_with_copies<F, A1>
  TimerHandle call_later(std::chrono::nanoseconds delay, F&& callback, A1&& argument1,
                         SourceLocation site = SourceLocation::current()) {
    return call_later(delay, detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1)), site);
  }
  template <class F, class A1, class A2>
    requires detail::invocable_with_copies<F, A1, A2>
  TimerHandle call_later(std::chrono::nanoseconds delay, F&& callback, A1&& argument1, A2&& argument2,
                         SourceLocation site = SourceLocation::current()) {
    return call_later(
        delay,
        detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1), std::forward<A2>(argument2)),
        site);
  }
  template <class F, class A1, class A2, class A3>
    requires detail::invocable_with_copies<F, A1, A2, A3>
  TimerHandle call_later(std::chrono::nanoseconds delay, F&& callback, A1&& argument1, A2&& argument2,
                         A3&& argument3, SourceLocation site = SourceLocation::current()) {
    return call_later(delay,
                      detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1),
                                            std::forward<A2>(argument2), std::forward<A3>(argument3)),
                      site);
  }
  template <class F, class A1, class A2, class A3, class A4>
    requires detail::invocable_with_copies<F, A1, A2, A3, A4>
  TimerHandle call_later(std::chrono::nanoseconds delay, F&& callback, A1&& argument1, A2&& argument2,
                         A3&& argument3, A4&& argument4, SourceLocation site = SourceLocation::current()) {
    return call_later(delay,
                      detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1),
                                            std::forward<A2>(argument2), std::forward<A3>(argument3),
                                            std::forward<A4>(argument4)),
                      site);
  }

  // Schedules callback() at virtual time `when` (since the loop started).
  // A time already past (a negative delay, or call_at(now() - 1s)) moves no
  // clock backwards: the timer is simply due. Like every timer it never runs
  // in the iteration that scheduled it; at the start of the next one, due
  // timers join the ready queue in (deadline, scheduling order) order,
  // behind the callbacks already ready. So under FifoScheduler it runs after
  // a call_soon made in the same callback (before or after it) and before a
  // timer due at now() with a later deadline, even one scheduled earlier;
  // RandomScheduler picks among everything ready, as always.
  template <class F>
    requires std::invocable<F&>
  TimerHandle call_at(std::chrono::nanoseconds when, F&& callback,
                      SourceLocation site = SourceLocation::current()) {
    return detail::loop_call_at(*core_, when, detail::InlineFunction<void()>(std::forward<F>(callback)), site);
  }
  template <class F, class A1>
    requires detail::invocable_with_copies<F, A1>
  TimerHandle call_at(std::chrono::nanoseconds when, F&& callback, A1&& argument1,
                      SourceLocation site = SourceLocation::current()) {
    return call_at(when, detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1)), site);
  }
  template <class F, class A1, class A2>
    requires detail::invocable_with_copies<F, A1, A2>
  TimerHandle call_at(std::chrono::nanoseconds when, F&& callback, A1&& argument1, A2&& argument2,
                      SourceLocation site = SourceLocation::current()) {
    return call_at(
        when,
        detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1), std::forward<A2>(argument2)),
        site);
  }
  template <class F, class A1, class A2, class A3>
    requires detail::invocable_with_copies<F, A1, A2, A3>
  TimerHandle call_at(std::chrono::nanoseconds when, F&& callback, A1&& argument1, A2&& argument2, A3&& argument3,
                      SourceLocation site = SourceLocation::current()) {
    return call_at(when,
                   detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1),
                                         std::forward<A2>(argument2), std::forward<A3>(argument3)),
                   site);
  }
  template <class F, class A1, class A2, class A3, class A4>
    requires detail::invocable_with_copies<F, A1, A2, A3, A4>
  TimerHandle call_at(std::chrono::nanoseconds when, F&& callback, A1&& argument1, A2&& argument2, A3&& argument3,
                      A4&& argument4, SourceLocation site = SourceLocation::current()) {
    return call_at(when,
                   detail::bind_callback(std::forward<F>(callback), std::forward<A1>(argument1),
                                         std::forward<A2>(argument2), std::forward<A3>(argument3),
                                         std::forward<A4>(argument4)),
                   site);
  }

  // Virtual time since the loop started.
  std::chrono::nanoseconds now() const noexcept;
  // now() in seconds, as asyncio's loop.time() (for display and parity only:
  // detsim never orders by floating point).
  double time() const noexcept;

  template <class T = void>
  Future<T> create_future(SourceLocation site = SourceLocation::current()) {
    // Default-initialized, not `FutureState<T>()`: value-initialization would
    // zero the whole state before the constructor runs (a `rep stos` that was
    // a sixth of a ping-pong step).
    auto* state = new detail::FutureState<T>;
    Future<T> future(state);
    detail::attach_future(*core_, *state, site);
    return future;
  }

  // Schedules the task's first step and returns it. The name defaults to
  // "Task-<n>". Scheduling a task twice raises RuntimeError.
  template <class T>
  Task<T> create_task(Task<T> task, std::string name = {},
                      SourceLocation site = SourceLocation::current()) {
    start_task(task.core(), std::move(name), site);
    return task;
  }

  // Runs until the future is done and returns its result (or rethrows its
  // exception). A Task not yet scheduled is scheduled first. Returns at the
  // end of the iteration in which the future completes: the loop stops from
  // a done callback, and detsim runs done callbacks at completion. (asyncio
  // schedules its done callbacks, so it runs one iteration more: callbacks
  // scheduled in the completing iteration run before it returns.)
  template <class T>
  T run_until_complete(Future<T> future) {
    run_until_done(*future.state());
    return future.state()->take_result();
  }

  // Runs until stop() is called.
  void run_forever();
  // Runs until nothing is ready and no timer is pending: the natural end of a
  // simulation whose tasks have all finished. (Unlike run_forever, an idle
  // loop is not a deadlock here.)
  void run_until_idle();
  // Ends the current (or next) run at the next safe point, after the running
  // callback returns, by throwing `error` out of run_forever or
  // run_until_complete. For observers and checkers, which must not throw
  // from inside the loop's bookkeeping.
  void halt(std::exception_ptr error) noexcept;
  // Stops the loop at the end of the current iteration.
  void stop() noexcept;
  bool is_running() const noexcept;
  bool is_closed() const noexcept;
  // Clears pending callbacks and timers and destroys the frames of unfinished
  // tasks; reports exceptions never retrieved. RuntimeError while running.
  void close();
  // Makes this loop what `EventLoop{std::move(scheduler)}` would make (as a
  // FIFO loop if it is null): closes it if it is open, then forgets its
  // clock, counters, observers, exception handler, limits, debug mode and
  // per-loop state, and keeps the memory it grew. For a caller that runs one
  // short program after another (a sweep's worker runs seed after seed):
  // making and destroying a loop was about a tenth of a short seed's
  // instructions. Futures and tasks of the earlier run see a closed loop, as
  // they would after the loop's destruction. RuntimeError while running.
  //
  // Determinism contract: a renewed loop runs a program exactly as a new
  // loop with the same scheduler does (same events, ids, choices, digest);
  // tests/run/loop_renew_test.cpp checks it.
  void renew(std::unique_ptr<Scheduler> scheduler);
  // renew() keeping this loop's scheduler, reseeded with `seed` in place
  // (Scheduler::reseed), which saves making one per run. False if the
  // scheduler cannot be reseeded: the loop is then closed but not renewed,
  // and the caller renews it with a new scheduler.
  bool renew_reseeded(std::uint64_t seed);

  // The loop's seeded generator for everything a program may want random
  // (jitter, fault choices): derived from the scheduler's seed, separate from
  // the scheduler's own stream.
  Random& random() noexcept;
  Scheduler& scheduler() noexcept;

  // Debug mode, as asyncio's loop.set_debug: off by default. When on,
  // observers and trace recorders also hear of every future created, with
  // where (a future_created event), as asyncio's debug mode keeps each
  // future's creation traceback. Off, because it is a fifth of a recorded
  // ping-pong's events and no other event needs it. A trace's header keeps
  // the mode of the loop when its recorder was attached, and a replay starts
  // in that mode: set it before attaching a recorder, or inside the program
  // the replay runs again.
  void set_debug(bool enabled) noexcept;
  bool get_debug() const noexcept;

  void set_limits(LoopLimits limits) noexcept;
  // Whether a wait that closes a wait-for cycle ends the run at once
  // (check_wait_cycle, detsim/core/wait_target.hpp; on by default). Off, the
  // tasks stay blocked, as in asyncio, and the run ends as its program
  // would: for tests that compare a run with CPython's, event for event.
  void set_wait_cycle_halts(bool halts) noexcept;
  bool wait_cycle_halts() const noexcept;
  // Callbacks and task steps run so far.
  std::uint64_t callbacks_run() const noexcept;
  // The schedule digest: a 64-bit hash of the run so far as its schedule
  // makes it. It chains, in order, every pick among two or more ready
  // callbacks (how many were ready, which one ran) and every timer's
  // deadline, then adds callbacks_run() and the virtual time. It costs a
  // multiply and a rotate per pick and per timer, observed or not, which is
  // why a seed sweep keeps a seed as this rather than as its trace's digest:
  // recording a trace costs a short run about half again its time.
  //
  // Determinism contract: the same program and seed give the same schedule
  // digest in any build, on any machine, and a schedule string's replay
  // gives its seed's. Two runs of one program have equal schedule digests
  // when, and (up to hash collisions) only when, they ran the same
  // schedule: the same decisions, timers, steps and end time. For a
  // deterministic program that is the same run, since the decisions fix it
  // and the deadlines fix the delays it drew from random(). What it does not
  // see is a difference in what the program computed that changed none of
  // those: a value drawn from random() used as data, or static state left
  // by an earlier run that changed only a message (a sweep adds a failing
  // seed's message to what it keeps: sweep_seed_digest). Every bundled
  // scenario's sweep counts as many distinct schedule digests as trace
  // digests.
  std::uint64_t schedule_digest() const noexcept;
  // The tasks left blocked when the last run_until_complete's future
  // finished, in task-id order (each also a task_leaked event in the
  // trace); empty before, and after a run_until_complete that raised.
  // Sleeping tasks and tasks ready to run are not blocked.
  const std::vector<LeakedTask>& leaked_tasks() const noexcept;

  // See observer.hpp. remove_observer(recorder) also stops a TraceRecorder
  // that records inline (the first one of the loop).
  void add_observer(LoopObserver& observer);
  void remove_observer(LoopObserver& observer) noexcept;

  void set_exception_handler(ExceptionHandler handler);
  void call_exception_handler(const ExceptionContext& context);

  // Callbacks in the ready queue, and pending timers (cancelled ones may be
  // counted until they are discarded).
  std::size_t ready_count() const noexcept;
  std::size_t timer_count() const noexcept;

  // Internal.
  detail::LoopCore& core() noexcept { return *core_; }

 private:
  void start_task(detail::TaskCore& task, std::string name, SourceLocation site);
  void run_until_done(detail::FutureStateBase& future);

  std::unique_ptr<detail::LoopCore> core_;
};

// The loop running in this thread; RuntimeError("no running event loop") if none.
EventLoop& get_running_loop();
// The running loop if any, else this thread's current loop. As asyncio's
// policy, it creates one only if set_event_loop was never called in this
// thread: a FIFO loop, owned by the thread until the thread ends, which it
// sets as current (so creating one counts as a call). Otherwise, with no
// current loop (after set_event_loop(nullptr)), RuntimeError
// (detsim.loop.none_current; asyncio: "There is no current event loop in
// thread ..."). asyncio creates a loop in the main thread only; detsim in
// any thread, each running simulations of its own.
EventLoop& get_event_loop();
// Sets this thread's current loop (nullptr clears it, and get_event_loop
// then raises instead of creating one). The loop is not owned.
void set_event_loop(EventLoop* loop) noexcept;
// A new FIFO loop, owned by the caller.
std::unique_ptr<EventLoop> new_event_loop();

}  // namespace detsim
