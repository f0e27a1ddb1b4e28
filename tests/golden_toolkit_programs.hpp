// A program of the asyncio toolkit whose trace is checked in under
// traces/golden/primitives.jsonl: a lock handed from one task to another, an
// Event set for a waiter, and a task left blocked when the root finishes.
// As for golden_programs.hpp: editing this file moves the trace's site lines
// (never its digest); regenerate with DETSIM_UPDATE_TRACES=1 (a g++ build).
// Sites stay out of function templates (Queue's members are templates: the
// queue chain is checked by tests/trace/primitive_events_test.cpp instead).
#pragma once

#include <detsim/asyncio/event.hpp>
#include <detsim/asyncio/lock.hpp>
#include <detsim/detsim.hpp>
#include <detsim/trace/recorder.hpp>

namespace golden_toolkit {

struct Shared {
  detsim::asyncio::Lock accounts{"accounts"};
  detsim::asyncio::Event ready{"ready"};
  detsim::asyncio::Event never{"never"};
};

inline detsim::Task<void> first_holder(Shared& shared) {
  co_await shared.accounts.acquire();
  co_await detsim::yield();
  shared.accounts.release();  // hands the lock to 'second'
}

inline detsim::Task<void> second_holder(Shared& shared) {
  co_await shared.accounts.acquire();  // waits: 'first' holds it
  shared.accounts.release();
  shared.ready.set();  // wakes 'waiter'
}

inline detsim::Task<void> waiter(Shared& shared) { co_await shared.ready.wait(); }

inline detsim::Task<void> forgotten(Shared& shared) { co_await shared.never.wait(); }

inline detsim::Task<void> root(Shared& shared) {
  auto& loop = detsim::get_running_loop();
  auto first = loop.create_task(first_holder(shared), "first");
  auto second = loop.create_task(second_holder(shared), "second");
  auto woken = loop.create_task(waiter(shared), "waiter");
  (void)loop.create_task(forgotten(shared), "forgotten");
  co_await first;
  co_await second;
  co_await woken;
}

// Under FIFO: the events of each primitive, and the causes that link them.
inline detsim::Trace primitives() {
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop, {.program = "primitives"}};
  Shared shared;
  loop.run_until_complete(root(shared));
  recorder.finish();
  return recorder.trace();
}

}  // namespace golden_toolkit
