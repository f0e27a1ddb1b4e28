// LoopCore: the state and mechanics behind EventLoop. Private to sim/.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/hash_mix.hpp"
#include "detsim/core/detail/future_state.hpp"
#include "detsim/base/detail/inline_function.hpp"
#include "detsim/base/detail/intrusive_ptr.hpp"
#include "detsim/core/detail/task_core.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/loop_extension.hpp"
#include "detsim/core/handle.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/base/random.hpp"
#include "detsim/scheduling/scheduler.hpp"
#include "detsim/base/source_location.hpp"
#include "core/handle_pool.hpp"
#include "core/ready_queue.hpp"
// The one include of a higher layer (README, "Layout"): recording an event is
// an inlined write into the trace log, not a virtual call per event, on the
// loop's hottest path. tests/check_layers.py allows this edge only.
#include "trace/recording.hpp"
#include "core/timer_heap.hpp"

namespace detsim::detail {

// The loop running on this thread (asyncio's _get_running_loop), or null.
EventLoop*& running_loop_slot() noexcept;

class LoopCore {
 public:
  LoopCore(EventLoop& owner, std::unique_ptr<Scheduler> scheduler);
  LoopCore(const LoopCore&) = delete;
  LoopCore& operator=(const LoopCore&) = delete;
  ~LoopCore();

  EventLoop& owner() noexcept { return owner_; }
  LoopAnchor& anchor() noexcept { return *anchor_; }
  std::chrono::nanoseconds now() const noexcept { return now_; }

  // Scheduling. Callbacks come by rvalue reference (here and in
  // detail::loop_call_soon/loop_call_at): the caller's temporary is relocated once, into
  // the handle record, instead of once per by-value hop.
  Handle call_soon(InlineFunction<void()>&& callback, SourceLocation site) {
    HandleRecord& record = schedule_soon(std::move(callback), site);
    return Handle(this, &record, record.generation, record.id);
  }
  [[gnu::always_inline]] HandleRecord& schedule_soon(InlineFunction<void()>&& callback, SourceLocation site);
  // call_soon of `task`'s next step (a wake-up, so a scheduler decision).
  void schedule_step(TaskCore& task, SourceLocation site);
  // `task` labels the timer's events with the task concerned (a sleep's).
  TimerHandle call_at(std::chrono::nanoseconds when, InlineFunction<void()>&& callback, SourceLocation site,
                      TaskCore* task = nullptr);
  void cancel(HandleRecord& record, std::uint32_t generation) noexcept;
  bool is_pending(const HandleRecord& record, std::uint32_t generation) const noexcept;

  // Running.
  void run_forever();
  void run_until_idle();
  void run_until_done(FutureStateBase& future);
  void stop() noexcept { stopping_ = true; }
  void halt(std::exception_ptr error) noexcept {
    if (!halt_error_) halt_error_ = std::move(error);
  }
  bool is_running() const noexcept { return running_; }
  bool is_closed() const noexcept { return closed_; }
  void close();
  // EventLoop::renew: as destroying this core and making a new one for the
  // same owner, but keeping the memory its pools and queues grew.
  void renew(std::unique_ptr<Scheduler> scheduler);
  bool renew_reseeded(std::uint64_t seed);
  void ensure_open() const;

  // Futures and tasks.
  std::uint64_t next_future_id() noexcept { return ++future_counter_; }
  std::uint64_t next_task_id() noexcept { return ++task_counter_; }
  std::uint64_t tasks_started() const noexcept { return task_counter_; }
  // Primitives' trace ids (primitive_trace.hpp), and what tells this loop
  // from every other loop of the process (never reused, unlike an address).
  std::uint64_t next_primitive_id() noexcept { return ++primitive_counter_; }
  std::uint64_t serial() const noexcept { return serial_; }
  void add_live_task(TaskCore& task) noexcept;
  // The live tasks, in creation (= task id) order, through live_next.
  const TaskCore* first_live_task() const noexcept { return live_first_; }
  void remove_live_task(TaskCore& task) noexcept;
  void add_unretrieved(FutureStateBase& future);
  void remove_unretrieved(FutureStateBase& future) noexcept;

