#include "detsim/core/event_loop.hpp"

#include <cstdio>
#include <memory>
#include <vector>

#include "detsim/base/errors.hpp"
#include "core/loop_core.hpp"

namespace detsim {

EventLoop::EventLoop() : EventLoop(std::unique_ptr<Scheduler>{}) {}

EventLoop::EventLoop(std::unique_ptr<Scheduler> scheduler)
    : core_(std::make_unique<detail::LoopCore>(*this, std::move(scheduler))) {}

EventLoop::~EventLoop() = default;

// Every member of EventLoop is defined here; its scheduling entry points
// (detail::loop_call_soon, loop_call_at, attach_future) are LoopCore's.

std::chrono::nanoseconds EventLoop::now() const noexcept { return core_->now(); }

double EventLoop::time() const noexcept {
  return std::chrono::duration<double>(core_->now()).count();
}

void EventLoop::start_task(detail::TaskCore& task, std::string name, SourceLocation site) {
  task.start(*core_, std::move(name), site);
}

void EventLoop::run_until_done(detail::FutureStateBase& future) { core_->run_until_done(future); }
void EventLoop::run_forever() { core_->run_forever(); }
void EventLoop::run_until_idle() { core_->run_until_idle(); }
void EventLoop::stop() noexcept { core_->stop(); }
void EventLoop::halt(std::exception_ptr error) noexcept { core_->halt(std::move(error)); }

namespace detail {

std::size_t new_loop_extension_slot() noexcept {
  static std::size_t next_slot = 0;
  return next_slot++;
}

LoopExtension* loop_extension(EventLoop& loop, std::size_t slot) noexcept { return loop.core().extension(slot); }

LoopExtension* set_loop_extension(EventLoop& loop, std::size_t slot, std::unique_ptr<LoopExtension> extension) {
  return loop.core().set_extension(slot, std::move(extension));
}

}  // namespace detail
bool EventLoop::is_running() const noexcept { return core_->is_running(); }
bool EventLoop::is_closed() const noexcept { return core_->is_closed(); }
void EventLoop::close() { core_->close(); }
void EventLoop::renew(std::unique_ptr<Scheduler> scheduler) { core_->renew(std::move(scheduler)); }
bool EventLoop::renew_reseeded(std::uint64_t seed) { return core_->renew_reseeded(seed); }
Random& EventLoop::random() noexcept { return core_->random(); }
Scheduler& EventLoop::scheduler() noexcept { return core_->scheduler(); }
void EventLoop::set_debug(bool enabled) noexcept { core_->set_debug(enabled); }
bool EventLoop::get_debug() const noexcept { return core_->debug(); }
void EventLoop::set_limits(LoopLimits limits) noexcept { core_->set_limits(limits); }
void EventLoop::set_wait_cycle_halts(bool halts) noexcept { core_->set_wait_cycle_halts(halts); }
bool EventLoop::wait_cycle_halts() const noexcept { return core_->wait_cycle_halts(); }
std::uint64_t EventLoop::callbacks_run() const noexcept { return core_->callbacks_run(); }
std::uint64_t EventLoop::schedule_digest() const noexcept { return core_->schedule_digest(); }
const std::vector<LeakedTask>& EventLoop::leaked_tasks() const noexcept { return core_->leaked_tasks(); }
void EventLoop::add_observer(LoopObserver& observer) { core_->add_observer(observer); }
void EventLoop::remove_observer(LoopObserver& observer) noexcept { core_->remove_observer(observer); }
void EventLoop::set_exception_handler(ExceptionHandler handler) { core_->set_exception_handler(std::move(handler)); }
void EventLoop::call_exception_handler(const ExceptionContext& context) { core_->call_exception_handler(context); }
std::size_t EventLoop::ready_count() const noexcept { return core_->ready_count(); }
std::size_t EventLoop::timer_count() const noexcept { return core_->timer_count(); }

void default_exception_handler(const ExceptionContext& context) {
  std::string text = "detsim: " + context.message;
  if (!context.task_name.empty()) text += "\n  task: '" + context.task_name + "'";
  if (context.future != 0) text += "\n  future: " + std::to_string(context.future);
  if (context.handle != 0) text += "\n  handle: " + std::to_string(context.handle);
  if (context.exception) text += "\n  exception: " + describe(context.exception);
  std::fprintf(stderr, "%s\n", text.c_str());
}

// ---- per-thread loops, as asyncio's policy -------------------------------------

namespace {
struct ThreadLoops {
  EventLoop* current = nullptr;
  // asyncio's _set_called: whether set_event_loop was ever called in this
  // thread (creating a loop counts). Once it was, get_event_loop no longer
  // creates one: a program that cleared its loop gets an error, not a fresh
  // loop that silently runs apart from everything it scheduled.
  bool set_called = false;
  // Created by get_event_loop (at most once per thread, by the rule above).
  // Kept until the thread ends: a caller may still hold it after
  // set_event_loop changed the current loop.
  std::unique_ptr<EventLoop> owned;
};
ThreadLoops& thread_loops() {
  thread_local ThreadLoops loops;
  return loops;
}
}  // namespace

EventLoop& get_running_loop() {
  if (EventLoop* loop = detail::running_loop_slot()) return *loop;
  throw RuntimeError("detsim.loop.none_running", "no running event loop");
}

EventLoop& get_event_loop() {
  if (EventLoop* loop = detail::running_loop_slot()) return *loop;
  ThreadLoops& loops = thread_loops();
  if (!loops.current && !loops.set_called) {
    loops.owned = std::make_unique<EventLoop>();
    set_event_loop(loops.owned.get());
  }
  if (!loops.current) {
    throw RuntimeError("detsim.loop.none_current",
                       "There is no current event loop in this thread: set_event_loop(nullptr) cleared it, and "
                       "get_event_loop creates one only if set_event_loop was never called in the thread");
  }
  return *loops.current;
}

void set_event_loop(EventLoop* loop) noexcept {
  ThreadLoops& loops = thread_loops();
  loops.set_called = true;
  loops.current = loop;
}

std::unique_ptr<EventLoop> new_event_loop() { return std::make_unique<EventLoop>(); }

}  // namespace detsim
