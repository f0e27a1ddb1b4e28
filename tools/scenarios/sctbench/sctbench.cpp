#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {
Task<void> gather_all(std::vector<Task<void>> (*spawn)(void* state), void* state) {
  co_await asyncio::gather(spawn(state));
}
}  // namespace

// The loop is closed here, before the caller's state goes: a failed run
// leaves tasks suspended, and closing destroys their frames, whose locals
// (a lock's waiter, say) refer to that state.
void run_all(EventLoop& loop, std::vector<Task<void>> (*spawn)(void* state), void* state) {
  try {
    loop.run_until_complete(gather_all(spawn, state));
  } catch (...) {
    loop.close();
    throw;
  }
  loop.close();
}

const std::vector<Port>& ports() {
  static const std::vector<Port> all = {
      {"reorder_3", "a checker reads a setter's a = 1 before its b = -1 (2 setters)", [] { return reorder(2); }},
      {"reorder_5", "as reorder_3, 4 setters", [] { return reorder(4); }},
      {"reorder_10", "as reorder_3, 9 setters", [] { return reorder(9); }},
      {"reorder_20", "as reorder_3, 19 setters", [] { return reorder(19); }},
      {"twostage", "a reader runs between the writer's two locked stages", [] { return twostage(1, 1); }},
      {"twostage_20", "as twostage, 10 writers and 10 readers", [] { return twostage(10, 10); }},
      {"wronglock", "a task updates under another lock than the checker's", [] { return wronglock(1); }},
      {"wronglock_3", "as wronglock, 3 other tasks", [] { return wronglock(3); }},
      {"lazy01", "the third task runs after both increments", &lazy01},
      {"deadlock01", "two tasks take two locks in opposite orders", &deadlock01},
      {"account", "the check runs after the deposit, before the withdrawal", &account},
      {"token_ring", "the tokens go round out of order", &token_ring},
  };
  return all;
}

}  // namespace detsim::sctbench