  // Observers and events.
  bool observed() const noexcept { return observed_; }
  // Whether what is scheduled gets its labels (HandleLabels, a step's
  // StepLabels): while observed, and always under a scheduler that reads
  // candidates, whose view of them must not depend on observation.
  bool labelling() const noexcept { return labelling_; }
  // Debug mode (EventLoop::set_debug): observers also hear of every future
  // created.
  void set_debug(bool enabled) noexcept { debug_ = enabled; }
  bool debug() const noexcept { return debug_; }
  bool reports_future_creation() const noexcept { return observed_ && debug_; }
  // Reports an event: fills in seq and time, records it into the attached
  // Recording, then tells every observer; returns its seq. Build `event` in
  // the call, as Event{.kind = ..., ...}: inlined there, the recording is
  // specialized to the fields that kind of event sets (recording.hpp).
  [[gnu::always_inline]] std::uint64_t report(Event event) {
    const std::uint64_t seq = ++event_counter_;
    event.seq = seq;
    event.time = now_;
    if (recording_) recording_->record(event);
    if (observed_kinds_ & event_kind_bit(event.kind)) [[unlikely]] {
      if (notifying_) [[unlikely]] {
        notify_observers_nested(event);
      } else {
        // A copy: the local `event` never has its address taken, so the
        // compiler keeps its fields in registers and constants.
        scratch_event_ = event;
        notify_observers(scratch_event_);
      }
    }
    return seq;
  }
  // The seq of the last event reported (0 before the first).
  std::uint64_t events_reported() const noexcept { return event_counter_; }
  std::uint64_t current_cause() const noexcept { return current_cause_; }
  // Sets the cause of events issued from now on; returns the previous one.
  std::uint64_t exchange_cause(std::uint64_t cause) noexcept { return std::exchange(current_cause_, cause); }
  void add_observer(LoopObserver& observer);
  // Removes `observer`, or the recording it attached.
  void remove_observer(LoopObserver& observer) noexcept;
  // Attaches `recording` on behalf of `owner` (whose remove_observer detaches
  // it); false if another recording is attached.
  bool attach_recording(Recording& recording, LoopObserver& owner);

  // Exceptions.
  void set_exception_handler(ExceptionHandler handler) { exception_handler_ = std::move(handler); }
  void call_exception_handler(const ExceptionContext& context) noexcept;

  // Per-loop state of higher layers (loop_extension.hpp).
  LoopExtension* extension(std::size_t slot) const noexcept {
    return slot < extensions_.size() ? extensions_[slot].get() : nullptr;
  }
  LoopExtension* set_extension(std::size_t slot, std::unique_ptr<LoopExtension> extension) {
    if (slot >= extensions_.size()) extensions_.resize(slot + 1);
    extensions_[slot] = std::move(extension);
    return extensions_[slot].get();
  }

  void set_limits(LoopLimits limits) noexcept { limits_ = limits; }
  void set_wait_cycle_halts(bool halts) noexcept { wait_cycle_halts_ = halts; }
  bool wait_cycle_halts() const noexcept { return wait_cycle_halts_; }
  std::uint64_t callbacks_run() const noexcept { return callbacks_run_; }
  // EventLoop::schedule_digest: the decisions, deadlines, steps and virtual
  // time so far.
  std::uint64_t schedule_digest() const noexcept;
  const std::vector<LeakedTask>& leaked_tasks() const noexcept { return leaked_; }
  // The user's draws (EventLoop::random), seeded at the first: most
  // programs never draw, and seeding was a tenth of making a loop.
  Random& random() noexcept {
    if (!random_) [[unlikely]] random_.emplace(user_random_seed_);
    return *random_;
  }
  Scheduler& scheduler() noexcept { return *scheduler_; }
  std::size_t ready_count() const noexcept { return ready_.size(); }
  std::size_t timer_count() const noexcept { return timers_.size(); }

