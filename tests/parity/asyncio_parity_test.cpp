// Under FifoScheduler, detsim orders tasks and callbacks as asyncio does.
// Each program here is written twice: in C++ below and in Python in
// tests/parity/reference.py. reference.json holds what CPython's asyncio
// logged (re-checked by the asyncio_reference CTest); detsim must log the same.
#include <cstdint>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <detsim/asyncio.hpp>
#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
using Log = std::vector<std::string>;

detsim::Task<void> round_robin(Log& log) {
  auto worker = [&log](std::string name, int n) -> detsim::Task<void> {
    for (int i = 0; i < n; ++i) {
      log.push_back(name + std::to_string(i));
      co_await detsim::sleep(0s);
    }
  };
  auto& loop = detsim::get_running_loop();
  auto a = loop.create_task(worker("A", 3));
  auto b = loop.create_task(worker("B", 2));
  co_await a;
  co_await b;
}

detsim::Task<void> callbacks_scheduled_during_an_iteration_wait(Log& log) {
  auto& loop = detsim::get_running_loop();
  loop.call_soon([&] {
    log.push_back("first");
    loop.call_soon([&] { log.push_back("scheduled by first"); });
  });
  loop.call_soon([&] { log.push_back("second"); });
  co_await detsim::yield();
  log.push_back("main after one yield");
  co_await detsim::yield();
  log.push_back("main after two yields");
}

detsim::Task<void> timers_in_deadline_order(Log& log) {
  auto& loop = detsim::get_running_loop();
  loop.call_later(3ms, [&] { log.push_back("t3"); });
  loop.call_later(1ms, [&] { log.push_back("t1"); });
  loop.call_later(2ms, [&] { log.push_back("t2"); });
  co_await detsim::sleep(4ms);
  log.push_back("slept 4ms");
}

detsim::Task<void> waiters_wake_in_await_order(Log& log) {
  auto& loop = detsim::get_running_loop();
  auto future = loop.create_future<int>();
  auto waiter = [&log, future](std::string name) -> detsim::Task<void> {
    log.push_back(name + " waits");
    const int value = co_await future;
    log.push_back(name + " got " + std::to_string(value));
  };
  std::vector<detsim::Task<void>> tasks;
  for (const char* name : {"w1", "w2", "w3"}) tasks.push_back(loop.create_task(waiter(name)));
  co_await detsim::yield();
  loop.call_soon([future]() mutable { future.set_result(7); });
  for (auto& task : tasks) co_await task;
}

detsim::Task<std::string> child(Log& log, std::string name) {
  log.push_back(name + " starts");
  co_await detsim::yield();
  log.push_back(name + " ends");
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  co_return name;
}

detsim::Task<void> child_tasks_and_siblings(Log& log) {
  auto sibling = [&log]() -> detsim::Task<void> {
    for (int i = 0; i < 3; ++i) {
      log.push_back("sibling " + std::to_string(i));
      co_await detsim::yield();
    }
  };
  auto s = detsim::get_running_loop().create_task(sibling());
  std::string result = co_await child(log, "c1");  // becomes a task of its own
  log.push_back("parent got " + result);
  result = co_await child(log, "c2");
  log.push_back("parent got " + result);
  co_await s;
}

detsim::Task<void> cancel_a_sleeping_task(Log& log) {
  auto sleeper = [&log]() -> detsim::Task<void> {
    try {
      log.push_back("sleeper sleeps");
      co_await detsim::sleep(10s);
      log.push_back("sleeper woke");
    } catch (const detsim::CancelledError&) {
      log.push_back("sleeper cancelled");
      throw;
    }
  };
  auto bystander = [&log]() -> detsim::Task<void> {
    for (int i = 0; i < 3; ++i) {
      log.push_back("bystander " + std::to_string(i));
      co_await detsim::yield();
    }
  };
  auto& loop = detsim::get_running_loop();
  auto s = loop.create_task(sleeper());
  auto b = loop.create_task(bystander());
  co_await detsim::yield();
  log.push_back(std::string("cancel returns ") + (s.cancel() ? "True" : "False"));
  try {
    co_await s;
  } catch (const detsim::CancelledError&) {
    log.push_back("main saw cancelled");
  }
  co_await b;
}

