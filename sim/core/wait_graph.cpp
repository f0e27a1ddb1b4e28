#include "core/wait_graph.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/loop_core.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/detail/task_core.hpp"

namespace detsim::detail {

namespace {

// The loop's live tasks by id. Built once per report or check: the live list
// is in task-id order, so this is a sorted vector searched by bisection.
class TaskIndex {
 public:
  explicit TaskIndex(const LoopCore& loop) {
    for (const TaskCore* task = loop.first_live_task(); task; task = task->live_next) tasks_.push_back(task);
  }
  const TaskCore* find(std::uint64_t id) const noexcept {
    auto it = std::lower_bound(tasks_.begin(), tasks_.end(), id,
                               [](const TaskCore* task, std::uint64_t wanted) { return task->task_id() < wanted; });
    return it != tasks_.end() && (*it)->task_id() == id ? *it : nullptr;
  }
  const std::vector<const TaskCore*>& tasks() const noexcept { return tasks_; }

 private:
  std::vector<const TaskCore*> tasks_;
};

// The task's current wait, as a step of the graph.
WaitStep wait_of(const TaskCore& task) {
  WaitStep step;
  step.task = &task;
  const FutureStateBase* future = task.waiting_on();
  if (!future) return step;
  step.site = task.wait_site();
  if (future->task()) {
    step.awaited = future->task();
  } else if (const WaitTarget* target = future->wait_target()) {
    step.target = target;
    step.site = future->wait_target_site();
  }
  return step;
}

std::vector<std::uint64_t> sorted_holders(const WaitTarget& target) {
  std::vector<std::uint64_t> ids = target.holder_ids();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// The tasks `step` waits for: the awaited task, or the target's holders that
// are live tasks, in id order.
std::vector<const TaskCore*> successors(const TaskIndex& index, const WaitStep& step) {
  if (step.awaited) return {step.awaited};
  std::vector<const TaskCore*> next;
  if (step.target) {
    for (std::uint64_t id : sorted_holders(*step.target)) {
      if (const TaskCore* holder = index.find(id)) next.push_back(holder);
    }
  }
  return next;
}

std::string site_text(SourceLocation site) {
  if (site.line() == 0) return {};
  return std::string(" at ") + site.file_name() + ":" + std::to_string(site.line());
}

std::string holders_text(const TaskIndex& index, const WaitTarget& target) {
  const std::vector<std::uint64_t> ids = sorted_holders(target);
  std::string text;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    text += i == 0 ? ", held by " : ", ";
    const TaskCore* holder = index.find(ids[i]);
    // A holder that has ended never releases: a lock leaked by a finished task.
    text += holder ? task_label(*holder) : "task " + std::to_string(ids[i]) + " (ended)";
  }
  return text;
}

std::string wait_text(const TaskIndex& index, const TaskCore& task) {
  const WaitStep step = wait_of(task);
  if (step.target) return "waits on " + step.target->describe() + holders_text(index, *step.target);
  if (step.awaited) return "awaits task " + task_label(*step.awaited);
  if (task.waiting_on()) return "awaits future " + std::to_string(task.waiting_on()->id());
  if (task.sleeping()) return "sleeps";
  return "is ready";
}

// Depth-first search with the usual three colours, iterative (a chain of
// awaits may be as long as there are tasks). `on_path` is the grey path.
class CycleSearch {
 public:
  explicit CycleSearch(const TaskIndex& index) : index_(index) {}

  std::vector<WaitStep> from(const TaskCore& root) {
    if (done_.count(root.task_id()) != 0) return {};
    struct Frame {
      WaitStep step;
      std::vector<const TaskCore*> next;
      std::size_t index = 0;
    };
    std::vector<Frame> path;
    std::set<std::uint64_t> on_path;
    auto push = [&](const TaskCore& task) {
      Frame frame{wait_of(task), {}, 0};
      frame.next = successors(index_, frame.step);
      path.push_back(std::move(frame));
      on_path.insert(task.task_id());
    };
    push(root);
    while (!path.empty()) {
      Frame& top = path.back();
      if (top.index == top.next.size()) {
        on_path.erase(top.step.task->task_id());
        done_.insert(top.step.task->task_id());
        path.pop_back();
        continue;
      }
      const TaskCore* next = top.next[top.index++];
      if (on_path.count(next->task_id()) != 0) return cycle_from(path, *next);
      if (done_.count(next->task_id()) == 0) push(*next);
    }
    return {};
  }

