// detsim::LoopExtension: per-loop state that a higher layer keeps with a loop
// (the asyncio toolkit's lock-order graph, say), owned by the loop and
// destroyed with it.
//
// A layer takes a slot once per process (new_loop_extension_slot, e.g. in a
// function-local static) and then finds or installs its object on a loop
// with loop_extension / set_loop_extension. A slot is an index into the
// loop's small table; nothing is keyed by address.
//
// Invariants: an extension lives until its loop is destroyed, after the
// loop's unfinished tasks have been torn down (so code running in that
// teardown, a frame's destructor releasing a lock, still finds it).
//
// Determinism contract: slots are plain counters and feed no decision; an
// extension is found by its slot, never by address order.
//
// Example:
//   static const std::size_t slot = detsim::detail::new_loop_extension_slot();
//   auto* graph = static_cast<MyGraph*>(detsim::detail::loop_extension(loop, slot));
//   if (!graph) graph = static_cast<MyGraph*>(detsim::detail::set_loop_extension(
//                         loop, slot, std::make_unique<MyGraph>(loop)));
#pragma once

#include <cstddef>
#include <memory>

namespace detsim {

class EventLoop;

class LoopExtension {
 public:
  LoopExtension() = default;
  LoopExtension(const LoopExtension&) = delete;
  LoopExtension& operator=(const LoopExtension&) = delete;
  virtual ~LoopExtension() = default;
};

namespace detail {

// A new slot number (process-wide counter). Not thread-safe with itself:
// take slots in function-local statics (whose initialization is).
std::size_t new_loop_extension_slot() noexcept;
// The loop's extension in `slot`, or null.
LoopExtension* loop_extension(EventLoop& loop, std::size_t slot) noexcept;
// Installs `extension` in `slot` (replacing and destroying any there);
// returns it.
LoopExtension* set_loop_extension(EventLoop& loop, std::size_t slot, std::unique_ptr<LoopExtension> extension);

}  // namespace detail
}  // namespace detsim
