// BoundCallback: a callback with the arguments call_soon/call_later/call_at
// pass it (asyncio's `loop.call_soon(f, 1, "x")`). Internal: EventLoop wraps
// it into the loop's InlineFunction<void()>.
//
// The callback and its arguments are decay-copies taken when it is
// scheduled (a `const char*` stays a pointer, an lvalue std::string is
// copied, a std::reference_wrapper passes a reference). Python holds
// references to its objects instead, so an argument mutated after the call
// is seen mutated there and not here. A handle runs once, so the call moves
// the arguments into the callback.
#pragma once

#include <concepts>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace detsim::detail {

// The callback (a decay-copy) can be called with the decay-copies of the
// arguments, moved in.
template <class F, class... Arguments>
concept invocable_with_copies = std::invocable<std::decay_t<F>&, std::decay_t<Arguments>...>;

template <class F, class... Arguments>
class BoundCallback {
 public:
  template <class G, class... A>
  explicit BoundCallback(G&& callback, A&&... arguments)
      : callback_(std::forward<G>(callback)), arguments_(std::forward<A>(arguments)...) {}

  void operator()() {
    std::apply([this](Arguments&... arguments) { std::invoke(callback_, std::move(arguments)...); }, arguments_);
  }

 private:
  F callback_;
  std::tuple<Arguments...> arguments_;
};

template <class F, class... Arguments>
BoundCallback<std::decay_t<F>, std::decay_t<Arguments>...> bind_callback(F&& callback, Arguments&&... arguments) {
  return BoundCallback<std::decay_t<F>, std::decay_t<Arguments>...>(std::forward<F>(callback),
                                                                     std::forward<Arguments>(arguments)...);
}

}  // namespace detsim::detail
