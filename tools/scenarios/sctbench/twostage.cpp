// twostage_bad: a writer sets data1 under lock 1, then data2 = data1 + 1
// under lock 2; a reader reads data1 under lock 1 and, if it was set, data2
// under lock 2, and asserts data2 == data1 + 1. The bug: the reader's two
// stages fall between the writer's.
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {

struct TwoStage {
  int writers = 0;
  int readers = 0;
  asyncio::Lock lock1{"lock1"};
  asyncio::Lock lock2{"lock2"};
  int data1 = 0;
  int data2 = 0;
};

Task<void> writer(TwoStage& s) {
  SCT_LOCK(s.lock1, "lock1");
  SCT_ACCESS("data1", write);
  s.data1 = 1;
  SCT_UNLOCK(s.lock1, "lock1");
  SCT_LOCK(s.lock2, "lock2");
  SCT_ACCESS("data1", read);
  const int data1 = s.data1;
  SCT_ACCESS("data2", write);
  s.data2 = data1 + 1;
  SCT_UNLOCK(s.lock2, "lock2");
}

Task<void> reader(TwoStage& s) {
  SCT_LOCK(s.lock1, "lock1");
  SCT_ACCESS("data1", read);
  const int t1 = s.data1;
  SCT_UNLOCK(s.lock1, "lock1");
  if (t1 == 0) co_return;
  SCT_LOCK(s.lock2, "lock2");
  SCT_ACCESS("data2", read);
  const int t2 = s.data2;
  SCT_UNLOCK(s.lock2, "lock2");
  DETSIM_CHECK_EQ(t2, t1 + 1);
}

std::vector<Task<void>> spawn(void* state) {
  auto& s = *static_cast<TwoStage*>(state);
  std::vector<Task<void>> tasks;
  for (int i = 0; i < s.writers; ++i) tasks.push_back(get_running_loop().create_task(writer(s)));
  for (int i = 0; i < s.readers; ++i) tasks.push_back(get_running_loop().create_task(reader(s)));
  return tasks;
}

}  // namespace

Program twostage(int writers, int readers) {
  return Program([writers, readers](EventLoop& loop) {
    TwoStage state{.writers = writers, .readers = readers};
    run_all(loop, &spawn, &state);
  });
}

}  // namespace detsim::sctbench
