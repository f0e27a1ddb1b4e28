// detsim::asyncio::TaskInfo: a task as the toolkit's introspection shows it
// (the holders of a Lock or Semaphore, the tasks waiting on any primitive),
// for deadlock reports and error messages.
//
// Invariants: task_id is the per-loop task number (1, 2, ...) and name the
// task's name when it reached the primitive; a TaskInfo is a copy, so it
// stays valid after the task ends (a report may outlive the task). task_id 0
// means "not from a task" (a put_nowait from a loop callback, say).
//
// Determinism: ids and default names come from the loop's counters, so a
// seed reports the same TaskInfos on every run.
//
// Example:
//   for (const auto& holder : lock.holders())
//     std::cout << holder.name << " (task " << holder.task_id << ") holds " << lock.name();
#pragma once

#include <cstdint>
#include <string>

namespace detsim::asyncio {

struct TaskInfo {
  std::uint64_t task_id = 0;
  std::string name;
  friend bool operator==(const TaskInfo&, const TaskInfo&) = default;
};

// The task running now (task_id 0 outside any task).
TaskInfo current_task_info();

}  // namespace detsim::asyncio
