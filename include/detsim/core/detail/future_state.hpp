// The shared state behind Future<T> and Task<T> handles. Internal: users see
// it only through detsim/core/future.hpp and detsim/core/task.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detsim/base/detail/inline_function.hpp"
#include "detsim/base/detail/intrusive_ptr.hpp"
#include "detsim/base/source_location.hpp"
#include "detsim/memory/state_pool.hpp"

namespace detsim {
class WaitTarget;
}

namespace detsim::detail {

class LoopCore;
class TaskCore;

// Reports the running task's wait on `target` to the running loop's trace,
// if the target shows there (primitive_trace.cpp).
void report_wait(const WaitTarget& target, SourceLocation site);

// Lets futures outlive their loop: the loop nulls `core` when it is destroyed,
// so a late set_result finds no loop instead of a dangling one.
struct LoopAnchor {
  LoopCore* core = nullptr;
  std::uint32_t references = 0;
  void add_reference() noexcept { ++references; }
  void release_reference() noexcept {
    if (--references == 0) delete this;
  }
};

class FutureStateBase;
using DoneFunction = InlineFunction<void(FutureStateBase&)>;

class FutureStateBase {
 public:
  enum class Status : std::uint8_t { pending, finished, cancelled };

  FutureStateBase() = default;
  FutureStateBase(const FutureStateBase&) = delete;
  FutureStateBase& operator=(const FutureStateBase&) = delete;
  // Inline, with its members' destructors: a ping-pong destroys a future
  // per step.
  virtual ~FutureStateBase() {
    if (exception_unretrieved_) [[unlikely]] report_unretrieved();
  }

  void add_reference() noexcept { ++references_; }
  void release_reference() noexcept {
    if (--references_ == 0) delete this;
  }

  // Future and task states are created at the rate of messages (a ping-pong
  // makes a new future per turn), so their memory is recycled through
  // per-thread free lists, one per size class, instead of a malloc and free
  // each. Over-aligned states use the global allocator.
  static void* operator new(std::size_t size) { return allocate_pooled(size); }
  static void operator delete(void* block, std::size_t size) noexcept { deallocate_pooled(block, size); }
  static void* operator new(std::size_t size, std::align_val_t alignment) {
    return ::operator new(size, alignment);
  }
  // (Unsized: clang provides the sized global form only with
  // -fsized-deallocation.)
  static void operator delete(void* block, std::size_t, std::align_val_t alignment) noexcept {
    ::operator delete(block, alignment);
  }

  // Binds the state to a loop: gives it the loop's anchor and the next future
  // id. Called once, by create_future (announce: a future_created event) or
  // when a task is first scheduled (which announces itself).
  void attach(LoopCore& loop, SourceLocation site, bool announce);

  // Reports a set exception that nobody retrieved to the loop's exception
  // handler (or stderr without a loop), once.
  void report_unretrieved() noexcept;

  bool done() const noexcept { return status_ != Status::pending; }
  bool cancelled() const noexcept { return status_ == Status::cancelled; }
  std::uint64_t id() const noexcept { return id_; }
  LoopCore* loop() const noexcept { return anchor_ ? anchor_->core : nullptr; }
  TaskCore* task() const noexcept { return task_; }

  // Throws InvalidStateError if pending, CancelledError if cancelled, or the
  // stored exception. Marks the exception as retrieved. (Inline test, so
  // that a co_await of a future with a value costs no call.)
  void check_result() {
    if (status_ != Status::finished || exception_) [[unlikely]] check_result_slow();
  }
  // The stored exception (null if none). InvalidStateError if pending,
  // CancelledError if cancelled. Marks it as retrieved.
  std::exception_ptr exception();
  void set_exception(std::exception_ptr exception, SourceLocation site);
  // asyncio's cancel(): false if already done. For a task, requests the
  // coroutine's cancellation instead (see Task::cancel).
  bool cancel(std::string_view message, SourceLocation site);
  const std::string& cancel_message() const noexcept;
  // What the future stands for (a Lock's waiter: the Lock), for deadlock
  // reports, and where the wait began (the primitive's caller); null for a
  // plain future. Kept in the rarely-used part, so plain futures pay
  // nothing.
  // A target that shows in traces (WaitTarget::primitive_trace) reports
  // the wait there (EventKind::wait).
  void set_wait_target(const WaitTarget* target, SourceLocation site) {
    if (!target && !rare_) return;
    rare().wait_target = target;
    rare_->wait_target_site = site;
    if (target) report_wait(*target, site);
  }
  const WaitTarget* wait_target() const noexcept { return rare_ ? rare_->wait_target : nullptr; }
  SourceLocation wait_target_site() const noexcept { return rare_ ? rare_->wait_target_site : SourceLocation{}; }

  std::uint64_t add_done_callback(DoneFunction&& function, SourceLocation site);
  // The same for a callable not yet wrapped: in the common case (a pending
  // future with no callback yet, a task about to await it) it is built in
  // the inline slot directly.
  template <class F>
  std::uint64_t add_done_callback_in_place(F&& function, SourceLocation site) {
    if (status_ == Status::pending && !first_callback_.function && !rare_) [[likely]] {
      first_callback_.function.emplace_into_empty(std::forward<F>(function));
      first_callback_.id = next_callback_id_;
      return next_callback_id_++;
    }
    return add_done_callback(DoneFunction(std::forward<F>(function)), site);
  }
  std::size_t remove_done_callback(std::uint64_t callback_id) noexcept;

