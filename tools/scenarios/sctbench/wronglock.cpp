// wronglock_bad: one task increments a value under its lock and checks that
// the value moved by exactly one; the others increment it under another
// lock, so one of them can slip in between.
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {

struct WrongLock {
  int others = 0;
  asyncio::Lock data_lock{"data_lock"};
  asyncio::Lock this_lock{"this_lock"};
  int value = 0;
};

Task<void> checker(WrongLock& s) {
  SCT_LOCK(s.data_lock, "data_lock");
  SCT_ACCESS("value", read);
  const int before = s.value;
  SCT_ACCESS("value", write);
  s.value = s.value + 1;
  SCT_ACCESS("value", read);
  const int after = s.value;
  SCT_UNLOCK(s.data_lock, "data_lock");
  DETSIM_CHECK_EQ(after, before + 1);
}

Task<void> other(WrongLock& s) {
  SCT_LOCK(s.this_lock, "this_lock");
  SCT_ACCESS("value", write);
  s.value = s.value + 1;
  SCT_UNLOCK(s.this_lock, "this_lock");
}

std::vector<Task<void>> spawn(void* state) {
  auto& s = *static_cast<WrongLock*>(state);
  std::vector<Task<void>> tasks;
  tasks.push_back(get_running_loop().create_task(checker(s)));
  for (int i = 0; i < s.others; ++i) tasks.push_back(get_running_loop().create_task(other(s)));
  return tasks;
}

}  // namespace

Program wronglock(int others) {
  return Program([others](EventLoop& loop) {
    WrongLock state{.others = others};
    run_all(loop, &spawn, &state);
  });
}

}  // namespace detsim::sctbench