detsim::Task<void> a_later_cancel_does_not_rename_a_cancelled_sleep(Log& log) {
  // The first cancel() cancels the future the sleep awaits (in asyncio's
  // terms); the second, before the sleeper resumes, finds it done, and its
  // message is not seen.
  auto sleeper = [&log](std::string name) -> detsim::Task<void> {
    try {
      co_await detsim::sleep(10s);
    } catch (const detsim::CancelledError& error) {
      log.push_back(name + " caught " + error.cancel_message());
      throw;
    }
  };
  auto& loop = detsim::get_running_loop();
  auto s = loop.create_task(sleeper("sleeper"));
  co_await detsim::yield();
  (void)loop.call_soon([&s] {
    s.cancel("first");
    s.cancel("second");
  });
  try {
    co_await s;
  } catch (const detsim::CancelledError&) {
    log.push_back(std::string("main saw cancelled: ") + (s.cancelled() ? "True" : "False"));
  }

  detsim::Task<void>* self = nullptr;
  auto cancels_itself_then_sleeps = [&log, &self]() -> detsim::Task<void> {
    self->cancel("own");
    try {
      co_await detsim::sleep(10s);
    } catch (const detsim::CancelledError& error) {
      log.push_back("self-cancelled caught " + error.cancel_message());
      throw;
    }
  };
  auto t = loop.create_task(cancels_itself_then_sleeps());
  self = &t;
  co_await detsim::yield();
  t.cancel("later");
  try {
    co_await t;
  } catch (const detsim::CancelledError&) {
    log.push_back(std::string("main saw cancelled: ") + (t.cancelled() ? "True" : "False"));
  }
}

detsim::Task<void> a_refused_await_raises_at_the_next_step(Log& log) {
  // Awaiting itself or another loop's future: the RuntimeError comes at the
  // task's next step, so a callback scheduled before the await runs first;
  // a cancel() pending then replaces it.
  auto& loop = detsim::get_running_loop();
  auto schedule_a_callback = [&loop, &log] { (void)loop.call_soon([&log] { log.push_back("callback"); }); };
  detsim::Task<void>* self = nullptr;
  auto awaits_itself = [&]() -> detsim::Task<void> {
    schedule_a_callback();
    try {
      co_await *self;
    } catch (const detsim::RuntimeError&) {
      log.push_back("caught RuntimeError (itself)");
    }
  };
  auto first = loop.create_task(awaits_itself());
  self = &first;
  co_await first;
  detsim::EventLoop other;
  auto foreign = other.create_future<int>();
  auto awaits_another_loops_future = [&]() -> detsim::Task<void> {
    schedule_a_callback();
    try {
      co_await foreign;
    } catch (const detsim::RuntimeError&) {
      log.push_back("caught RuntimeError (another loop)");
    }
  };
  co_await loop.create_task(awaits_another_loops_future());
  auto refused = other.create_future<int>();
  detsim::Task<void>* cancelled = nullptr;
  auto cancelled_while_refused = [&]() -> detsim::Task<void> {
    // Before the step that raises runs, the other loop's future and the
    // task are cancelled: the task's cancellation is what is raised.
    (void)loop.call_soon([&] {
      refused.cancel("other");
      cancelled->cancel("task");
    });
    try {
      co_await refused;
    } catch (const detsim::CancelledError& error) {
      log.push_back("caught CancelledError " + error.cancel_message());
    }
  };
  auto t = loop.create_task(cancelled_while_refused());
  cancelled = &t;
  co_await t;
  auto cancels_itself_then_awaits_itself = [&]() -> detsim::Task<void> {
    self->cancel();
    try {
      co_await *self;
    } catch (const detsim::RuntimeError&) {
      log.push_back("caught RuntimeError");
    } catch (const detsim::CancelledError&) {
      log.push_back("caught CancelledError");
    }
  };
  auto third = loop.create_task(cancels_itself_then_awaits_itself());
  self = &third;
  co_await third;
}

detsim::Task<void> awaiting_a_done_future_does_not_yield(Log& log) {
  auto& loop = detsim::get_running_loop();
  auto done = loop.create_future<int>();
  done.set_result(1);
  auto other = [&log]() -> detsim::Task<void> {
    log.push_back("other runs");
    co_return;
  };
  auto t = loop.create_task(other());
  co_await done;
  log.push_back("main continued without yielding");
  co_await t;
}

detsim::Task<void> exception_propagates_to_awaiter(Log& log) {
  auto failing = []() -> detsim::Task<void> {
    co_await detsim::yield();
    throw std::invalid_argument("boom");
  };
  auto bystander = [&log]() -> detsim::Task<void> {
    log.push_back("bystander 0");
    co_await detsim::yield();
    log.push_back("bystander 1");
  };
  auto b = detsim::get_running_loop().create_task(bystander());
  try {
    co_await failing();
  } catch (const std::invalid_argument& error) {
    log.push_back(std::string("main caught ") + error.what());
  }
  co_await b;
}

// Python's str() of what these programs log.
std::string py(bool value) { return value ? "True" : "False"; }
std::string py(std::uint64_t value) { return std::to_string(value); }

