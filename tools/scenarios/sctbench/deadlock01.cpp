// deadlock01_bad: one task takes lock a then b, the other b then a; if each
// takes its first before the other's second, both wait for ever (detsim's
// wait-cycle check fails the run as the cycle closes).
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {

struct Deadlock {
  asyncio::Lock a{"a"};
  asyncio::Lock b{"b"};
  int counter = 0;
};

Task<void> forward(Deadlock& s) {
  SCT_LOCK(s.a, "a");
  SCT_LOCK(s.b, "b");
  SCT_ACCESS("counter", write);
  ++s.counter;
  SCT_UNLOCK(s.b, "b");
  SCT_UNLOCK(s.a, "a");
}

Task<void> backward(Deadlock& s) {
  SCT_LOCK(s.b, "b");
  SCT_LOCK(s.a, "a");
  SCT_ACCESS("counter", write);
  --s.counter;
  SCT_UNLOCK(s.a, "a");
  SCT_UNLOCK(s.b, "b");
}

std::vector<Task<void>> spawn(void* state) {
  auto& s = *static_cast<Deadlock*>(state);
  std::vector<Task<void>> tasks;
  tasks.push_back(get_running_loop().create_task(forward(s)));
  tasks.push_back(get_running_loop().create_task(backward(s)));
  return tasks;
}

}  // namespace

Program deadlock01() {
  return Program([](EventLoop& loop) {
    Deadlock state;
    run_all(loop, &spawn, &state);
  });
}

}  // namespace detsim::sctbench