 private:
  class RunningScope;
  void check_can_run() const;
  void run_once();
  void advance_clock_to_next_timer();
  // Whether a timer is due now; if so, move_due_timers moves every due
  // timer to the ready queue.
  bool timer_due() const noexcept { return !timers_.empty() && timers_.top().when <= now_; }
  void move_due_timers();
  void prefetch_next_pick(std::size_t count) const noexcept;
  // The scheduler's pick among the `count` ready callbacks. The view is two
  // registers: the count and candidates_, null for a scheduler that does
  // not read candidates (a view of the count alone).
  std::size_t pick(std::size_t count) {
    if (random_scheduler_) return random_scheduler_->pick_among(count);
    return scheduler_->pick(ReadyCandidates{count, candidates_});
  }
  // Chains one word of the schedule into decision_hash_ (chain_word, a
  // multiply and a rotate), observed or not: a decision (count << 32 |
  // choice, for `choice` among `count` ready, count >= 2) or a timer's
  // deadline.
  static constexpr std::uint64_t initial_decision_hash = 0x243f6a8885a308d3ULL;
  static constexpr std::uint64_t deadline_tag = std::uint64_t{1} << 63;
  void fold_into_schedule(std::uint64_t word) noexcept { decision_hash_ = chain_word(decision_hash_, word); }
  // How a view describes ready_'s entries (ReadyCandidates::Source).
  static Candidate describe_ready(const void* ready_queue, std::size_t index) noexcept;
  std::size_t peek(std::size_t count, std::size_t ahead) const noexcept {
    return random_scheduler_ ? random_scheduler_->peek(count, ahead) : scheduler_->peek(count, ahead);
  }
  // Runs a ready entry: `record`'s callback, or if it is null, `task`'s
  // step. Given the entry's fields, not the entry: taken by reference, the
  // entry was copied to the stack whole (see ReadyQueue::load for why not).
  void run_ready(HandleRecord* record, TaskCore* task, std::uint64_t step_id, std::uint32_t choice,
                 std::uint32_t of);
  // run_ready of a callback while unobserved, apart: run_ready's observed
  // paths made every callback save and restore six registers.
  [[gnu::noinline]] void run_unobserved_callback(HandleRecord& record);
  [[gnu::always_inline]] void run_step(TaskCore& task, std::uint64_t id, std::uint32_t choice, std::uint32_t of);
  // Runs a callback or a step (`run`) with what it issues caused by `seq`
  // (0 when unobserved); an exception that escapes it goes to the exception
  // handler, as asyncio's Handle._run does.
  template <class Run>
  [[gnu::always_inline]] void run_caused_by(std::uint64_t seq, std::uint64_t handle, Run&& run);
  [[gnu::noinline]] void report_callback_exception(std::uint64_t handle);
  void discard_cancelled_timers_at_top() noexcept;
  [[noreturn]] void throw_deadlock() const;
  // A record with a fresh id, labelled when observed; the caller gives it
  // its callback and state. Inline: out of line, a call_soon was three
  // nested calls (13 more instructions per callback).
  [[gnu::always_inline]] HandleRecord& new_record(SourceLocation site, TaskCore* task);
  [[gnu::noinline]] HandleRecord& schedule_soon_labelled(InlineFunction<void()>&& callback,
                                                         SourceLocation site);
  void make_ready(HandleRecord& record);
  // Reports an event about a scheduled callback or step, given its labels:
  // events about a run point back at the scheduling, the others at what runs
  // now. Returns the seq. `when`: the deadline, for timer_scheduled and
  // timer_due.
  template <EventKind kind>
  [[gnu::always_inline]] std::uint64_t emit_scheduling_event(std::uint64_t handle, std::uint64_t scheduling_cause,
                                                             const TaskCore* task, SourceLocation site,
                                                             std::uint32_t choice, std::uint32_t of,
                                                             std::chrono::nanoseconds when);
  template <EventKind kind>
  [[gnu::always_inline]] void emit_handle_event(HandleRecord& record, std::uint32_t choice = 0, std::uint32_t of = 0,
                                           std::chrono::nanoseconds when = {});
  template <EventKind kind>
  [[gnu::always_inline]] void emit_step_event(TaskCore& task, std::uint64_t id, std::uint32_t choice = 0,
                                         std::uint32_t of = 0);
  // What the scheduler decides of the loop (its kind, whether it reads
  // candidates, the user's Random); the scheduler's seed may have changed.
  void derive_from_scheduler();
  // renew() up to its scheduler: closed, then every other member as the
  // constructor leaves it.
  void reset_for_renewal();
  void teardown_tasks() noexcept;
  // run_until_done's future finished: lists (and reports, while observed)
  // the tasks left blocked.
  void note_leaked_tasks();
  void start_observing();
  [[gnu::noinline]] void notify_observers(const Event& event);
  // An observer broke its contract and made the loop report an event while
  // being told of one: that event gets its own copy, so that the observers
  // still to be told of the first see it unchanged.
  [[gnu::noinline]] void notify_observers_nested(Event event) { notify_observers(event); }
  void release(HandleRecord& record) noexcept;
  void throw_if_halted();