detsim::Task<void> cancelling_counts_each_cancel_until_uncancelled(Log& log) {
  // Every cancel() on a pending task counts, the repeated one too; catching
  // the CancelledError or ending keeps the count; uncancel() withdraws one
  // request, never going below 0; cancel() on a done task does not count.
  detsim::Task<std::string>* self = nullptr;
  auto sleeper = [&log, &self]() -> detsim::Task<std::string> {
    try {
      co_await detsim::sleep(10s);
    } catch (const detsim::CancelledError&) {
      log.push_back("sleeper caught, cancelling " + py(self->cancelling()));
      log.push_back("sleeper uncancel returns " + py(self->uncancel()));
    }
    co_await detsim::yield();
    log.push_back("sleeper goes on, cancelling " + py(self->cancelling()));
    co_return "done";
  };
  auto cancel = [&log](detsim::Task<std::string>& task) {
    const bool accepted = task.cancel();
    log.push_back("cancel returns " + py(accepted) + ", cancelling " + py(task.cancelling()));
  };
  auto t = detsim::get_running_loop().create_task(sleeper());
  self = &t;
  log.push_back("new task, cancelling " + py(t.cancelling()));
  co_await detsim::yield();
  cancel(t);
  cancel(t);
  const std::string result = co_await t;
  log.push_back("result " + result + ", cancelling " + py(t.cancelling()));
  cancel(t);
  log.push_back("uncancel returns " + py(t.uncancel()));
  log.push_back("uncancel returns " + py(t.uncancel()));
}

detsim::Task<void> cancelling_a_task_counts_in_the_task_it_awaits(Log& log) {
  // cancel() passes on to the awaited task, which counts a request too; the
  // child swallows it, and the parent goes on with the count still 1.
  auto& loop = detsim::get_running_loop();
  detsim::Task<std::string>* child_self = nullptr;
  detsim::Task<void>* parent_self = nullptr;
  auto child = [&log, &child_self]() -> detsim::Task<std::string> {
    try {
      co_await detsim::sleep(10s);
    } catch (const detsim::CancelledError&) {
      log.push_back("child caught, cancelling " + py(child_self->cancelling()));
      log.push_back("child uncancel returns " + py(child_self->uncancel()));
    }
    co_return "child result";
  };
  auto parent = [&log, &parent_self](detsim::Task<std::string> c) -> detsim::Task<void> {
    const std::string result = co_await c;
    log.push_back("parent got " + result + ", cancelling " + py(parent_self->cancelling()));
  };
  auto c = loop.create_task(child());
  child_self = &c;
  auto p = loop.create_task(parent(c));
  parent_self = &p;
  co_await detsim::yield();
  log.push_back("cancel returns " + py(p.cancel()));
  log.push_back("parent cancelling " + py(p.cancelling()) + ", child cancelling " + py(c.cancelling()));
  co_await p;
  log.push_back("parent cancelling " + py(p.cancelling()) + ", child cancelling " + py(c.cancelling()));

  // A task that cancelled itself passes the cancellation on to the task it
  // then awaits, which counts it (and ends before its first line).
  auto starts_late = [&log]() -> detsim::Task<void> {
    log.push_back("starts_late runs");
    co_return;
  };
  detsim::Task<void>* self = nullptr;
  auto cancels_itself_then_awaits = [&]() -> detsim::Task<void> {
    self->cancel();
    log.push_back("cancelled itself, cancelling " + py(self->cancelling()));
    auto late = loop.create_task(starts_late());
    try {
      co_await late;
    } catch (const detsim::CancelledError&) {
      log.push_back("caught, cancelling " + py(self->cancelling()) + ", awaited task's " + py(late.cancelling()));
      throw;
    }
  };
  auto t = loop.create_task(cancels_itself_then_awaits());
  self = &t;
  try {
    co_await t;
  } catch (const detsim::CancelledError&) {
    log.push_back("cancelled " + py(t.cancelled()) + ", cancelling " + py(t.cancelling()));
  }
}

