// IntrusivePtr: a non-atomic reference-counted pointer for loop-owned state.
//
// A loop and everything scheduled on it belong to one thread, so counts need
// no atomics; that keeps a wake-up (which copies a task reference into the
// ready queue) at a couple of plain increments. T provides add_reference()
// and release_reference() (which destroys the object when the count hits 0).
#pragma once

#include <utility>

namespace detsim::detail {

template <class T>
class IntrusivePtr {
 public:
  IntrusivePtr() noexcept = default;
  // Takes a new reference to pointer (which may be null).
  explicit IntrusivePtr(T* pointer) noexcept : pointer_(pointer) {
    if (pointer_) pointer_->add_reference();
  }
  // Adopts a reference the caller already holds.
  static IntrusivePtr adopt(T* pointer) noexcept {
    IntrusivePtr result;
    result.pointer_ = pointer;
    return result;
  }
  IntrusivePtr(const IntrusivePtr& other) noexcept : IntrusivePtr(other.pointer_) {}
  IntrusivePtr(IntrusivePtr&& other) noexcept : pointer_(std::exchange(other.pointer_, nullptr)) {}
  template <class U>
  IntrusivePtr(const IntrusivePtr<U>& other) noexcept : IntrusivePtr(other.get()) {}
  IntrusivePtr& operator=(IntrusivePtr other) noexcept {
    std::swap(pointer_, other.pointer_);
    return *this;
  }
  ~IntrusivePtr() { reset(); }

  void reset() noexcept {
    if (T* old = std::exchange(pointer_, nullptr)) old->release_reference();
  }
  // Gives up ownership without releasing.
  T* release() noexcept { return std::exchange(pointer_, nullptr); }

  T* get() const noexcept { return pointer_; }
  T& operator*() const noexcept { return *pointer_; }
  T* operator->() const noexcept { return pointer_; }
  explicit operator bool() const noexcept { return pointer_ != nullptr; }
  friend bool operator==(const IntrusivePtr& a, const IntrusivePtr& b) noexcept {
    return a.pointer_ == b.pointer_;
  }

 private:
  T* pointer_ = nullptr;
};

}  // namespace detsim::detail
