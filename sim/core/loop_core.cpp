#include "core/loop_core.hpp"
#include "core/wait_graph.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "detsim/base/check.hpp"
#include "detsim/base/detail/assert.hpp"
#include "detsim/base/errors.hpp"

namespace detsim::detail {

namespace {
// Stream numbers for Random::derive_seed: independent draws from one seed.
constexpr std::uint64_t user_random_stream = 1;
// Cancelled timers stay in the heap until they reach the top; past this many
// (and half the heap), the heap is rebuilt without them, as asyncio does.
constexpr std::size_t cancelled_timers_compaction_minimum = 64;
// How far ahead of the front of the ready queue the loop prefetches, and
// from how many ready callbacks on.
constexpr std::size_t prefetch_distance = 4;
constexpr std::size_t prefetch_minimum_ready = 256;
}  // namespace

EventLoop*& running_loop_slot() noexcept {
  thread_local EventLoop* running_loop = nullptr;
  return running_loop;
}

// A failed DETSIM_CHECK while a loop runs halts that loop (check.hpp).
void halt_running_loop(const std::exception_ptr& violation) noexcept {
  if (EventLoop* loop = running_loop_slot()) loop->halt(violation);
}

// Marks the loop as running on this thread for the scope of run_forever, and
// undoes it however run_forever ends (stop, DeadlockError, ...).

class LoopCore::RunningScope {
 public:
  explicit RunningScope(LoopCore& loop)
      : loop_(loop), previous_violation_handler_(set_violation_handler(halt_running_loop)) {
    loop_.running_ = true;
    running_loop_slot() = &loop_.owner_;
  }
  ~RunningScope() {
    loop_.running_ = false;
    loop_.stopping_ = false;
    running_loop_slot() = nullptr;
    set_violation_handler(previous_violation_handler_);
  }
  RunningScope(const RunningScope&) = delete;
  RunningScope& operator=(const RunningScope&) = delete;

