// detsim::PrimitiveTrace: how a synchronization primitive (a Lock, a Queue,
// a timeout scope) shows in the trace, so that "who woke whom" runs through
// locks and queues and not only through futures.
//
// A primitive keeps one PrimitiveTrace and reports through it what it does:
// a task starts waiting (EventKind::wait), a waiter is woken (wake), a lock
// is taken or freed (acquire, release), an item goes in or out (put, get),
// an Event is set (notify), a timeout fires (timeout). Each event names the
// primitive by id, type and name, and has a cause like any other event: the
// event during which it was reported. A wake-up is reported inside a
// CausedBy scope of the release (or put, or set) that made it, so its cause
// is that event, and so are the causes of the waiter's future's set_result
// and of the call_soon of the waiter's next step:
//
//   release (Lock 'a', task 1) <- wake (task 2) ; set_result <- call_soon <- step (task 2)
//
// Ids: a primitive gets its id on a loop at its first report there, from a
// per-loop counter (1, 2, ...): the same run numbers its primitives the same
// way every time. (Reported on one loop, then another, then the first again,
// it takes a new id there.)
//
// Cost: with no loop running, or a loop that nothing observes, report() is a
// call that loads the running loop and tests one flag, and returns 0; the
// loop's own events pay nothing for it.
//
// Example (inside a primitive):
//   class Latch {
//     std::string name_;
//     detsim::PrimitiveTrace trace_{"Latch", name_};   // after name_
//     void open() {
//       const std::uint64_t opened = trace_.report(detsim::EventKind::notify, "open");
//       detsim::CausedBy cause(opened);   // the waiters' wake-ups point at the open
//       for (auto& w : waiters_) { trace_.report_wake(w.task_id, w.task_name); w.future.set_result(); }
//     }
//   };
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "detsim/base/source_location.hpp"
#include "detsim/core/observer.hpp"

namespace detsim {

class EventLoop;

class PrimitiveTrace {
 public:
  // `type` must outlive the primitive (a string literal); `name` is the
  // primitive's own name member, read at each report (so it must be
  // declared before this member, and the primitive must not move).
  PrimitiveTrace(std::string_view type, const std::string& name) noexcept : type_(type), name_(&name) {}
  PrimitiveTrace(const PrimitiveTrace&) = delete;
  PrimitiveTrace& operator=(const PrimitiveTrace&) = delete;

  std::string_view type() const noexcept { return type_; }
  const std::string& name() const noexcept { return *name_; }
  // Its id on the loop that last reported it (0 before any report).
  std::uint64_t id() const noexcept { return id_; }

  // Reports an event of `kind` about the primitive, concerning the running
  // task (none outside a task), on the running loop. Returns its seq, or 0
  // if no loop runs or none observes.
  std::uint64_t report(EventKind kind, std::string_view detail = {}, SourceLocation site = {}) const;
  // The same, concerning the task `task_id` named `task_name` (0: none): a
  // waiter woken, a task cancelled by a timeout.
  std::uint64_t report_about(EventKind kind, std::uint64_t task_id, std::string_view task_name,
                             std::string_view detail = {}, SourceLocation site = {},
                             std::chrono::nanoseconds when = {}) const;
  // report_about(EventKind::wake, ...): the waiter `task_id` is woken.
  std::uint64_t report_wake(std::uint64_t task_id, std::string_view task_name) const {
    return report_about(EventKind::wake, task_id, task_name);
  }
  // The id this primitive has on `loop`, assigned now if it has none there
  // yet; 0 if nothing observes `loop`.
  std::uint64_t id_on(EventLoop& loop) const;

 private:
  std::string_view type_;
  const std::string* name_;
  mutable std::uint64_t id_ = 0;
  mutable std::uint64_t loop_serial_ = 0;  // the loop id_ was given on (LoopCore::serial)
};

// While alive, the events the running loop issues (a future's set_result, a
// call_soon, a primitive's wake) have `seq` as their cause. Nothing for seq
// 0 (what report() returns unobserved) or with no loop running.
class CausedBy {
 public:
  explicit CausedBy(std::uint64_t seq) noexcept;
  ~CausedBy();
  CausedBy(const CausedBy&) = delete;
  CausedBy& operator=(const CausedBy&) = delete;

 private:
  void* loop_ = nullptr;  // the running detail::LoopCore, if the cause was set
  std::uint64_t previous_ = 0;
};

}  // namespace detsim