detsim::Task<void> uncancel_does_not_stop_a_cancellation_on_its_way(Log& log) {
  // In Python 3.11 uncancel() only changes the count.
  auto& loop = detsim::get_running_loop();
  auto body = [&log]() -> detsim::Task<void> {
    log.push_back("body runs");
    co_return;
  };
  auto t = loop.create_task(body());
  const bool first = t.cancel();
  const bool second = t.cancel();
  log.push_back("cancel returns " + py(first) + ", cancel returns " + py(second) + ", cancelling " +
                py(t.cancelling()));
  const std::uint64_t one_left = t.uncancel();
  const std::uint64_t none_left = t.uncancel();
  log.push_back("uncancel returns " + py(one_left) + ", uncancel returns " + py(none_left));
  try {
    co_await t;
  } catch (const detsim::CancelledError&) {
    log.push_back("cancelled before its first step: " + py(t.cancelled()) + ", cancelling " + py(t.cancelling()));
  }

  auto sleeper = [&log]() -> detsim::Task<void> {
    try {
      co_await detsim::sleep(10s);
    } catch (const detsim::CancelledError&) {
      log.push_back("sleeper caught CancelledError");
      throw;
    }
  };
  auto s = loop.create_task(sleeper());
  co_await detsim::yield();
  s.cancel();
  log.push_back("uncancel returns " + py(s.uncancel()));
  try {
    co_await s;
  } catch (const detsim::CancelledError&) {
    log.push_back("sleeper cancelled: " + py(s.cancelled()) + ", cancelling " + py(s.cancelling()));
  }

  detsim::Task<void>* self = nullptr;
  auto cancels_and_uncancels_itself = [&]() -> detsim::Task<void> {
    self->cancel();
    log.push_back("own uncancel returns " + py(self->uncancel()));
    try {
      co_await detsim::yield();
      log.push_back("yield went through");
    } catch (const detsim::CancelledError&) {
      log.push_back("caught CancelledError at the yield");
    }
    log.push_back("goes on, cancelling " + py(self->cancelling()));
  };
  auto own = loop.create_task(cancels_and_uncancels_itself());
  self = &own;
  co_await own;
}

// ---- cancel() after a failure, get_event_loop() after set_event_loop(None),
// ---- call_soon/call_later/call_at with arguments

detsim::Task<void> cancel_clears_the_never_retrieved_report(Log& log) {
  // cancel() of a future or task that already failed returns false, and its
  // exception is no longer reported as never retrieved when it is dropped.
  auto& loop = detsim::get_running_loop();
  loop.set_exception_handler([&log](const detsim::ExceptionContext& context) {
    log.push_back("handler: " + context.message + ": " + detsim::describe(context.exception));
  });
  for (const bool cancel : {true, false}) {
    std::optional<detsim::Future<int>> future = loop.create_future<int>();
    future->set_exception(std::make_exception_ptr(
        std::invalid_argument(std::string("future, cancel ") + (cancel ? "True" : "False"))));
    if (cancel) log.push_back(std::string("future cancel returns ") + (future->cancel() ? "True" : "False"));
    future.reset();
    log.push_back("future dropped");
  }
  auto fail = [](std::string message) -> detsim::Task<void> {
    throw std::invalid_argument(message);
    co_return;
  };
  for (const bool cancel : {true, false}) {
    std::optional<detsim::Task<void>> task =
        loop.create_task(fail(std::string("task, cancel ") + (cancel ? "True" : "False")));
    co_await detsim::yield();
    if (cancel) log.push_back(std::string("task cancel returns ") + (task->cancel() ? "True" : "False"));
    task.reset();
    log.push_back("task dropped");
  }
}

// Runs with no loop running, in a thread of its own: detsim's per-thread
// state is then fresh, as reference.py makes asyncio's policy.
void get_event_loop_after_set_event_loop_none_raises(Log& log) {
  auto get = [&log]() -> detsim::EventLoop* {
    try {
      return &detsim::get_event_loop();
    } catch (const detsim::RuntimeError&) {
      log.push_back("get_event_loop raises RuntimeError");
      return nullptr;
    }
  };
  detsim::EventLoop* created = get();
  log.push_back(std::string("created a loop: ") + (created != nullptr ? "True" : "False"));
  log.push_back(std::string("the same loop again: ") + (get() == created ? "True" : "False"));
  detsim::set_event_loop(nullptr);
  (void)get();
  auto loop = detsim::new_event_loop();
  detsim::set_event_loop(loop.get());
  log.push_back(std::string("after set_event_loop(loop): ") + (get() == loop.get() ? "True" : "False"));
  detsim::set_event_loop(nullptr);
  (void)get();
}

detsim::Task<void> call_soon_passes_extra_arguments(Log& log) {
  auto& loop = detsim::get_running_loop();
  auto record = [&log](const std::string& what, int n) { log.push_back(what + " " + std::to_string(n)); };
  (void)loop.call_later(2ms, record, "call_later", 2);
  (void)loop.call_at(loop.now() + 1ms, record, "call_at", 1);
  (void)loop.call_soon(record, "call_soon", 0);
  int n = 5;
  (void)loop.call_soon(record, "argument as it was", n);
  n = 6;
  auto future = loop.create_future<std::string>();
  (void)loop.call_soon([](detsim::Future<std::string> f, std::string value) { f.set_result(std::move(value)); },
                       future, "set by call_soon");
  log.push_back(co_await future);
  co_await detsim::sleep(3ms);
  log.push_back("slept 3ms");
}

