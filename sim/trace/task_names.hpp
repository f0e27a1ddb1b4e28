// TaskNames: which name each task has in a trace. Private to sim/.
//
// A task's name in a trace is the one its first event there carries (for a
// task created while recording, its task_created); every later event of the
// task carries the same name (SCHEMA.md). The recorder, the digest and the
// reader all keep this table: the recorder to name decoded events without
// storing a name per event, the digest to hash a name once per task, the
// reader to check that names never change.
//
// Task ids come from a loop counter, so the table is a vector indexed by id,
// as long as it stays dense: an id that would make the vector much larger
// than the number of tasks in it (an observer fed by hand, an edited file)
// goes to a map instead. Only looked up, never iterated: nothing about the
// table's layout reaches a trace.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace detsim::detail {

class TaskNames {
 public:
  // Whether the task was seen and sits in the vector, the common case.
  // Inline: a recorder asks for every event of a task.
  [[gnu::always_inline]] bool seen_dense(std::uint64_t task) const noexcept {
    return task < dense_.size() && dense_[task] != 0;
  }
  // The task's slot (its name's 1-based string index, plus 1), or nullptr if
  // the task was not seen.
  const std::uint32_t* find(std::uint64_t task) const noexcept {
    if (seen_dense(task)) return &dense_[task];
    // A task in the map may be below the vector's size: it grew since.
    if (sparse_.empty()) return nullptr;
    const auto found = sparse_.find(task);
    return found == sparse_.end() ? nullptr : &found->second;
  }
  // The task's name (1-based string index; 0 for none, or if unseen).
  std::uint32_t name_of(std::uint64_t task) const noexcept {
    const std::uint32_t* slot = find(task);
    return slot ? *slot - 1 : 0;
  }
  // Records that `task` is named `name` (0 for none); the task must be unseen.
  void add(std::uint64_t task, std::uint32_t name) {
    ++tasks_;
    if (task < dense_.size() || task < 2 * tasks_ + dense_slack) {
      if (dense_.size() <= task) dense_.resize(task + 1);
      dense_[task] = name + 1;
    } else {
      sparse_[task] = name + 1;
    }
  }

 private:
  // The vector holds at most twice as many slots as tasks, plus this.
  static constexpr std::uint64_t dense_slack = 1024;
  std::uint64_t tasks_ = 0;
  // name index + 1 per task id; 0 for a task not seen
  std::vector<std::uint32_t> dense_;
  std::map<std::uint64_t, std::uint32_t> sparse_;
};

}  // namespace detsim::detail
