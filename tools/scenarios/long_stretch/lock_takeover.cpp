// lock_takeover: two workers each enter a critical section once, guarded
// by a lock word set by test-and-set (one step: no window there). A worker
// that finds the word set polls it again, up to `polls` times, then
// presumes the holder crashed (as a stale lock file's or an expired lease's
// taker does) and takes the lock over. A holder that is only slow is still
// inside, and both are in the critical section at once.
//
// The holder must be kept off the processor, between entering and leaving,
// for all of the waiter's polls: a chance that falls geometrically with
// `polls` under Random. PCT finds it when a change point drops the holder
// inside its critical section (a depth-2 bug: the holder's entry before the
// waiter's first poll, the waiter's last poll before the holder's exit).
//
//   invariant: DETSIM_CHECK_EQ(inside, 1) in the critical section
#include <vector>

#include "scenarios/long_stretch/long_stretch.hpp"
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::long_stretch {

namespace {


struct LockWord {
  int polls = 0;
  bool held = false;
  int inside = 0;  // workers in the critical section
};

Task<void> worker(LockWord& word) {
  for (int poll = 0;; ++poll) {
    SCT_ACCESS("held", write);  // test-and-set: read and write in one step
    if (!word.held) {
      word.held = true;
      break;
    }
    if (poll == word.polls) break;  // the bug: presumed crashed, taken over
  }
  SCT_ACCESS("inside", write);
  ++word.inside;
  SCT_ACCESS("inside", read);
  DETSIM_CHECK_EQ(word.inside, 1);
  SCT_ACCESS("inside", write);
  --word.inside;
  SCT_ACCESS("held", write);
  word.held = false;
}

std::vector<Task<void>> spawn(void* state) {
  auto& word = *static_cast<LockWord*>(state);
  std::vector<Task<void>> tasks;
  tasks.push_back(get_running_loop().create_task(worker(word), "worker-1"));
  tasks.push_back(get_running_loop().create_task(worker(word), "worker-2"));
  return tasks;
}

}  // namespace

Program lock_takeover(int polls) {
  return Program([polls](EventLoop& loop) {
    LockWord word{.polls = polls};
    sctbench::run_all(loop, &spawn, &word);
  });
}

}  // namespace detsim::long_stretch