// The asyncio toolkit's primitives (detsim/asyncio/): wake-up order,
// fairness and cancellation as CPython 3.11 has them.
detsim::Task<void> lock_serves_waiters_in_order_without_barging(Log& log) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Lock lock;
  auto take = [&](std::string name) -> detsim::Task<void> {
    co_await lock.acquire();
    log.push_back(name + " got it");
    co_await detsim::yield();
    lock.release();
  };
  co_await lock.acquire();
  auto first = loop.create_task(take("first"));
  auto second = loop.create_task(take("second"));
  auto third = loop.create_task(take("third"));
  co_await detsim::yield();
  auto newcomer = loop.create_task(take("newcomer"));  // runs before the woken waiter
  lock.release();
  log.push_back("released, locked " + py(lock.locked()));
  first.cancel();
  try {
    co_await first;
  } catch (const detsim::CancelledError&) {
    log.push_back("first cancelled after its wake-up");
  }
  co_await second;
  co_await third;
  co_await newcomer;
  log.push_back("locked " + py(lock.locked()));
}

detsim::Task<void> semaphore_hands_permits_on_and_back(Log& log) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Semaphore semaphore(2);
  auto take = [&](std::string name) -> detsim::Task<void> {
    co_await semaphore.acquire();
    log.push_back(name + " in");
    co_await detsim::yield();
    log.push_back(name + " out");
    semaphore.release();
  };
  std::vector<detsim::Task<void>> tasks;
  for (const char* name : {"a", "b", "c", "d", "e"}) tasks.push_back(loop.create_task(take(name)));
  co_await detsim::yield();
  log.push_back("locked " + py(semaphore.locked()));
  tasks[2].cancel();
  for (auto& task : tasks) {
    try {
      co_await task;
    } catch (const detsim::CancelledError&) {
      log.push_back("c cancelled");
    }
  }
  detsim::asyncio::BoundedSemaphore bounded(1);
  try {
    bounded.release();
  } catch (const detsim::ValueError&) {
    log.push_back("over-release refused");
  }
}

detsim::Task<void> event_wakes_every_waiter(Log& log) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Event event;
  auto waiter = [&](std::string name) -> detsim::Task<void> {
    co_await event.wait();
    log.push_back(name + " woke");
  };
  std::vector<detsim::Task<void>> tasks;
  for (const char* name : {"a", "b", "c"}) tasks.push_back(loop.create_task(waiter(name)));
  co_await detsim::yield();
  tasks[1].cancel();
  event.set();
  event.clear();
  log.push_back("set then cleared: " + py(event.is_set()));
  for (auto& task : tasks) {
    try {
      co_await task;
    } catch (const detsim::CancelledError&) {
      log.push_back("b cancelled");
    }
  }
}

detsim::Task<void> condition_notifies_in_order(Log& log) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Condition condition;
  int count = 0;
  auto waiter = [&](std::string name) -> detsim::Task<void> {
    auto held = co_await condition.hold();
    co_await condition.wait();
    log.push_back(name + " notified");
  };
  auto until_three = [&](std::string name) -> detsim::Task<void> {
    auto held = co_await condition.hold();
    int value = co_await condition.wait_for([&] { return count >= 3 ? count : 0; });
    log.push_back(name + " saw " + std::to_string(value));
  };
  std::vector<detsim::Task<void>> tasks;
  for (const char* name : {"a", "b", "c"}) tasks.push_back(loop.create_task(waiter(name)));
  auto watcher = loop.create_task(until_three("w"));
  co_await detsim::yield();
  {
    auto held = co_await condition.hold();
    condition.notify(2);
    log.push_back("notified 2");
  }
  co_await detsim::yield();
  for (int i = 0; i < 3; ++i) {
    {
      auto held = co_await condition.hold();
      ++count;
      condition.notify_all();
    }
    log.push_back("count " + std::to_string(count));
    co_await detsim::yield();
  }
  for (auto& task : tasks) co_await task;
  co_await watcher;
}

detsim::Task<void> barrier_releases_generations(Log& log) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Barrier barrier(2);
  auto party = [&](std::string name) -> detsim::Task<void> {
    try {
      std::size_t index = co_await barrier.wait();
      log.push_back(name + " " + std::to_string(index));
    } catch (const detsim::BrokenBarrierError&) {
      log.push_back(name + " broken");
    }
  };
  std::vector<detsim::Task<void>> tasks;
  for (const char* name : {"a", "b", "c", "d", "e"}) tasks.push_back(loop.create_task(party(name)));
  co_await detsim::yield();
  co_await detsim::yield();
  co_await detsim::yield();
  log.push_back("waiting " + py(std::uint64_t{barrier.n_waiting()}));
  co_await barrier.abort();
  for (auto& task : tasks) co_await task;
  co_await party("late");
  co_await barrier.reset();
  tasks.clear();
  for (const char* name : {"x", "y"}) tasks.push_back(loop.create_task(party(name)));
  for (auto& task : tasks) co_await task;
  log.push_back("broken " + py(barrier.broken()));
}

