// detsim::LoopObserver: a read-only view of everything an event loop does.
//
// The loop reports each event (a callback scheduled, a task step, a future
// completed, the clock advanced, ...) to every attached observer, in the order
// the events happen. The trace recorder is one observer; users attach their
// own for metrics or custom checks without touching the loop. (The first
// TraceRecorder on a loop takes a faster path to the same events: the loop
// records each one inline, before telling the observers.)
//
// Invariants:
//   - seq numbers start at 1 and increase by exactly 1 per event of a loop,
//     counted only while at least one observer (or recorder) is attached;
//   - time never decreases from one event to the next;
//   - cause is the seq of the event during which this one was issued (a
//     step's cause is the call_soon that scheduled it; that call_soon's cause
//     is the set_result whose done callback issued it), 0 when none.
//
// Determinism contract: for the same program and scheduler, the sequence of
// events, every field included except `site`, is identical on every run.
//
// Attach observers before scheduling work: the loop only labels callbacks
// with their cause, task and site while observed. Work scheduled earlier is
// reported with cause 0, a ready task step with its task, and a pending
// timer with neither task nor site.
//
// Observers must not schedule work on the loop they observe, and must not
// throw (to stop a run, call EventLoop::halt). An observer must be removed
// (remove_observer) or outlive the loop: the loop reports loop_close when it
// is closed or destroyed.
//
// Example:
//   struct StepCounter : detsim::LoopObserver {
//     int steps = 0;
//     void on_event(const detsim::Event&) override { ++steps; }
//     std::uint32_t event_kinds() const noexcept override { return detsim::event_kind_bit(detsim::EventKind::step); }
//   } counter;
//   loop.add_observer(counter);
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "detsim/base/source_location.hpp"

namespace detsim {

class PrimitiveTrace;

// The numeric values are part of the trace format (they enter the digest):
// never renumber, only append.
enum class EventKind : std::uint8_t {
  loop_run = 0,          // run_forever / run_until_complete started
  loop_stop = 1,         // the run loop returned
  loop_close = 2,        // close()
  call_soon = 3,         // a callback joined the ready queue (handle)
  timer_scheduled = 4,   // call_at / call_later (handle, when)
  timer_due = 5,         // a due timer joined the ready queue (handle, when)
  handle_cancelled = 6,  // Handle::cancel() on a pending handle (handle)
  step = 7,              // a task step ran (handle, task, choice, of)
  callback = 8,          // a plain callback ran (handle, choice, of)
  future_created = 9,    // create_future (future), in debug mode only (EventLoop::set_debug)
  task_created = 10,     // a task was scheduled for its first step (future, task, name)
  set_result = 11,       // a future or task finished with a value (future)
  set_exception = 12,    // a future or task finished with an exception (future, detail)
  cancel = 13,           // a future or task ended cancelled (future, detail)
  cancel_requested = 14, // Task::cancel() on a pending task (future, task, detail)
  done_callback = 15,    // a done callback ran (future, immediate)
  clock_advanced = 16,   // nothing was ready: virtual time jumped to the next timer
  // A synchronization primitive's events (detsim/core/primitive_trace.hpp):
  // each names its primitive (Event::primitive: its id, type and name).
  wait = 17,             // a task starts waiting on a primitive (task; detail: the operation)
  wake = 18,             // a primitive wakes a waiting task (task; cause: the release/put/... that woke it)
  acquire = 19,          // a Lock, Semaphore or Condition's lock was taken (task)
  release = 20,          // ... released (task)
  put = 21,              // an item went into a Queue (task)
  get = 22,              // an item came out of a Queue (task)
  notify = 23,           // an Event set, a Condition notified, a Barrier passed, ... (task; detail: what)
  timeout = 24,          // a timeout scope or wait_for expired: its task is cancelled (task, when)
  task_leaked = 25,      // the root of run_until_complete finished with this task still blocked
                         // (task; detail: what it waits on; its primitive, if it waits on one)
};

// A stable lowercase name for the kind, as used in traces ("call_soon").
std::string_view to_string(EventKind kind) noexcept;

struct Event {
  EventKind kind{};
  std::uint64_t seq = 0;
  std::uint64_t cause = 0;
  std::chrono::nanoseconds time{0};  // virtual time since the loop started
  std::uint64_t handle = 0;          // handle id, 0 if none
  std::uint64_t future = 0;          // future id (tasks are futures), 0 if none
  std::uint64_t task = 0;            // the task the event concerns, 0 if none
  std::chrono::nanoseconds when{0};  // timer deadline (timer_scheduled, timer_due)
  std::uint32_t choice = 0;          // index picked by the scheduler (step, callback)
  std::uint32_t of = 0;              // number of ready candidates (step, callback)
  bool immediate = false;            // done_callback: the future was already done
  std::string_view name;             // task name, if a task is concerned
  std::string_view detail;           // exception or cancel message
  SourceLocation site{};             // user code that caused it, if known
  // The primitive a primitive event concerns (primitive_trace.hpp: its
  // id(), a per-loop counter from 1 in order of first report, its type(),
  // "Lock", and its name(), maybe empty), valid while the event is told;
  // null for every other event. (One pointer, not three fields: at 128
  // bytes an Event built in a report call still lives in registers, which
  // the loop's recorded hot path depends on; at 160 it spilled to memory
  // and a recorded step cost 1504 instructions instead of 1031.)
  const PrimitiveTrace* primitive = nullptr;
};

// The bit of `kind` in a mask of event kinds (LoopObserver::event_kinds).
constexpr std::uint32_t event_kind_bit(EventKind kind) noexcept {
  return std::uint32_t{1} << static_cast<unsigned>(kind);
}
static_assert(static_cast<unsigned>(EventKind::task_leaked) < 32, "event kinds must fit a 32-bit mask");
inline constexpr std::uint32_t all_event_kinds = ~std::uint32_t{0};

class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  virtual void on_event(const Event& event) = 0;
  // The kinds of event this observer is told of, as a mask of
  // event_kind_bit()s; all of them by default. Asked once, when the
  // observer is attached. An observer of a few kinds (a step counter, say)
  // spares the loop a call and a copy of the Event for every other event.
  // Seq numbers and causes are the same whatever the observers ask for.
  virtual std::uint32_t event_kinds() const noexcept { return all_event_kinds; }
};

}  // namespace detsim
