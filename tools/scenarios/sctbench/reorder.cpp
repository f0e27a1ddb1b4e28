// reorder_N_bad: setters write a = 1 then b = -1; a checker asserts that it
// sees both writes or neither. The bug needs the checker's two reads to fall
// between one setter's two writes, before any setter's b = -1: with more
// setters, uniform random choice rarely keeps them all off b.
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {

struct Reorder {
  int setters = 0;
  int a = 0;
  int b = 0;
};

Task<void> setter(Reorder& s) {
  SCT_ACCESS("a", write);
  s.a = 1;
  SCT_ACCESS("b", write);
  s.b = -1;
}

Task<void> checker(Reorder& s) {
  SCT_ACCESS("a", read);
  const int a = s.a;
  SCT_ACCESS("b", read);
  const int b = s.b;
  DETSIM_CHECK((a == 0 && b == 0) || (a == 1 && b == -1));
}

std::vector<Task<void>> spawn(void* state) {
  auto& s = *static_cast<Reorder*>(state);
  std::vector<Task<void>> tasks;
  for (int i = 0; i < s.setters; ++i) tasks.push_back(get_running_loop().create_task(setter(s)));
  tasks.push_back(get_running_loop().create_task(checker(s)));
  return tasks;
}

}  // namespace

Program reorder(int setters) {
  return Program([setters](EventLoop& loop) {
    Reorder state{.setters = setters};
    run_all(loop, &spawn, &state);
  });
}

}  // namespace detsim::sctbench
