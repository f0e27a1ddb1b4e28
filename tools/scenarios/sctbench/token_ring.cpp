// Modelled on token_ring_bad: three tasks pass a token along slots without
// a lock (x2 = x1, x3 = x2, x4 = x3); the checker asserts, once all three
// are done, that the token reached x4, which holds only if the copies ran in
// ring order (a bug most schedules show).
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {

struct Ring {
  int x[4] = {1, 0, 0, 0};
  int finished = 0;
};

constexpr const char* slot_names[] = {"x1", "x2", "x3", "x4"};

Task<void> pass(Ring& s, int to) {
  const int from = (to + 3) % 4;
  SCT_ACCESS(slot_names[from], read);
  const int token = s.x[from];
  SCT_ACCESS(slot_names[to], write);
  s.x[to] = token;
  SCT_ACCESS("finished", write);
  ++s.finished;
}

Task<void> check(Ring& s) {
  // Waits for the round with a scheduling point per look, as the
  // original's join; bounded so a spin cannot run for ever.
  for (int look = 0; look < 1000; ++look) {
    SCT_ACCESS("finished", read);
    if (s.finished == 3) break;
  }
  SCT_ACCESS("x4", read);
  DETSIM_CHECK_EQ(s.x[3], s.x[0]);
}

std::vector<Task<void>> spawn(void* state) {
  auto& s = *static_cast<Ring*>(state);
  std::vector<Task<void>> tasks;
  for (int to = 1; to < 4; ++to) tasks.push_back(get_running_loop().create_task(pass(s, to)));
  tasks.push_back(get_running_loop().create_task(check(s)));
  return tasks;
}

}  // namespace

Program token_ring() {
  return Program([](EventLoop& loop) {
    Ring state;
    run_all(loop, &spawn, &state);
  });
}

}  // namespace detsim::sctbench
