// asyncio.shield: awaits a future while protecting it from the awaiting
// task's cancellation.
//
//   auto save = loop.create_task(write_to_disk());
//   co_await asyncio::shield(save);   // cancelling us does not cancel save
//
// shield(x) schedules x (see gather.hpp for what it accepts) and returns a
// Future of its result: x itself if it is already done, else a new outer
// Future that completes as x does. Cancelling the outer future (which is
// what cancelling a task awaiting it does) cancels only the outer one:
// the awaiting task gets CancelledError while x goes on; x's later exception
// is then marked retrieved. If x is cancelled by other means, the outer
// future is cancelled too.
//
// Where detsim differs: the outer future completes in x's completing step
// (done callbacks run at once in detsim), one loop iteration sooner than in
// asyncio.
//
// Determinism: nothing is scheduled but x itself.
#pragma once

#include <memory>
#include <utility>

#include "detsim/asyncio/detail/awaitables.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/future.hpp"

namespace detsim::asyncio {

namespace detail {

// What outer's done callback needs of inner, without holding it: inner's
// callback holds outer, and outer holding inner back would be a cycle that
// leaks both when inner never completes (its loop closes first). `inner` is
// cleared when inner's callback is destroyed, run or dropped with inner.
struct ShieldLink {
  ::detsim::detail::FutureStateBase* inner = nullptr;
  CallbackId inner_callback;
};

struct ShieldLinkClearer {
  explicit ShieldLinkClearer(std::shared_ptr<ShieldLink> shared) : link(std::move(shared)) {}
  ShieldLinkClearer(ShieldLinkClearer&& other) noexcept : link(std::move(other.link)) {}
  ShieldLinkClearer& operator=(ShieldLinkClearer&&) = delete;
  ~ShieldLinkClearer() {
    if (link) link->inner = nullptr;
  }
  std::shared_ptr<ShieldLink> link;
};

}  // namespace detail

template <detail::Awaitable A>
Future<detail::value_of_t<A>> shield(A awaitable) {
  using T = detail::value_of_t<A>;
  Future<T> inner = detail::ensure_future(std::move(awaitable));
  if (inner.done()) return inner;
  auto outer = get_running_loop().create_future<T>();
  auto link = std::make_shared<detail::ShieldLink>();
  link->inner = inner.state();
  link->inner_callback = inner.add_done_callback([outer, clearer = detail::ShieldLinkClearer(link)](Future<T>& done) mutable {
    if (outer.cancelled()) {
      if (!done.cancelled()) (void)done.exception();  // retrieved: nobody is left to see it
      return;
    }
    if (done.cancelled()) {
      outer.cancel();
    } else if (auto error = done.exception()) {
      outer.set_exception(std::move(error));
    } else if constexpr (std::is_void_v<T>) {
      outer.set_result();
    } else {
      outer.set_result(done.result());
    }
  });
  outer.add_done_callback([link](Future<T>&) {
    if (auto* pending = link->inner; pending && !pending->done()) pending->remove_done_callback(link->inner_callback.value);
  });
  return outer;
}

}  // namespace detsim::asyncio
