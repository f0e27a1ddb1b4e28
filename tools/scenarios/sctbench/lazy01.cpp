// lazy01_bad: two tasks add 1 and 2 to data under a lock; a third asserts,
// under the lock, that data < 3 - false once both ran before it.
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {

struct Lazy {
  asyncio::Lock mutex{"mutex"};
  int data = 0;
};

Task<void> add(Lazy& s, int amount) {
  SCT_LOCK(s.mutex, "mutex");
  SCT_ACCESS("data", write);
  s.data += amount;
  SCT_UNLOCK(s.mutex, "mutex");
}

Task<void> check(Lazy& s) {
  SCT_LOCK(s.mutex, "mutex");
  SCT_ACCESS("data", read);
  const int data = s.data;
  SCT_UNLOCK(s.mutex, "mutex");
  DETSIM_CHECK(data < 3);
}

std::vector<Task<void>> spawn(void* state) {
  auto& s = *static_cast<Lazy*>(state);
  std::vector<Task<void>> tasks;
  tasks.push_back(get_running_loop().create_task(add(s, 1)));
  tasks.push_back(get_running_loop().create_task(add(s, 2)));
  tasks.push_back(get_running_loop().create_task(check(s)));
  return tasks;
}

}  // namespace

Program lazy01() {
  return Program([](EventLoop& loop) {
    Lazy state;
    run_all(loop, &spawn, &state);
  });
}

}  // namespace detsim::sctbench
