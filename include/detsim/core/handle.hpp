// detsim::Handle and detsim::TimerHandle: what call_soon, call_later and
// call_at return, as in asyncio.
//
// A handle names one scheduled callback. cancel() stops it from running if it
// has not run yet; after it ran (or was cancelled) cancel() does nothing.
// Handles are cheap values; copies name the same callback.
//
// Invariants:
//   - a scheduled callback runs at most once, and never after cancel();
//   - a handle must not be used after its loop is destroyed.
//
// Example:
//   detsim::TimerHandle timeout = loop.call_later(5s, [&] { give_up(); });
//   ...
//   timeout.cancel();   // the reply came first
#pragma once

#include <chrono>
#include <cstdint>

namespace detsim {
namespace detail {
struct HandleRecord;
class LoopCore;
}  // namespace detail

class Handle {
 public:
  Handle() = default;

  // Cancels the callback if it has not run yet.
  void cancel();
  // True once cancel() was called through this handle, or while the callback
  // is pending and was cancelled through another copy.
  bool cancelled() const noexcept;
  // A per-loop counter: the same on every run of the same program.
  std::uint64_t id() const noexcept { return id_; }

 protected:
  Handle(detail::LoopCore* loop, detail::HandleRecord* record, std::uint32_t generation,
         std::uint64_t id) noexcept
      : loop_(loop), record_(record), generation_(generation), id_(id) {}
  bool pending() const noexcept;

 private:
  friend class detail::LoopCore;
  detail::LoopCore* loop_ = nullptr;
  detail::HandleRecord* record_ = nullptr;
  std::uint32_t generation_ = 0;
  bool cancelled_ = false;
  std::uint64_t id_ = 0;
};

class TimerHandle : public Handle {
 public:
  TimerHandle() = default;
  // The virtual time (since the loop started) at which the callback is due.
  std::chrono::nanoseconds when() const noexcept { return when_; }

 private:
  friend class detail::LoopCore;
  TimerHandle(Handle handle, std::chrono::nanoseconds when) noexcept : Handle(handle), when_(when) {}
  std::chrono::nanoseconds when_{0};
};

}  // namespace detsim
