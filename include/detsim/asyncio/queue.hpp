// detsim::asyncio::Queue, LifoQueue and PriorityQueue: queues between
// producer and consumer tasks, as asyncio's (CPython 3.11), plus Python
// 3.13's shutdown().
//
//   detsim::asyncio::Queue<int> jobs(2, "jobs");   // at most 2 items
//   detsim::Task<void> producer() { for (int i = 0; i < 5; ++i) co_await jobs.put(i); }
//   detsim::Task<void> consumer() {
//     for (;;) { int job = co_await jobs.get(); work(job); jobs.task_done(); }
//   }
//   ... co_await jobs.join();   // every item put has been task_done()
//
// Semantics (asyncio's):
//   - maxsize <= 0 means unbounded. put() waits while full(), get() while
//     empty(); each returns at once, with no scheduling point, when it can.
//     put_nowait() throws QueueFull ("detsim.queue.full"), get_nowait()
//     QueueEmpty ("detsim.queue.empty").
//   - Each put wakes the first waiting getter, each get the first waiting
//     putter (first come, first served; the woken task re-checks when its
//     step runs, and a task arriving in between may take the item: asyncio
//     does not hand items over).
//   - A waiter cancelled after it was woken, with the queue still able to
//     serve, passes the wake-up on to the next waiter; so a cancellation
//     loses no item and strands no waiter. A cancelled get() takes no item,
//     a cancelled put() adds none.
//   - task_done() counts an item processed; join() waits until every item
//     put has been; task_done() more often than items were put is a
//     ValueError ("detsim.queue.task_done").
//   - shutdown(immediate) (ours: Python 3.13's semantics, absent from 3.11):
//     later puts throw QueueShutDown ("detsim.queue.shut_down"), and so do
//     gets once the queue is empty; every waiting getter and putter is woken
//     to see it. With immediate, the items left are dropped (each counted
//     as task_done, releasing join()).
//   - LifoQueue takes the newest item first. PriorityQueue takes the least
//     by `operator<` (or Compare) first: T must be a strict weak order. Items
//     that compare equal come out in insertion order (a counter breaks ties;
//     Python's heapq would compare the next element of the tuple instead).
//
// Introspection: waiting_getters() / waiting_putters() (woken ones stay
// listed until their step), waiting_tasks() both, then join()'s waiters.
//
// In the trace (detsim/core/primitive_trace.hpp): put, get, a blocked put's
// or get's wait, the wake of the getter (putter) a put (get) serves, caused
// by it, and shutdown as a notify.
//
// Determinism: no decision is made here; each wake-up goes through the loop.
// The priority order depends only on the items and their insertion order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "detsim/asyncio/detail/waiters.hpp"
#include "detsim/asyncio/event.hpp"
#include "detsim/asyncio/task_info.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim::asyncio {

namespace detail {

template <class T>
class FifoItems {
 public:
  void push(T item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  std::size_t size() const noexcept { return items_.size(); }

 private:
  std::deque<T> items_;
};

template <class T>
class LifoItems {
 public:
  void push(T item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }
  std::size_t size() const noexcept { return items_.size(); }

 private:
  std::vector<T> items_;
};

// A binary heap over a vector (std::push_heap/pop_heap, as
// std::priority_queue), least first, ties in insertion order.
template <class T, class Compare>
class PriorityItems {
 public:
  void push(T item) {
    heap_.push_back(Entry{std::move(item), next_sequence_++});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  T pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    T item = std::move(heap_.back().item);
    heap_.pop_back();
    return item;
  }
  std::size_t size() const noexcept { return heap_.size(); }

 private:
  struct Entry {
    T item;
    std::uint64_t sequence;
  };
  // "a comes out after b": the heap's top is the entry no other precedes.
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      Compare less;
      if (less(b.item, a.item)) return true;
      if (less(a.item, b.item)) return false;
      return a.sequence > b.sequence;
    }
  };
  std::vector<Entry> heap_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace detail

template <class T, class Items>
class BasicQueue : public WaitTarget {
 public:
  explicit BasicQueue(std::int64_t maxsize = 0, std::string name = {}, const char* kind = "Queue")
      : name_(std::move(name)), kind_(kind), trace_(kind, name_), maxsize_(maxsize), finished_(name_) {
    finished_.set();
  }
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  std::size_t qsize() const noexcept { return items_.size(); }
  std::int64_t maxsize() const noexcept { return maxsize_; }
  bool empty() const noexcept { return items_.size() == 0; }
  bool full() const noexcept {
    return maxsize_ > 0 && items_.size() >= static_cast<std::size_t>(maxsize_);
  }
  bool is_shut_down() const noexcept { return shut_down_; }
  std::size_t unfinished_tasks() const noexcept { return unfinished_tasks_; }

  // WaitTarget: "Queue 'jobs' (empty)" (what a blocked get() waits on) or
  // "(full)" (a blocked put()), in deadlock reports.
  std::string describe() const override {
    return detail::describe(kind_, name_) + (empty() ? " (empty)" : full() ? " (full)" : "");
  }
  const PrimitiveTrace* primitive_trace() const override { return &trace_; }

