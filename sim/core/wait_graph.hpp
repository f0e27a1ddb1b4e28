// The wait-for graph of a loop's tasks, read off their waits: what deadlock
// reports are built from (DeadlockError's message, check_wait_cycle). Private
// to sim/.
//
// Nodes are live tasks; a task awaiting a task has an edge to it; a task
// awaiting a future with a WaitTarget has an edge to each of the target's
// holders that is a live task. Everything is walked in task-id order (holders
// sorted), so reports are the same on every run.
#pragma once

#include <string>
#include <vector>

#include "detsim/base/source_location.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim::detail {

class LoopCore;
class TaskCore;

// One task of a wait-for cycle, with the wait that leads to the next one.
struct WaitStep {
  const TaskCore* task = nullptr;
  const WaitTarget* target = nullptr;    // what it waits on, if named
  const TaskCore* awaited = nullptr;     // or the task it awaits
  SourceLocation site{};
};

// A live task blocked on a future that is not done: what it waits on, as
// wait_text says it, and the target, if named.
struct BlockedTask {
  const TaskCore* task = nullptr;
  const WaitTarget* target = nullptr;
  std::string waits_on;  // "waits on Lock 'a', held by 'u' (task 2)"
  SourceLocation site{};  // where the wait began
};
// The loop's blocked tasks, in task-id order.
std::vector<BlockedTask> blocked_tasks(const LoopCore& loop);

// "'name' (task 3)".
std::string task_label(const TaskCore& task);
// One line per live task, in task-id order, each with what it waits on by
// name: "'t' (task 1) waits on Lock 'a', held by 'u' (task 2)".
std::string describe_blocked_tasks(const LoopCore& loop);
// The first wait-for cycle among the live tasks (searched from each task in
// id order), or empty.
std::vector<WaitStep> find_wait_cycle(const LoopCore& loop);
// "'t' (task 1) holds Lock 'a' and waits on Lock 'b' at file:line; ...".
std::string describe_cycle(const std::vector<WaitStep>& cycle);

}  // namespace detsim::detail
