// detsim::asyncio::Held<P>: a Lock, Semaphore or Condition held by the
// running code, released when the guard goes out of scope (C++'s answer to
// asyncio's `async with lock:`).
//
//   {
//     auto held = co_await lock.hold();   // acquire(), as the calling task
//     ...                                 // the critical section
//   }                                     // release(), synchronously
//
// Invariants: a Held that was not moved from releases its primitive exactly
// once: in its destructor or at release(), whichever comes first. Release is
// synchronous, as asyncio's release() (and __aexit__, which awaits nothing):
// it wakes the next waiter through the loop but never suspends, so leaving
// the scope is not a scheduling point. Releasing the primitive by hand as
// well is a programmer error: the guard's second release throws from a
// destructor, which terminates.
//
// Determinism: the guard adds no scheduling point and no decision.
#pragma once

#include <utility>

namespace detsim::asyncio {

template <class Primitive>
class [[nodiscard]] Held {
 public:
  explicit Held(Primitive& primitive) noexcept : primitive_(&primitive) {}
  Held(Held&& other) noexcept : primitive_(std::exchange(other.primitive_, nullptr)) {}
  Held& operator=(Held&&) = delete;
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held() {
    if (primitive_ != nullptr) primitive_->release();
  }

  // Releases now rather than at the end of the scope.
  void release() {
    if (Primitive* primitive = std::exchange(primitive_, nullptr)) primitive->release();
  }
  // Whether this guard still holds (not released, not moved from).
  bool holds() const noexcept { return primitive_ != nullptr; }

 private:
  Primitive* primitive_;
};

}  // namespace detsim::asyncio