 private:
  template <class Path>
  static std::vector<WaitStep> cycle_from(const Path& path, const TaskCore& start) {
    std::vector<WaitStep> cycle;
    bool in = false;
    for (const auto& frame : path) {
      in = in || frame.step.task == &start;
      if (in) cycle.push_back(frame.step);
    }
    return cycle;
  }

  const TaskIndex& index_;
  std::set<std::uint64_t> done_;
};

}  // namespace

std::string task_label(const TaskCore& task) {
  return "'" + task.name() + "' (task " + std::to_string(task.task_id()) + ")";
}

std::string describe_blocked_tasks(const LoopCore& loop) {
  const TaskIndex index(loop);
  std::string text;
  for (const TaskCore* task : index.tasks()) text += "\n  " + task_label(*task) + " " + wait_text(index, *task);
  return text;
}

std::vector<BlockedTask> blocked_tasks(const LoopCore& loop) {
  const TaskIndex index(loop);
  std::vector<BlockedTask> blocked;
  for (const TaskCore* task : index.tasks()) {
    const FutureStateBase* future = task->waiting_on();
    // A done future's wake-up is on its way: the task is not blocked.
    if (future == nullptr || future->done()) continue;
    blocked.push_back(BlockedTask{task, future->wait_target(), wait_text(index, *task), wait_of(*task).site});
  }
  return blocked;
}

std::vector<WaitStep> find_wait_cycle(const LoopCore& loop) {
  const TaskIndex index(loop);
  CycleSearch search(index);
  for (const TaskCore* task : index.tasks()) {
    std::vector<WaitStep> cycle = search.from(*task);
    if (!cycle.empty()) return cycle;
  }
  return {};
}

std::string describe_cycle(const std::vector<WaitStep>& cycle) {
  std::string text;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const WaitStep& step = cycle[i];
    // What the previous task waits on, this one holds (if it was a target).
    const WaitStep& previous = cycle[(i + cycle.size() - 1) % cycle.size()];
    if (i != 0) text += "; ";
    text += task_label(*step.task);
    if (previous.target) text += " holds " + previous.target->describe() + " and";
    text += step.target ? " waits on " + step.target->describe() : " awaits task " + task_label(*step.awaited);
    text += site_text(step.site);
  }
  return text;
}

// A path of waits from `from` back to `goal`, as the steps after `from`
// (empty if `from` waits for `goal` directly); nullopt if there is none.
std::optional<std::vector<WaitStep>> path_back_to(const TaskIndex& index, const WaitStep& from, const TaskCore& goal) {
  struct Frame {
    WaitStep step;
    std::vector<const TaskCore*> next;
    std::size_t index = 0;
  };
  std::vector<Frame> path;
  std::set<std::uint64_t> visited;
  path.push_back(Frame{from, successors(index, from), 0});
  while (!path.empty()) {
    Frame& top = path.back();
    if (top.index == top.next.size()) {
      path.pop_back();
      continue;
    }
    const TaskCore* next = top.next[top.index++];
    if (next == &goal) {
      std::vector<WaitStep> steps;
      for (std::size_t i = 1; i < path.size(); ++i) steps.push_back(path[i].step);
      return steps;
    }
    if (!visited.insert(next->task_id()).second) continue;
    WaitStep step = wait_of(*next);
    std::vector<const TaskCore*> after = successors(index, step);
    path.push_back(Frame{step, std::move(after), 0});
  }
  return std::nullopt;
}

}  // namespace detsim::detail

namespace detsim {

bool check_wait_cycle(const WaitTarget& target, SourceLocation site) {
  detail::TaskCore* task = detail::current_task();
  if (!task || !task->loop()) return false;
  // Most waits are on a target nobody holds, or whose holders run: no index.
  if (target.holder_ids().empty()) return false;
  detail::LoopCore& loop = *task->loop();
  const detail::TaskIndex index(loop);
  detail::WaitStep first;
  first.task = task;
  first.target = &target;
  first.site = site;
  // (A task waiting on what it holds itself is a cycle of one.)
  std::optional<std::vector<detail::WaitStep>> rest = detail::path_back_to(index, first, *task);
  if (!rest) return false;
  std::vector<detail::WaitStep> cycle{first};
  cycle.insert(cycle.end(), rest->begin(), rest->end());
  if (!loop.wait_cycle_halts()) return true;
  loop.halt(std::make_exception_ptr(DeadlockError(
      "detsim.loop.wait_cycle", "a wait closes a wait-for cycle, which nothing can break: " +
                                    detail::describe_cycle(cycle))));
  return true;
}

}  // namespace detsim