  // Waits while the queue is full, then puts `item`.
  Coroutine<void> put(T item) {
    while (full()) {
      if (shut_down_) throw_shut_down();
      Future<void> putter = putters_.add(binding_.loop(kind_, name_));
      putter.set_wait_target(this);  // "Queue 'jobs' (full)" in deadlock reports
      try {
        co_await putter;
      } catch (...) {
        putter.cancel();  // in case it is still pending
        putters_.remove(putter);
        // Woken by a get, then cancelled before our step: the free slot
        // goes to the next putter.
        if (!full() && !putter.cancelled()) putters_.pop_and_wake_first(trace_);
        throw;
      }
    }
    put_nowait(std::move(item));
  }

  void put_nowait(T item) {
    if (shut_down_) throw_shut_down();
    if (full()) throw QueueFull("detsim.queue.full", detail::describe(kind_, name_) + " is full");
    items_.push(std::move(item));
    ++unfinished_tasks_;
    finished_.clear();
    // The first getter's wake-up is caused by this put.
    const CausedBy cause(trace_.report(EventKind::put));
    getters_.pop_and_wake_first(trace_);
  }

  // Waits while the queue is empty, then takes an item.
  Coroutine<T> get() {
    while (empty()) {
      if (shut_down_) throw_shut_down();
      Future<void> getter = getters_.add(binding_.loop(kind_, name_));
      getter.set_wait_target(this);  // "Queue 'jobs' (empty)" in deadlock reports
      try {
        co_await getter;
      } catch (...) {
        getter.cancel();
        getters_.remove(getter);
        // Woken by a put, then cancelled before our step: the item goes to
        // the next getter.
        if (!empty() && !getter.cancelled()) getters_.pop_and_wake_first(trace_);
        throw;
      }
    }
    co_return get_nowait();
  }

  T get_nowait() {
    if (empty()) {
      if (shut_down_) throw_shut_down();
      throw QueueEmpty("detsim.queue.empty", detail::describe(kind_, name_) + " is empty");
    }
    T item = items_.pop();
    // The first putter's wake-up is caused by this get.
    const CausedBy cause(trace_.report(EventKind::get));
    putters_.pop_and_wake_first(trace_);
    return item;
  }

  void task_done() {
    if (unfinished_tasks_ == 0) {
      throw ValueError("detsim.queue.task_done", detail::describe(kind_, name_) + ": task_done() called too many times");
    }
    if (--unfinished_tasks_ == 0) finished_.set();
  }

  // Waits until every item put has been task_done().
  Coroutine<void> join() {
    if (unfinished_tasks_ > 0) co_await finished_.wait();
  }

  // Python 3.13's Queue.shutdown (see the header comment).
  void shutdown(bool immediate = false) {
    shut_down_ = true;
    if (immediate) {
      while (!empty()) {
        (void)items_.pop();
        if (unfinished_tasks_ > 0) --unfinished_tasks_;
      }
      if (unfinished_tasks_ == 0) finished_.set();
    }
    const CausedBy cause(trace_.report(EventKind::notify, immediate ? "shutdown immediate" : "shutdown"));
    getters_.pop_and_wake_all(trace_);
    putters_.pop_and_wake_all(trace_);
  }

  const std::string& name() const noexcept { return name_; }
  std::vector<TaskInfo> waiting_getters() const { return getters_.tasks(); }
  std::vector<TaskInfo> waiting_putters() const { return putters_.tasks(); }
  std::vector<TaskInfo> waiting_tasks() const {
    std::vector<TaskInfo> tasks = getters_.tasks();
    for (TaskInfo& task : putters_.tasks()) tasks.push_back(std::move(task));
    for (TaskInfo& task : finished_.waiting_tasks()) tasks.push_back(std::move(task));
    return tasks;
  }

 private:
  [[noreturn]] void throw_shut_down() const {
    throw QueueShutDown("detsim.queue.shut_down", detail::describe(kind_, name_) + " is shut down");
  }

  std::string name_;
  const char* kind_;
  PrimitiveTrace trace_;
  std::int64_t maxsize_;
  Items items_;
  detail::Waiters getters_;
  detail::Waiters putters_;
  std::size_t unfinished_tasks_ = 0;
  Event finished_;
  bool shut_down_ = false;
  detail::LoopBinding binding_;
};

template <class T>
class Queue : public BasicQueue<T, detail::FifoItems<T>> {
 public:
  explicit Queue(std::int64_t maxsize = 0, std::string name = {})
      : BasicQueue<T, detail::FifoItems<T>>(maxsize, std::move(name), "Queue") {}
};

template <class T>
class LifoQueue : public BasicQueue<T, detail::LifoItems<T>> {
 public:
  explicit LifoQueue(std::int64_t maxsize = 0, std::string name = {})
      : BasicQueue<T, detail::LifoItems<T>>(maxsize, std::move(name), "LifoQueue") {}
};

template <class T, class Compare = std::less<T>>
class PriorityQueue : public BasicQueue<T, detail::PriorityItems<T, Compare>> {
 public:
  explicit PriorityQueue(std::int64_t maxsize = 0, std::string name = {})
      : BasicQueue<T, detail::PriorityItems<T, Compare>>(maxsize, std::move(name), "PriorityQueue") {}
};

}  // namespace detsim::asyncio