  // For futures that, like asyncio's _GatheringFuture, answer cancel() in
  // their own way (cancel what they stand for, and complete later): while
  // the future is pending, cancel() -- by a user, or by the cancellation of a
  // task awaiting it -- calls `handler` instead of cancelling, and returns
  // what it returns. Not for tasks.
  void set_cancel_handler(std::function<bool(std::string_view message, SourceLocation site)> handler);

  // For TaskCore: complete the future, bypassing the checks that keep users
  // from completing a task by hand.
  bool cancel_as_future(std::string_view message, SourceLocation site);
  void fail(std::exception_ptr exception, SourceLocation site);

 protected:
  // Throws InvalidStateError naming `operation` unless pending. (The tests
  // are inline and the throws out of line: set_result runs both per message.)
  void ensure_pending(const char* operation) const {
    if (status_ != Status::pending) [[unlikely]] throw_not_pending(operation);
  }
  // Throws RuntimeError if this is a task: tasks complete from their coroutine.
  void ensure_not_task(const char* operation) const {
    if (task_) [[unlikely]] throw_is_task(operation);
  }
  // Marks the value as set and runs the done callbacks.
  void finish_with_result(SourceLocation site);
  void set_task(TaskCore* task) noexcept { task_ = task; }

  friend class TaskCore;

 private:
  void check_result_slow();
  // The exception counts as retrieved: it will not be reported. By result(),
  // exception() and, as in asyncio, cancel() (even of a done future).
  void mark_retrieved() noexcept;
  [[noreturn]] void throw_not_pending(const char* operation) const;
  [[noreturn]] void throw_is_task(const char* operation) const;

  struct DoneCallback {
    DoneFunction function;
    std::uint64_t id = 0;
  };
  void complete(Status status, SourceLocation site);
  // complete() for an observed loop, out of line so that unobserved runs do
  // not carry its events.
  [[gnu::noinline]] void complete_observed(LoopCore& loop, SourceLocation site);
  // The rare path of complete(): several callbacks. Restores the cause (for
  // an observed loop) before destroying them.
  [[gnu::noinline]] void run_callbacks_taken_out(LoopCore* observed_loop, std::uint64_t previous_cause);
  // The observed-only events (set_result / set_exception / cancel, a done
  // callback, future_created), on paths that unobserved runs do not take.
  // The first two return the cause in effect before them, to restore once
  // the callbacks have run.
  [[gnu::always_inline]] std::uint64_t announce_completion(LoopCore& loop, SourceLocation site);
  [[gnu::always_inline]] std::uint64_t announce_done_callback(LoopCore& loop, bool immediate);
  [[gnu::noinline]] void announce_creation(LoopCore& loop, SourceLocation site);
  // Runs a done callback, announced first if `loop` (this future's, or null)
  // is observed. Inline: the set_result and done_callback events of a
  // wake-up are then reported from one function, complete_observed, not
  // three.
  [[gnu::always_inline]] void invoke_done_callback(DoneFunction& function, bool immediate, LoopCore* loop);
  // Sets the loop's cause back to `cause` once callbacks have run, if the
  // loop still exists.
  [[gnu::always_inline]] void restore_cause(std::uint64_t cause) noexcept;
  // Runs it, unannounced: an exception it throws goes to the exception
  // handler, as in asyncio.
  void run_done_callback(DoneFunction& function);
  // (Not noexcept: if reporting throws, bad_alloc say, that propagates out
  // of the completion, as it did when this was written inline.)
  [[gnu::noinline, gnu::cold]] void report_done_callback_exception();

  std::uint32_t references_ = 0;
  Status status_ = Status::pending;
  bool exception_unretrieved_ = false;
  std::uint64_t id_ = 0;
  std::uint64_t next_callback_id_ = 1;
  IntrusivePtr<LoopAnchor> anchor_;
  TaskCore* task_ = nullptr;
  std::exception_ptr exception_;
  // What few futures need, allocated on first use: a future is then 128
  // bytes (two cache lines) instead of 192, and its destructor has no string
  // or vector to destroy. (Before first_callback_, which is 16-aligned.)
  struct Rare {
    std::string cancel_message;
    std::vector<DoneCallback> more_callbacks;
    std::function<bool(std::string_view, SourceLocation)> cancel_handler;
    const WaitTarget* wait_target = nullptr;
    SourceLocation wait_target_site{};
  };
  Rare& rare() {
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
  }
  bool has_more_callbacks() const noexcept { return rare_ && !rare_->more_callbacks.empty(); }
  std::unique_ptr<Rare> rare_;
  // Most futures have at most one callback (the task awaiting them), so the
  // first lives inline and only further ones touch the heap.
  DoneCallback first_callback_;

  friend class LoopCore;
};

template <class T>
class FutureState : public FutureStateBase {
 public:
  template <class U>
  void set_result(U&& value, SourceLocation site) {
    ensure_not_task("set_result");
    ensure_pending("set_result");
    value_.emplace(std::forward<U>(value));
    finish_with_result(site);
  }
  // For tasks: the coroutine's co_return value, published when the task ends.
  template <class U>
  void store_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }
  const T& result() {
    check_result();
    return *value_;
  }
  // What co_await and run_until_complete hand out: a copy, or for move-only
  // types the value itself (such a future can be awaited once).
  T take_result() {
    check_result();
    if constexpr (std::is_copy_constructible_v<T>) {
      return *value_;
    } else {
      return std::move(*value_);
    }
  }

 private:
  std::optional<T> value_;
};

template <>
class FutureState<void> : public FutureStateBase {
 public:
  void set_result(SourceLocation site) {
    ensure_not_task("set_result");
    ensure_pending("set_result");
    finish_with_result(site);
  }
  void result() { check_result(); }
  void take_result() { check_result(); }
};

}  // namespace detsim::detail