struct Prioritised {
  int priority;
  std::string name;
  friend bool operator<(const Prioritised& a, const Prioritised& b) { return a.priority < b.priority; }
};

detsim::Task<void> queues_hand_items_over(Log& log) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Queue<int> queue(2);
  auto producer = [&](std::string name, std::vector<int> items) -> detsim::Task<void> {
    for (int item : items) {
      co_await queue.put(item);
      log.push_back(name + " put " + std::to_string(item));
    }
  };
  auto consumer = [&](std::string name) -> detsim::Task<void> {
    for (;;) {
      int item = co_await queue.get();
      log.push_back(name + " got " + std::to_string(item));
      co_await detsim::yield();
      queue.task_done();
    }
  };
  std::vector<detsim::Task<void>> consumers;
  consumers.push_back(loop.create_task(consumer("c1")));
  consumers.push_back(loop.create_task(consumer("c2")));
  std::vector<detsim::Task<void>> producers;
  producers.push_back(loop.create_task(producer("p1", {1, 2, 3})));
  producers.push_back(loop.create_task(producer("p2", {4, 5})));
  for (auto& task : producers) co_await task;
  co_await queue.join();
  log.push_back("joined");
  consumers[0].cancel();
  queue.put_nowait(6);
  consumers[1].cancel();
  for (auto& task : consumers) {
    try {
      co_await task;
    } catch (const detsim::CancelledError&) {
    }
  }
  log.push_back("left " + py(std::uint64_t{queue.qsize()}));
  detsim::asyncio::LifoQueue<int> lifo;
  for (int item : {1, 2, 3}) lifo.put_nowait(item);
  std::string order = "lifo [";
  for (int i = 0; i < 3; ++i) order += (i ? ", " : "") + std::to_string(lifo.get_nowait());
  log.push_back(order + "]");
  detsim::asyncio::PriorityQueue<Prioritised> priority;
  for (auto item : {Prioritised{2, "b"}, Prioritised{1, "a"}, Prioritised{3, "c"}, Prioritised{1, "a2"}})
    priority.put_nowait(item);
  order = "priority [";
  for (int i = 0; i < 4; ++i) order += (i ? ", '" : "'") + priority.get_nowait().name + "'";
  log.push_back(order + "]");
  try {
    (void)queue.get_nowait();
  } catch (const detsim::QueueEmpty&) {
    log.push_back("empty");
  }
}

// --- Combinators (detsim::asyncio): the same programs as the block at the
// end of reference.py.

namespace asyncio = detsim::asyncio;

detsim::Coroutine<std::string> gather_child(Log& log, std::string name, std::chrono::nanoseconds delay) {
  co_await detsim::sleep(delay);
  log.push_back(name + " done");
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  co_return name;
}

detsim::Coroutine<std::string> gather_failing() {
  co_await detsim::sleep(40ms);
  throw detsim::RuntimeError("parity.boom", "boom");
}

detsim::Task<void> gather_results_in_argument_order(Log& log) {
  auto [a, b, c] = co_await asyncio::gather(gather_child(log, "a", 60ms), gather_child(log, "b", 20ms),
                                            gather_child(log, "c", 40ms));
  log.push_back("results " + a + " " + b + " " + c);
  auto [d, failed] = co_await asyncio::gather(asyncio::return_exceptions, gather_child(log, "d", 20ms), gather_failing());
  log.push_back("outcomes " + d.value() + " " + (failed.has_value() ? "value" : "RuntimeError"));
  try {
    (void)co_await asyncio::gather(gather_child(log, "e", 200ms), gather_failing());
  } catch (const detsim::RuntimeError& error) {
    log.push_back("gather raised " + std::string(error.message()));
  }
  co_await detsim::sleep(200ms);
}

detsim::Task<void> wait_for_times_out_and_waits_for_the_cancelled_task(Log& log) {
  auto slow = [&log]() -> detsim::Coroutine<int> {
    std::exception_ptr cancelled;
    try {
      co_await detsim::sleep(1s);
    } catch (const detsim::CancelledError&) {
      log.push_back("slow cancelled");
      cancelled = std::current_exception();
    }
    co_await detsim::sleep(1ms);
    log.push_back("slow cleaned up");
    std::rethrow_exception(cancelled);
  };
  try {
    (void)co_await asyncio::wait_for(slow(), 40ms);
  } catch (const asyncio::TimeoutError&) {
    log.push_back("timeout");
  }
  log.push_back("cancelling " + std::to_string(detsim::detail::current_task()->cancelling()));
}

