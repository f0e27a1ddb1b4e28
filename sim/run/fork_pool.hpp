// Runs tasks in forked child processes, at most `jobs` at once, each
// sending one result back over a pipe. Private to sim/run.
//
// Why processes and not threads: a task runs user programs, whose static
// state must not be shared between tasks run side by side (and a crash must
// not take the sweep down). The parent never runs a task itself, so a child
// forked later starts from the parent's untouched state.
//
// Determinism contract: none needed here; callers give each result a place
// by its task index, so completion order never shows.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace detsim::detail {

struct ChildResult {
  bool ok = false;       // the task returned and the child exited 0
  std::string payload;   // what the task returned (ok), or why not
};

struct ForkPoolCallbacks {
  // Runs in the child: task `index`'s result (an exception becomes !ok).
  std::function<std::string(std::size_t index)> task;
  // Runs in the parent as each task ends; false: start no more tasks.
  std::function<bool(std::size_t index, ChildResult result)> done;
  // Runs in the parent about every `tick_ms` while tasks run (may be empty).
  std::function<void()> tick;
  // Runs in the parent before starting task `index`; false: start no more.
  std::function<bool(std::size_t index)> may_start;
};

// Tasks 0..count-1, started in index order. Returns when every started
// task has ended. Throws detsim::Error if fork or pipe fail.
void run_in_children(std::size_t count, unsigned jobs, const ForkPoolCallbacks& callbacks, int tick_ms = 100);

// A byte string built and read field by field: how results cross the pipe.
class WireWriter {
 public:
  WireWriter& number(std::uint64_t value);
  WireWriter& text(const std::string& value);
  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

class WireReader {
 public:
  explicit WireReader(const std::string& bytes) : bytes_(bytes) {}
  std::uint64_t number();
  std::string text();
  bool at_end() const noexcept { return position_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  std::size_t position_ = 0;
};

}  // namespace detsim::detail
