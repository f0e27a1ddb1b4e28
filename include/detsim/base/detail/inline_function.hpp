// InlineFunction<R(Args...)>: a move-only type-erased callable that stores
// small callables (up to inline_bytes, nothrow-movable) inside itself.
//
// Why not std::function: it must be copyable and allocates for most lambdas
// that capture more than two pointers; scheduling a callback or a wake-up
// must not allocate in steady state. Larger callables are heap-allocated once.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "detsim/base/detail/assert.hpp"

namespace detsim::detail {

template <class Signature>
class InlineFunction;

template <class R, class... Args>
class InlineFunction<R(Args...)> {
 public:
  static constexpr std::size_t inline_bytes = 32;

  InlineFunction() noexcept = default;

  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, InlineFunction> && std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
  InlineFunction(F&& function) {  // NOLINT(google-explicit-constructor): used like std::function
    emplace(std::forward<F>(function));
  }

  InlineFunction(InlineFunction&& other) noexcept { take(other); }
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  explicit operator bool() const noexcept { return invoke_ != nullptr; }

  R operator()(Args... args) { return invoke_(storage_, std::forward<Args>(args)...); }

  void reset() noexcept {
    if (manage_) manage_(Operation::destroy, storage_, nullptr);
    invoke_ = nullptr;
    manage_ = nullptr;
  }
  // Stores `function` in an empty InlineFunction, built in place: no
  // temporary to move from and destroy, as assigning one would make.
  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, InlineFunction> && std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
  void emplace_into_empty(F&& function) {
    DETSIM_ASSERT(!invoke_);
    emplace(std::forward<F>(function));
  }
  // Move-assignment into an empty InlineFunction, which has nothing to
  // destroy first (a handle record's, once released).
  void move_into_empty(InlineFunction&& other) noexcept {
    DETSIM_ASSERT(!invoke_);
    take(other);
  }

 private:
  enum class Operation { relocate, destroy };
  using Invoke = R (*)(void*, Args&&...);
  using Manage = void (*)(Operation, void* self, void* destination) noexcept;

  template <class F>
  static constexpr bool stored_inline = sizeof(F) <= inline_bytes &&
                                        alignof(F) <= alignof(std::max_align_t) &&
                                        std::is_nothrow_move_constructible_v<F>;

  template <class F>
  void emplace(F&& function) {
    using Stored = std::decay_t<F>;
    if constexpr (stored_inline<Stored>) {
      ::new (static_cast<void*>(storage_)) Stored(std::forward<F>(function));
      invoke_ = [](void* self, Args&&... args) -> R {
        return (*std::launder(static_cast<Stored*>(self)))(std::forward<Args>(args)...);
      };
      // Trivially copyable callables (a pointer and an id, say) relocate by
      // memcpy and need no destructor: manage_ stays null on the hot path.
      if constexpr (!std::is_trivially_copyable_v<Stored>) {
        manage_ = [](Operation operation, void* self, void* destination) noexcept {
          auto* stored = std::launder(static_cast<Stored*>(self));
          if (operation == Operation::relocate) ::new (destination) Stored(std::move(*stored));
          stored->~Stored();
        };
      }
    } else {
      auto* heap = new Stored(std::forward<F>(function));
      std::memcpy(storage_, &heap, sizeof heap);
      invoke_ = [](void* self, Args&&... args) -> R {
        Stored* stored;
        std::memcpy(&stored, self, sizeof stored);
        return (*stored)(std::forward<Args>(args)...);
      };
      manage_ = [](Operation operation, void* self, void* destination) noexcept {
        if (operation == Operation::relocate) {
          std::memcpy(destination, self, sizeof(Stored*));
          return;
        }
        Stored* stored;
        std::memcpy(&stored, self, sizeof stored);
        delete stored;
      };
    }
  }

  void take(InlineFunction& other) noexcept {
    if (other.manage_) {
      other.manage_(Operation::relocate, other.storage_, storage_);
    } else {
      std::memcpy(storage_, other.storage_, inline_bytes);
    }
    invoke_ = std::exchange(other.invoke_, nullptr);
    manage_ = std::exchange(other.manage_, nullptr);
  }

  alignas(std::max_align_t) std::byte storage_[inline_bytes];
  Invoke invoke_ = nullptr;
  Manage manage_ = nullptr;
};

}  // namespace detsim::detail