detsim::Task<void> timeout_scope_expires_into_timeout_error(Log& log) {
  asyncio::Timeout* scope = nullptr;
  try {
    co_await asyncio::timeout(40ms, [&](asyncio::Timeout& t) -> detsim::Coroutine<void> {
      scope = &t;
      try {
        co_await detsim::sleep(1s);
      } catch (const detsim::CancelledError&) {
        log.push_back(std::string("body cancelled, expired ") + (t.expired() ? "True" : "False"));
        throw;
      }
    });
  } catch (const asyncio::TimeoutError&) {
    // (The Timeout lived in the scope's frame: its state was read inside.)
    log.push_back("TimeoutError, expired True");
  }
  log.push_back("cancelling " + std::to_string(detsim::detail::current_task()->cancelling()));
  bool expired = true;
  co_await asyncio::timeout(100ms, [&](asyncio::Timeout& t) -> detsim::Coroutine<void> {
    co_await detsim::sleep(20ms);
    expired = t.expired();
  });
  log.push_back(std::string("in time, expired ") + (expired ? "True" : "False"));
  (void)scope;
}

detsim::Task<void> task_group_failure_cancels_sibling_and_body(Log& log) {
  auto sibling = [&log]() -> detsim::Task<void> {
    try {
      co_await detsim::sleep(1s);
    } catch (const detsim::CancelledError&) {
      log.push_back("sibling cancelled");
      throw;
    }
  };
  auto bad = [&log]() -> detsim::Task<void> {
    co_await detsim::sleep(20ms);
    log.push_back("bad raises");
    throw detsim::RuntimeError("parity.bad", "bad");
  };
  try {
    co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> detsim::Coroutine<void> {
      (void)group.create_task(sibling());
      (void)group.create_task(bad());
      try {
        co_await detsim::sleep(1s);
      } catch (const detsim::CancelledError&) {
        log.push_back("body cancelled");
        throw;
      }
    });
  } catch (const asyncio::ExceptionGroup& errors) {
    std::string first;
    try {
      std::rethrow_exception(errors.exceptions().at(0));
    } catch (const detsim::Error& error) {
      first = error.message();
    }
    log.push_back("group of " + std::to_string(errors.exceptions().size()) + ": " + first);
  }
  log.push_back("cancelling " + std::to_string(detsim::detail::current_task()->cancelling()));
}

detsim::Task<void> shield_protects_the_inner_task(Log& log) {
  auto& loop = detsim::get_running_loop();
  auto inner = [&log]() -> detsim::Task<int> {
    co_await detsim::sleep(100ms);
    log.push_back("inner done");
    co_return 5;
  };
  auto inner_task = loop.create_task(inner());
  auto waiter = [&log, inner_task]() -> detsim::Task<void> {
    try {
      (void)co_await asyncio::shield(inner_task);
    } catch (const detsim::CancelledError&) {
      log.push_back("waiter cancelled");
      throw;
    }
  };
  auto w = loop.create_task(waiter());
  co_await detsim::sleep(20ms);
  w.cancel();
  try {
    co_await w;
  } catch (const detsim::CancelledError&) {
  }
  log.push_back("inner result " + std::to_string(co_await inner_task));
}

detsim::Task<void> gather_cancelled_raises_its_last_arguments_cancel_message(Log& log) {
  auto& loop = detsim::get_running_loop();
  auto last = loop.create_future<int>();
  last.cancel("the last argument's");
  auto swallower = [&log]() -> detsim::Task<int> {
    try {
      co_await detsim::sleep(1s);
    } catch (const detsim::CancelledError&) {
      log.push_back("swallower caught CancelledError");
    }
    co_await detsim::yield();
    log.push_back("swallower returns");
    co_return 1;
  };
  auto waiter = [&log, &swallower, last]() -> detsim::Task<void> {
    try {
      (void)co_await asyncio::gather(asyncio::return_exceptions, swallower(), last);
    } catch (const detsim::CancelledError& error) {
      log.push_back("gather raised CancelledError(" + error.cancel_message() + ")");
    }
  };
  auto task = loop.create_task(waiter());
  co_await detsim::yield();
  co_await detsim::yield();
  task.cancel("the waiter's");
  co_await task;
}

