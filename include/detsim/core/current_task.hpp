// detsim::current_task(): which task is running, for code that names it in
// a log, an error or a check (asyncio's current_task(), as a handle).
//
// Invariants: id is the task's number on its loop (1, 2, ... in creation
// order), and name the task's name (default "Task-<id>"); outside any task
// (a loop callback, or no loop running), id is 0 and the name empty.
//
// Determinism: both come from the loop's counters and the program, so the
// same seed names the same tasks on every run.
//
// Example:
//   detsim::Task<void> worker() {
//     log("worker " + std::string(detsim::current_task().name) + " starts");
//     ...
//   }
#pragma once

#include <cstdint>
#include <string_view>

namespace detsim {

struct CurrentTask {
  std::uint64_t id = 0;
  std::string_view name;  // valid while the task lives
  explicit operator bool() const noexcept { return id != 0; }
};

// The task running now on this thread's loop; {} outside any task.
CurrentTask current_task() noexcept;

}  // namespace detsim
