// detsim::declare_access: tell the explorers which shared state a step touches.
//
// detsim sees the order of task steps but not what a step reads or writes.
// A program that declares its accesses to state shared between tasks lets
// the explorers tell conflicting steps from independent ones:
//   - PosScheduler (scheduling/pos.hpp) re-draws the priority of the pending
//     steps that conflict with the step it just ran;
//   - explore() (run/explore.hpp) skips schedules that differ only in the
//     order of independent steps (sleep sets), and
//   - CoverageReport counts the distinct orders of conflicting steps.
//
//   const int seen = balance;                    // a step of task A
//   detsim::declare_access("balance", detsim::AccessMode::read);
//   co_await detsim::yield();
//   balance = seen + 1;                          // its next step
//   detsim::declare_access("balance");           // a write
//
// A resource is a name; two accesses conflict when they name the same
// resource and at least one is a write. The contract explore()'s reduction
// relies on: a step that declares any access declares every interaction it
// has with other tasks (shared memory, and the detsim objects it shares
// with them: a lock, a queue, a future - declare them by name too). A step
// that declares nothing is taken to conflict with every step, so a program
// that declares nothing is explored without reduction, soundly.
//
// Determinism contract: declaring never changes the run; the log keeps
// declarations in the order they were made, resources as a 64-bit FNV-1a
// hash of the name (never an address). With no log open (AccessScope) a
// declaration does nothing.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace detsim {

enum class AccessMode : std::uint8_t { read, write };

struct Access {
  std::uint64_t actor = 0;     // who made it, as the log's actor() said (a task id; 0: none)
  std::uint64_t resource = 0;  // resource_id(name)
  AccessMode mode = AccessMode::write;
  friend bool operator==(const Access&, const Access&) = default;
};

// The 64-bit FNV-1a hash of a resource name: its id in an AccessLog.
constexpr std::uint64_t resource_id(std::string_view name) noexcept {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

constexpr bool conflict(const Access& a, const Access& b) noexcept {
  return a.resource == b.resource && (a.mode == AccessMode::write || b.mode == AccessMode::write);
}

// The declarations of one run, in order. `actor` names who declares (the
// run layer answers the running task's id); null: every actor is 0.
struct AccessLog {
  std::vector<Access> accesses;
  std::uint64_t (*actor)() noexcept = nullptr;
};

// Makes `log` this thread's open log for the scope's life.
class AccessScope {
 public:
  explicit AccessScope(AccessLog& log) noexcept;
  ~AccessScope();
  AccessScope(const AccessScope&) = delete;
  AccessScope& operator=(const AccessScope&) = delete;

 private:
  AccessLog* previous_;
};

// Records an access to `resource` in the open log, if any.
void declare_access(std::string_view resource, AccessMode mode = AccessMode::write);

// The open log, or null: for schedulers that read what the step they picked
// declared (they never write to it).
const AccessLog* open_access_log() noexcept;

}  // namespace detsim