  EventLoop& owner_;
  IntrusivePtr<LoopAnchor> anchor_;
  std::unique_ptr<Scheduler> scheduler_;
  bool fifo_;  // the scheduler is a FifoScheduler, whose pick is always 0
  // The scheduler, if it is a RandomScheduler: a final class, so its pick
  // and peek are called directly (and inlined) instead of through the
  // vtable; with many tasks ready that is three calls per step.
  RandomScheduler* random_scheduler_;
  // What pick()'s view describes candidates with: &candidate_source_ if the
  // scheduler reads candidates, else null (a view of the count alone).
  const ReadyCandidates::Source* candidates_;
  std::uint64_t user_random_seed_;
  std::optional<Random> random_;  // seeded from user_random_seed_ by random()
  std::chrono::nanoseconds now_{0};

  HandlePool pool_;
  ReadyQueue ready_;
  const ReadyCandidates::Source candidate_source_{&LoopCore::describe_ready, &ready_};
  TimerHeap timers_;
  std::size_t cancelled_timers_ = 0;
  // The current iteration's budget (asyncio's ntodo): callbacks still to run
  // of those ready when it began, which are exactly the ready records with
  // id <= iteration_last_handle_id_. Both 0 outside run_once.
  std::size_t iteration_remaining_ = 0;
  std::uint64_t iteration_last_handle_id_ = 0;

  std::exception_ptr halt_error_;
  bool wait_cycle_halts_ = true;  // rarely read: kept out of the hot members above
  LoopLimits limits_;
  std::uint64_t callbacks_run_ = 0;
  // The decisions and timer deadlines so far, chained (fold_into_schedule);
  // schedule_digest() reads it.
  std::uint64_t decision_hash_ = initial_decision_hash;

  bool stop_when_idle_ = false;
  bool running_ = false;
  bool stopping_ = false;
  bool closed_ = false;

  std::uint64_t handle_counter_ = 0;
  std::uint64_t future_counter_ = 0;
  std::uint64_t task_counter_ = 0;
  std::uint64_t timer_sequence_ = 0;
  std::uint64_t primitive_counter_ = 0;
  std::uint64_t serial_;

  bool observed_ = false;  // a recording or an observer is attached
  bool labelling_ = false;  // observed_, or the scheduler reads candidates
  bool debug_ = false;
  Recording* recording_ = nullptr;
  LoopObserver* recording_owner_ = nullptr;
  struct ObserverEntry {
    LoopObserver* observer;  // null: removed while notifying (erased after)
    std::uint32_t kinds;     // its event_kinds(), asked when it was attached
  };
  std::vector<ObserverEntry> observers_;
  std::uint32_t observed_kinds_ = 0;  // the union of the attached observers' kinds
  Event scratch_event_;    // what notify_observers passes on
  bool notifying_ = false;  // inside notify_observers (removals blank their entry)
  bool observers_blanked_ = false;
  std::uint64_t event_counter_ = 0;
  std::uint64_t current_cause_ = 0;

  TaskCore* live_first_ = nullptr;
  TaskCore* live_last_ = nullptr;
  std::vector<FutureStateBase*> unretrieved_;
  std::vector<LeakedTask> leaked_;
  ExceptionHandler exception_handler_;
  // Last: destroyed first, after ~LoopCore's body has torn the tasks down.
  std::vector<std::unique_ptr<LoopExtension>> extensions_;
};

}  // namespace detsim::detail