 private:
  LoopCore& loop_;
  ViolationHandler previous_violation_handler_;
};

// The constructor tells these two apart by exact type (typeid), which is
// only right while nothing can derive from them.
static_assert(std::is_final_v<FifoScheduler> && std::is_final_v<RandomScheduler>);

namespace {

// Tells loops apart (a primitive's id is per loop); never in a trace.
// Atomic: loops are made on many threads (a parallel sweep).
std::uint64_t next_loop_serial() noexcept {
  static std::atomic<std::uint64_t> loops_made{0};
  return ++loops_made;
}

// A loop given no scheduler runs asyncio's order.
std::unique_ptr<Scheduler> or_fifo(std::unique_ptr<Scheduler> scheduler) {
  return scheduler ? std::move(scheduler) : std::make_unique<FifoScheduler>();
}

}  // namespace

LoopCore::LoopCore(EventLoop& owner, std::unique_ptr<Scheduler> scheduler)
    : owner_(owner),
      anchor_(new LoopAnchor),
      scheduler_(or_fifo(std::move(scheduler))),
      serial_(next_loop_serial()) {
  anchor_->core = this;
  derive_from_scheduler();
}

void LoopCore::derive_from_scheduler() {
  // Both classes are final, so comparing exact types is what a dynamic_cast
  // would find, for a fraction of its cost (two dynamic_casts were 4% of a
  // short seed's run).
  const Scheduler& chosen = *scheduler_;
  fifo_ = typeid(chosen) == typeid(FifoScheduler);
  random_scheduler_ =
      typeid(chosen) == typeid(RandomScheduler) ? static_cast<RandomScheduler*>(scheduler_.get()) : nullptr;
  candidates_ = scheduler_->reads_candidates() ? &candidate_source_ : nullptr;
  user_random_seed_ = Random::derive_seed(scheduler_->seed(), user_random_stream);
  random_.reset();
  // Labelled from the first callback on, so that every candidate is
  // described alike, observed or not.
  labelling_ = candidates_ != nullptr;
}

void LoopCore::renew(std::unique_ptr<Scheduler> scheduler) {
  reset_for_renewal();
  scheduler_ = or_fifo(std::move(scheduler));
  derive_from_scheduler();
}

bool LoopCore::renew_reseeded(std::uint64_t seed) {
  if (running_) throw RuntimeError("detsim.loop.renew_running", "Cannot renew a running event loop");
  close();
  if (!scheduler_->reseed(seed)) return false;
  reset_for_renewal();
  derive_from_scheduler();
  return true;
}

void LoopCore::reset_for_renewal() {
  if (running_) throw RuntimeError("detsim.loop.renew_running", "Cannot renew a running event loop");
  close();
  DETSIM_ASSERT(ready_.empty() && timers_.empty() && live_first_ == nullptr && unretrieved_.empty());
  // What destruction would do: the old run's futures learn that their loop
  // is gone. If none holds the anchor any more, it can serve the new run.
  if (anchor_->references != 1) {
    anchor_->core = nullptr;
    anchor_ = IntrusivePtr<LoopAnchor>(new LoopAnchor);
    anchor_->core = this;
  }
  serial_ = next_loop_serial();
  // Then every member as the constructor leaves it: the extensions first (as
  // destruction destroys them first), then the rest in declaration order.
  // The pool, queues and their memory stay: closing emptied them. A member
  // added to LoopCore must be reset here too; the static_assert below is
  // the reminder.
  extensions_.clear();
  now_ = std::chrono::nanoseconds{0};
  cancelled_timers_ = 0;
  iteration_remaining_ = 0;
  iteration_last_handle_id_ = 0;
  halt_error_ = nullptr;
  wait_cycle_halts_ = true;
  limits_ = LoopLimits{};
  callbacks_run_ = 0;
  decision_hash_ = initial_decision_hash;
  stop_when_idle_ = running_ = stopping_ = closed_ = false;
  handle_counter_ = future_counter_ = task_counter_ = timer_sequence_ = primitive_counter_ = 0;
  observed_ = debug_ = false;
  recording_ = nullptr;
  recording_owner_ = nullptr;
  observers_.clear();
  observed_kinds_ = 0;
  notifying_ = observers_blanked_ = false;
  event_counter_ = 0;
  current_cause_ = 0;
  leaked_.clear();
  exception_handler_ = nullptr;
}

// The reminder above: LoopCore's size on the platforms CI builds on
// (x86-64, libstdc++; clang lays one member out larger than g++). If a
// member was added or removed, update renew(), then these numbers.
#if defined(__x86_64__) && defined(__GLIBCXX__)
#if defined(__clang__)
static_assert(sizeof(LoopCore) == 736, "LoopCore's members changed: make renew() reset the new ones");
#else
static_assert(sizeof(LoopCore) == 720, "LoopCore's members changed: make renew() reset the new ones");
#endif
#endif

LoopCore::~LoopCore() {
  DETSIM_ASSERT(!running_);
  if (!closed_) close();
  anchor_->core = nullptr;
}

void LoopCore::ensure_open() const {
  if (closed_) throw RuntimeError("detsim.loop.closed", "Event loop is closed");
}

// ---- scheduling -------------------------------------------------------------

inline HandleRecord& LoopCore::new_record(SourceLocation site, TaskCore* task) {
  ensure_open();
  HandleRecord& record = pool_.acquire();
  record.id = ++handle_counter_;
  if (labelling()) HandlePool::label(record, HandleLabels{current_cause_, task, site});
  return record;
}

// One instance per kind, so that its report is specialized to the kind.
// Inline: a step and its call_soon are most of a recorded run's events.
template <EventKind kind>
inline std::uint64_t LoopCore::emit_scheduling_event(std::uint64_t handle, std::uint64_t scheduling_cause,
                                                     const TaskCore* task, SourceLocation site,
                                                     std::uint32_t choice, std::uint32_t of,
                                                     std::chrono::nanoseconds when) {
  // A run is caused by its scheduling (call_soon, or the timer becoming due);
  // a timer becoming due by its scheduling; anything else by what runs now.
  constexpr bool is_timer_event = kind == EventKind::timer_scheduled || kind == EventKind::timer_due;
  constexpr bool caused_by_scheduling =
      kind == EventKind::step || kind == EventKind::callback || kind == EventKind::timer_due;
  return report(Event{.kind = kind,
                      .cause = caused_by_scheduling ? scheduling_cause : current_cause_,
                      .handle = handle,
                      .task = task ? task->task_id() : 0,
                      // (a constant 0 for the other kinds, which the
                      // recording then leaves out)
                      .when = is_timer_event ? when : std::chrono::nanoseconds{},
                      .choice = choice,
                      .of = of,
                      .name = task ? std::string_view(task->name()) : std::string_view{},
                      .site = site});
}

template <EventKind kind>
inline void LoopCore::emit_handle_event(HandleRecord& record, std::uint32_t choice, std::uint32_t of,
                                        std::chrono::nanoseconds when) {
  // Labelled when scheduled, or by start_observing if scheduled unobserved.
  DETSIM_ASSERT(record.labelled);
  HandleLabels& labels = HandlePool::labels(record);
  const std::uint64_t seq =
      emit_scheduling_event<kind>(record.id, labels.cause, labels.task, labels.site, choice, of, when);
  // What this handle causes later (its run) points back at its scheduling.
  if constexpr (kind == EventKind::call_soon || kind == EventKind::timer_scheduled || kind == EventKind::timer_due) {
    labels.cause = seq;
  }
}

template <EventKind kind>
inline void LoopCore::emit_step_event(TaskCore& task, std::uint64_t id, std::uint32_t choice, std::uint32_t of) {
  DETSIM_ASSERT(task.step_state() == TaskCore::StepState::labelled);
  TaskCore::StepLabels& labels = task.step_labels();
  const std::uint64_t seq = emit_scheduling_event<kind>(id, labels.cause, &task, labels.site, choice, of, {});
  if constexpr (kind == EventKind::call_soon) labels.cause = seq;
}

inline HandleRecord& LoopCore::schedule_soon(InlineFunction<void()>&& callback, SourceLocation site) {
  // The labelled (observed) path is out of line: inlined, its registers and
  // stack made every unobserved call_soon save and restore six registers.
  if (labelling()) [[unlikely]] return schedule_soon_labelled(std::move(callback), site);
  ensure_open();
  HandleRecord& record = pool_.acquire();
  record.id = ++handle_counter_;
  record.callback.move_into_empty(std::move(callback));
  record.state = HandleRecord::State::ready;
  ready_.push_back(ReadyEntry{&record});
  return record;
}

HandleRecord& LoopCore::schedule_soon_labelled(InlineFunction<void()>&& callback, SourceLocation site) {
  HandleRecord& record = new_record(site, nullptr);
  record.callback.move_into_empty(std::move(callback));
  make_ready(record);
  return record;
}

void LoopCore::schedule_step(TaskCore& task, SourceLocation site) {
  // No record and no callback (see ReadyEntry): run_ready calls the task's
  // step() directly, which saves taking a record from the pool and giving it
  // back, and building, moving and destroying a callback, per step.
  ensure_open();
  const std::uint64_t id = ++handle_counter_;
  ready_.push_back(ReadyEntry{nullptr, &task, task.frame_address(), id});
  task.step_scheduled(labelling());
  if (labelling()) {
    task.step_labels() = TaskCore::StepLabels{current_cause_, site};
    if (observed()) emit_step_event<EventKind::call_soon>(task, id);
  }
}

[[gnu::always_inline]] inline void LoopCore::make_ready(HandleRecord& record) {
  record.state = HandleRecord::State::ready;
  ready_.push_back(ReadyEntry{&record});
  if (observed()) emit_handle_event<EventKind::call_soon>(record);
}

TimerHandle LoopCore::call_at(std::chrono::nanoseconds when, InlineFunction<void()>&& callback,
                              SourceLocation site, TaskCore* task) {
  HandleRecord& record = new_record(site, task);
  record.callback.move_into_empty(std::move(callback));
  record.state = HandleRecord::State::timer;
  timers_.push(TimerEntry{when, ++timer_sequence_, &record});
  // Tagged: a decision's word has its top bit clear, so a deadline never
  // folds as a decision does.
  fold_into_schedule(static_cast<std::uint64_t>(when.count()) | deadline_tag);
  if (observed()) emit_handle_event<EventKind::timer_scheduled>(record, 0, 0, when);
  return TimerHandle(Handle(this, &record, record.generation, record.id), when);
}

// Defined here, not in event_loop.cpp, so that LoopCore::call_soon/call_at
// inline into them: a public call_soon is one call, not two.
Handle loop_call_soon(LoopCore& loop, InlineFunction<void()>&& callback, SourceLocation site) {
  return loop.call_soon(std::move(callback), site);
}

TimerHandle loop_call_at(LoopCore& loop, std::chrono::nanoseconds when, InlineFunction<void()>&& callback,
                         SourceLocation site) {
  return loop.call_at(when, std::move(callback), site);
}

bool LoopCore::is_pending(const HandleRecord& record, std::uint32_t generation) const noexcept {
  return record.generation == generation &&
         (record.state == HandleRecord::State::ready || record.state == HandleRecord::State::due ||
          record.state == HandleRecord::State::timer) &&
         !record.cancelled;
}

void LoopCore::cancel(HandleRecord& record, std::uint32_t generation) noexcept {
  if (!is_pending(record, generation)) return;
  if (observed()) emit_handle_event<EventKind::handle_cancelled>(record);
  if (record.state == HandleRecord::State::ready || record.state == HandleRecord::State::due) {
    // Removed at once, so the scheduler never spends a decision on it.
    bool erased = ready_.erase(&record);
    DETSIM_ASSERT(erased);
    // asyncio leaves a cancelled handle in the queue, where it still uses up
    // one of the iteration's ntodo slots. Do the same, or a callback
    // scheduled during this iteration would take its slot and run early.
    if (record.id <= iteration_last_handle_id_ && iteration_remaining_ > 0) --iteration_remaining_;
    release(record);
    return;
  }
  DETSIM_ASSERT(record.state == HandleRecord::State::timer);
  record.cancelled = true;
  ++cancelled_timers_;
  DETSIM_ASSERT_LE(cancelled_timers_, timers_.size());  // each is still in the heap, at its deadline's place
  if (cancelled_timers_ >= cancelled_timers_compaction_minimum && cancelled_timers_ * 2 > timers_.size()) {
    const std::size_t removed = timers_.remove_if([this](const TimerEntry& entry) {
      if (!entry.record->cancelled) return false;
      release(*entry.record);
      return true;
    });
    DETSIM_ASSERT_EQ(removed, cancelled_timers_);
    cancelled_timers_ = 0;
  }
}

void LoopCore::release(HandleRecord& record) noexcept { pool_.release(record); }

// ---- running ----------------------------------------------------------------

void LoopCore::check_can_run() const {
  ensure_open();
  if (running_) throw RuntimeError("detsim.loop.already_running", "This event loop is already running");
  if (running_loop_slot() != nullptr) {
    throw RuntimeError("detsim.loop.another_running", "Cannot run the event loop while another loop is running");
  }
}

void LoopCore::run_forever() {
  check_can_run();
  RunningScope scope(*this);
  if (observed()) {
    report(Event{.kind = EventKind::loop_run});
  }
  for (;;) {
    throw_if_halted();
    run_once();
    if (stopping_) break;
  }
  throw_if_halted();
  if (observed()) {
    report(Event{.kind = EventKind::loop_stop});
  }
}

void LoopCore::run_until_idle() {
  stop_when_idle_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{stop_when_idle_};
  run_forever();
}

std::uint64_t LoopCore::schedule_digest() const noexcept {
  // The decisions' chain, then the steps run and the virtual time (a run
  // whose program went another way with the same decisions, as a leak of
  // static state can make it, usually differs in them), then a finalizer
  // (SplitMix64's) so that every input bit reaches every output bit.
  const std::uint64_t chained = chain_word(decision_hash_, callbacks_run_);
  return splitmix64_finalize(chain_word(chained, static_cast<std::uint64_t>(now_.count())));
}

void LoopCore::run_once() {
  if (ready_.empty() && !stopping_) {
    if (stop_when_idle_) {
      discard_cancelled_timers_at_top();
      if (timers_.empty()) {
        stopping_ = true;
        return;
      }
    }
    advance_clock_to_next_timer();
  }
  if (timer_due()) move_due_timers();
  // As asyncio: run only what was ready when the iteration began (callbacks
  // scheduled meanwhile wait for the next one), but let the scheduler choose
  // among everything ready at each pick.
  iteration_remaining_ = ready_.size();
  iteration_last_handle_id_ = handle_counter_;
  while (iteration_remaining_ > 0 && !ready_.empty()) {
    if (callbacks_run_ == limits_.max_callbacks && limits_.max_callbacks != 0) [[unlikely]] {
      throw BudgetExceededError("detsim.loop.budget", "the run reached " + std::to_string(limits_.max_callbacks) +
                                                          " callbacks and steps (LoopLimits::max_callbacks)");
    }
    --iteration_remaining_;
    const std::size_t count = ready_.size();
    std::size_t choice = 0;
    if (count > 1) {
      // FifoScheduler always answers 0: skip the virtual call.
      if (!fifo_) choice = pick(count);
      DETSIM_ASSERT_LT(choice, count);
      fold_into_schedule((static_cast<std::uint64_t>(count) << 32) | static_cast<std::uint64_t>(choice));
    }
    const ReadyEntry entry = ready_.take(choice);
    // With few callbacks ready everything is in cache and prefetching would
    // only cost instructions.
    if (count > prefetch_minimum_ready) {
      entry.prefetch();
      prefetch_next_pick(count);
    }
    if (entry.is_step() || observed()) {
      run_ready(entry.record, entry.task, entry.step_id, static_cast<std::uint32_t>(choice),
                static_cast<std::uint32_t>(count));
    } else {
      run_unobserved_callback(*entry.record);
    }
    if (halt_error_) [[unlikely]] throw_if_halted();
  }
  iteration_remaining_ = 0;
  iteration_last_handle_id_ = 0;
}

// Starts loading the callbacks the loop will probably run a few picks from
// now, so that their cache misses overlap with running the ones before.
// FIFO order runs the front next, so a few entries behind the front. Another
// scheduler is asked what it will pick prefetch_distance picks ahead,
// assuming the ready count stays `count` (each callback schedules one more,
// as a task step that awaits again does); the queue slot holding that entry
// is loaded twice as far ahead. Taking index i > 0 leaves the other entries
// where they are, so that index still names the entry then; taking 0 shifts
// them all, so a guess of 0 (a replay of a FIFO run, say) and a scheduler
// that cannot tell get FIFO's guess. Only guesses: nothing is decided here.
void LoopCore::prefetch_next_pick(std::size_t count) const noexcept {
  if (!fifo_) {
    const std::size_t guess = peek(count, prefetch_distance - 1);
    if (guess != Scheduler::npos && guess != 0) {
      if (guess < ready_.size()) ready_.at(guess).prefetch();
      const std::size_t later_guess = peek(count, 2 * prefetch_distance - 1);
      if (later_guess < ready_.size()) __builtin_prefetch(&ready_.at(later_guess));
      return;
    }
  }
  ready_.at(prefetch_distance).prefetch();
}

Candidate LoopCore::describe_ready(const void* ready_queue, std::size_t index) noexcept {
  const ReadyEntry& entry = static_cast<const ReadyQueue*>(ready_queue)->at(index);
  if (entry.is_step()) {
    const TaskCore& task = *entry.task;
    // (Labelled when scheduled: describe_ready is only used while labelling.)
    const SourceLocation site =
        task.step_state() == TaskCore::StepState::labelled ? task.step_labels().site : SourceLocation{};
    return Candidate{.task = task.task_id(), .kind = CandidateKind::step, .site = site};
  }
  HandleRecord& record = *entry.record;
  const CandidateKind kind = record.state == HandleRecord::State::due ? CandidateKind::timer : CandidateKind::callback;
  if (!record.labelled) return Candidate{.task = Candidate::no_task, .kind = kind, .site = {}};
  const HandleLabels& labels = HandlePool::labels(record);
  return Candidate{.task = labels.task ? labels.task->task_id() : Candidate::no_task, .kind = kind, .site = labels.site};
}

void LoopCore::throw_if_halted() {
  if (!halt_error_) return;
  std::exception_ptr error = std::move(halt_error_);
  halt_error_ = nullptr;
  std::rethrow_exception(error);
}

template <class Run>
inline void LoopCore::run_caused_by(std::uint64_t seq, std::uint64_t handle, Run&& run) {
  const std::uint64_t previous_cause = exchange_cause(seq);
  try {
    run();
  } catch (...) {
    report_callback_exception(handle);
  }
  current_cause_ = previous_cause;
}

inline void LoopCore::run_step(TaskCore& task, std::uint64_t id, std::uint32_t choice, std::uint32_t of) {
  std::uint64_t seq = 0;
  if (observed()) {
    emit_step_event<EventKind::step>(task, id, choice, of);
    seq = event_counter_;
  }
  run_caused_by(seq, id, [&task] { task.step(); });
}

void LoopCore::run_ready(HandleRecord* callback, TaskCore* task, std::uint64_t step_id, std::uint32_t choice,
                         std::uint32_t of) {
  ++callbacks_run_;
  if (callback == nullptr) {
    run_step(*task, step_id, choice, of);
    return;
  }
  HandleRecord& record = *callback;
  DETSIM_ASSERT(record.state == HandleRecord::State::ready || record.state == HandleRecord::State::due);
  record.state = HandleRecord::State::running;
  std::uint64_t seq = 0;
  if (observed()) {
    emit_handle_event<EventKind::callback>(record, choice, of);
    seq = event_counter_;
  }
  run_caused_by(seq, record.id, [&record] { record.callback(); });
  release(record);
}

void LoopCore::run_unobserved_callback(HandleRecord& record) {
  ++callbacks_run_;
  DETSIM_ASSERT(record.state == HandleRecord::State::ready || record.state == HandleRecord::State::due);
  record.state = HandleRecord::State::running;
  run_caused_by(0, record.id, [&record] { record.callback(); });
  release(record);
}

void LoopCore::report_callback_exception(std::uint64_t handle) {
  ExceptionContext context;
  context.message = "Exception in callback";
  context.exception = std::current_exception();
  context.handle = handle;
  call_exception_handler(context);
}

void LoopCore::discard_cancelled_timers_at_top() noexcept {
  // Without cancelled timers there is nothing to discard, and no reason to
  // touch the top record (with 1M timers pending, a cache miss).
  if (cancelled_timers_ == 0) return;
  while (!timers_.empty() && timers_.top().record->cancelled) {
    HandleRecord* record = timers_.pop().record;
    DETSIM_ASSERT(cancelled_timers_ != 0);
    --cancelled_timers_;
    release(*record);
  }
}

void LoopCore::advance_clock_to_next_timer() {
  discard_cancelled_timers_at_top();
  if (timers_.empty()) throw_deadlock();
  const std::chrono::nanoseconds when = timers_.top().when;
  if (when <= now_) return;
  if (limits_.max_virtual_time.count() != 0 && when > limits_.max_virtual_time) {
    throw BudgetExceededError("detsim.loop.budget", "the next timer is due past the virtual time limit (" +
                                                        std::to_string(limits_.max_virtual_time.count()) +
                                                        " ns, LoopLimits::max_virtual_time)");
  }
  now_ = when;
  if (observed()) {
    report(Event{.kind = EventKind::clock_advanced});
  }
}

void LoopCore::move_due_timers() {
  while (timer_due()) {
    const TimerEntry due = timers_.pop();
    HandleRecord* record = due.record;
    // The new top's record is needed next (this iteration or the next one)
    // and, with many timers pending, is cold: start loading it now, so the
    // miss overlaps with running the callbacks in between.
    if (!timers_.empty()) __builtin_prefetch(timers_.top().record);
    DETSIM_ASSERT(record->state == HandleRecord::State::timer);  // a timer's record, not reused while in the heap
    if (record->cancelled) {
      DETSIM_ASSERT(cancelled_timers_ != 0);
      --cancelled_timers_;
      release(*record);
      continue;
    }
    record->state = HandleRecord::State::due;
    ready_.push_back(ReadyEntry{record});
    if (observed()) emit_handle_event<EventKind::timer_due>(*record, 0, 0, due.when);
  }
}

void LoopCore::throw_deadlock() const {
  // Every blocked task by name, with what it waits on by name (wait_target.hpp),
  // then the wait-for cycle if there is one: all in task-id order.
  std::string message = "nothing is ready and no timer is pending, so virtual time can never advance";
  if (live_first_) message += "; blocked tasks:" + describe_blocked_tasks(*this);
  const std::vector<WaitStep> cycle = find_wait_cycle(*this);
  if (!cycle.empty()) message += "\nwait-for cycle: " + describe_cycle(cycle);
  throw DeadlockError("detsim.loop.deadlock", message);
}

void LoopCore::run_until_done(FutureStateBase& future) {
  check_can_run();
  if (TaskCore* task = future.task(); task && !task->started()) {
    task->start(*this, {}, SourceLocation{});
  } else if (future.loop() != this) {
    throw WrongLoopError("detsim.loop.wrong_future",
                         "The future belongs to a different loop than the one specified as the loop argument");
  }
  const std::uint64_t stop_callback = future.add_done_callback(
      [this](FutureStateBase&) { stop(); }, SourceLocation{});
  struct RemoveStopCallback {
    FutureStateBase& future;
    std::uint64_t id;
    ~RemoveStopCallback() { future.remove_done_callback(id); }
  } remove_stop_callback{future, stop_callback};
  leaked_.clear();
  run_forever();
  if (!future.done()) throw RuntimeError("detsim.loop.stopped", "Event loop stopped before Future completed.");
  note_leaked_tasks();
}

void LoopCore::note_leaked_tasks() {
  if (live_first_ == nullptr) return;
  for (const BlockedTask& blocked : blocked_tasks(*this)) {
    leaked_.push_back(LeakedTask{blocked.task->task_id(), blocked.task->name(), blocked.waits_on});
    if (!observed()) continue;
    const PrimitiveTrace* primitive = blocked.target ? blocked.target->primitive_trace() : nullptr;
    if (primitive != nullptr) primitive->id_on(owner_);  // its id here, if it was never reported here
    report(Event{.kind = EventKind::task_leaked,
                 .cause = current_cause_,
                 .task = blocked.task->task_id(),
                 .name = blocked.task->name(),
                 .detail = blocked.waits_on,
                 .site = blocked.site,
                 .primitive = primitive});
  }
}

void LoopCore::close() {
  if (running_) throw RuntimeError("detsim.loop.close_running", "Cannot close a running event loop");
  if (closed_) return;
  if (observed()) {
    report(Event{.kind = EventKind::loop_close});
  }
  closed_ = true;
  ready_.for_each([this](const ReadyEntry& entry) {
    if (!entry.is_step()) release(*entry.record);
  });
  ready_.clear();
  timers_.for_each([this](const TimerEntry& entry) { release(*entry.record); });
  timers_.clear();
  cancelled_timers_ = 0;
  teardown_tasks();
  while (!unretrieved_.empty()) unretrieved_.front()->report_unretrieved();
}

// ---- tasks and futures --------------------------------------------------------

void LoopCore::add_live_task(TaskCore& task) noexcept {
  task.future().add_reference();  // the loop keeps a scheduled task alive until it ends
  task.live_previous = live_last_;
  task.live_next = nullptr;
  (live_last_ ? live_last_->live_next : live_first_) = &task;
  live_last_ = &task;
}

void LoopCore::remove_live_task(TaskCore& task) noexcept {
  (task.live_previous ? task.live_previous->live_next : live_first_) = task.live_next;
  (task.live_next ? task.live_next->live_previous : live_last_) = task.live_previous;
  task.live_previous = task.live_next = nullptr;
  task.future().release_reference();
}

void LoopCore::teardown_tasks() noexcept {
  // Newest first, as a stack unwinds: a task usually borrows state from the
  // task that created it (a Lock or an account in the parent's frame), so
  // the borrower must go before the lender, or its guards would release into
  // freed memory. The order is the creation order reversed, so teardown is as
  // deterministic as the run. Destroying a frame destroys its locals, which
  // may drop the last reference to other tasks; the list's own reference
  // keeps each task alive until its turn.
  while (TaskCore* task = live_last_) {
    task->future().add_reference();
    remove_live_task(*task);
    task->abandon();
    task->future().release_reference();
  }
}

void LoopCore::add_unretrieved(FutureStateBase& future) { unretrieved_.push_back(&future); }

void LoopCore::remove_unretrieved(FutureStateBase& future) noexcept { std::erase(unretrieved_, &future); }

// ---- observers and exceptions -------------------------------------------------

void LoopCore::start_observing() {
  if (observed_) return;
  observed_ = true;
  labelling_ = true;
  // Unobserved, records and steps were scheduled without labels (unless the
  // scheduler reads candidates): label every pending one now, with what is
  // still known. Steps know their task; pending callbacks' and timers' task,
  // site and cause are lost.
  ready_.for_each([](const ReadyEntry& entry) {
    if (entry.is_step()) {
      if (entry.task->step_state() == TaskCore::StepState::unlabelled) entry.task->label_step({});
    } else if (!entry.record->labelled) {
      HandlePool::label(*entry.record, HandleLabels{0, nullptr, {}});
    }
  });
  timers_.for_each([](const TimerEntry& entry) {
    if (!entry.record->labelled) HandlePool::label(*entry.record, HandleLabels{0, nullptr, {}});
  });
}

void LoopCore::add_observer(LoopObserver& observer) {
  start_observing();
  const std::uint32_t kinds = observer.event_kinds();
  observers_.push_back(ObserverEntry{&observer, kinds});
  observed_kinds_ |= kinds;
}

bool LoopCore::attach_recording(Recording& recording, LoopObserver& owner) {
  if (recording_) return false;
  start_observing();
  recording_ = &recording;
  recording_owner_ = &owner;
  return true;
}

void LoopCore::remove_observer(LoopObserver& observer) noexcept {
  if (&observer == recording_owner_) {
    recording_ = nullptr;
    recording_owner_ = nullptr;
  }
  if (notifying_) {
    // Removed while the observers are being told of an event (a recorder
    // finished from an observer): erasing would shift the next one out of
    // its turn. Blank the entry; notify_observers drops it afterwards.
    for (ObserverEntry& entry : observers_) {
      if (entry.observer == &observer) entry.observer = nullptr;
    }
    observers_blanked_ = true;
  } else {
    std::erase_if(observers_, [&observer](const ObserverEntry& entry) { return entry.observer == &observer; });
  }
  observed_kinds_ = 0;
  for (const ObserverEntry& entry : observers_) {
    if (entry.observer) observed_kinds_ |= entry.kinds;
  }
  observed_ = recording_ || std::any_of(observers_.begin(), observers_.end(),
                                        [](const ObserverEntry& entry) { return entry.observer != nullptr; });
  labelling_ = observed_ || candidates_ != nullptr;
}

void LoopCore::notify_observers(const Event& event) {
  const bool nested = std::exchange(notifying_, true);
  // By index: an observer may add another while being told of an event.
  const std::uint32_t bit = event_kind_bit(event.kind);
  for (std::size_t i = 0; i < observers_.size(); ++i) {
    if (observers_[i].observer && (observers_[i].kinds & bit)) observers_[i].observer->on_event(event);
  }
  notifying_ = nested;
  if (!nested && observers_blanked_) {
    std::erase_if(observers_, [](const ObserverEntry& entry) { return entry.observer == nullptr; });
    observers_blanked_ = false;
  }
}

void LoopCore::call_exception_handler(const ExceptionContext& context) noexcept {
  if (!exception_handler_) {
    default_exception_handler(context);
    return;
  }
  try {
    exception_handler_(context);
  } catch (...) {
    ExceptionContext failure;
    failure.message = "Unhandled error in exception handler";
    failure.exception = std::current_exception();
    default_exception_handler(failure);
    default_exception_handler(context);
  }
}

}  // namespace detsim::detail