detsim::Task<void> a_cancel_after_the_awaited_future_failed(Log& log) {
  auto& loop = detsim::get_running_loop();
  loop.set_exception_handler([&log](const detsim::ExceptionContext& context) {
    log.push_back("handler: " + context.message);
  });
  auto waiter = [&log](detsim::Future<int> future) -> detsim::Task<void> {
    try {
      (void)co_await future;
    } catch (const detsim::CancelledError& error) {
      log.push_back("waiter caught CancelledError(" + error.cancel_message() + ")");
    } catch (const std::invalid_argument& error) {
      log.push_back(std::string("waiter caught ValueError(") + error.what() + ")");
    }
  };
  for (const std::exception_ptr& error : {std::make_exception_ptr(std::invalid_argument("failed")),
                                          std::make_exception_ptr(detsim::CancelledError("its own"))}) {
    std::optional<detsim::Future<int>> future = loop.create_future<int>();
    std::optional<detsim::Task<void>> task = loop.create_task(waiter(*future));
    co_await detsim::yield();
    future->set_exception(error);
    task->cancel("the task's");
    co_await *task;
    future.reset();
    task.reset();
    log.push_back("future dropped");
  }
}

const std::map<std::string, std::function<detsim::Task<void>(Log&)>> programs = {
    {"round_robin", round_robin},
    {"callbacks_scheduled_during_an_iteration_wait", callbacks_scheduled_during_an_iteration_wait},
    {"timers_in_deadline_order", timers_in_deadline_order},
    {"waiters_wake_in_await_order", waiters_wake_in_await_order},
    {"child_tasks_and_siblings", child_tasks_and_siblings},
    {"cancel_a_sleeping_task", cancel_a_sleeping_task},
    {"a_later_cancel_does_not_rename_a_cancelled_sleep", a_later_cancel_does_not_rename_a_cancelled_sleep},
    {"a_refused_await_raises_at_the_next_step", a_refused_await_raises_at_the_next_step},
    {"awaiting_a_done_future_does_not_yield", awaiting_a_done_future_does_not_yield},
    {"exception_propagates_to_awaiter", exception_propagates_to_awaiter},
    {"cancelling_counts_each_cancel_until_uncancelled", cancelling_counts_each_cancel_until_uncancelled},
    {"cancelling_a_task_counts_in_the_task_it_awaits", cancelling_a_task_counts_in_the_task_it_awaits},
    {"uncancel_does_not_stop_a_cancellation_on_its_way", uncancel_does_not_stop_a_cancellation_on_its_way},
    {"cancel_clears_the_never_retrieved_report", cancel_clears_the_never_retrieved_report},
    {"call_soon_passes_extra_arguments", call_soon_passes_extra_arguments},
    {"lock_serves_waiters_in_order_without_barging", lock_serves_waiters_in_order_without_barging},
    {"semaphore_hands_permits_on_and_back", semaphore_hands_permits_on_and_back},
    {"event_wakes_every_waiter", event_wakes_every_waiter},
    {"condition_notifies_in_order", condition_notifies_in_order},
    {"barrier_releases_generations", barrier_releases_generations},
    {"queues_hand_items_over", queues_hand_items_over},
    // --- Combinators (detsim::asyncio)
    {"gather_results_in_argument_order", gather_results_in_argument_order},
    {"wait_for_times_out_and_waits_for_the_cancelled_task", wait_for_times_out_and_waits_for_the_cancelled_task},
    {"timeout_scope_expires_into_timeout_error", timeout_scope_expires_into_timeout_error},
    {"task_group_failure_cancels_sibling_and_body", task_group_failure_cancels_sibling_and_body},
    {"shield_protects_the_inner_task", shield_protects_the_inner_task},
    {"gather_cancelled_raises_its_last_arguments_cancel_message",
     gather_cancelled_raises_its_last_arguments_cancel_message},
    {"a_cancel_after_the_awaited_future_failed", a_cancel_after_the_awaited_future_failed},
};

// Programs that run with no loop running (reference.py calls them directly),
// each in a thread of its own.
const std::map<std::string, std::function<void(Log&)>> programs_without_a_loop = {
    {"get_event_loop_after_set_event_loop_none_raises", get_event_loop_after_set_event_loop_none_raises},
};

TEST(AsyncioParity, FifoSchedulerLogsWhatCPythonAsyncioLogs) {
  std::ifstream file(DETSIM_ASYNCIO_REFERENCE);
  ASSERT_TRUE(file) << DETSIM_ASYNCIO_REFERENCE;
  const auto reference = nlohmann::json::parse(file);
  ASSERT_EQ(reference.size(), programs.size() + programs_without_a_loop.size())
      << "reference.py and this file list the same programs";
  for (const auto& [name, expected] : reference.items()) {
    Log log;
    if (programs_without_a_loop.count(name)) {
      std::thread(programs_without_a_loop.at(name), std::ref(log)).join();
      EXPECT_EQ(log, expected.get<Log>()) << name;
      continue;
    }
    ASSERT_TRUE(programs.count(name)) << name << " has no C++ version";
    detsim::EventLoop loop;
    loop.run_until_complete(programs.at(name)(log));
    EXPECT_EQ(log, expected.get<Log>()) << name;
  }
}

}  // namespace
