// asyncio.gather: one future for the results of several, in argument order.
//
//   auto [a, b] = co_await asyncio::gather(fetch(1), fetch_name(2));   // std::tuple<int, std::string>
//   std::vector<int> all = co_await asyncio::gather(std::move(tasks));  // std::vector<Task<int>>
//   auto outcomes = co_await asyncio::gather(asyncio::return_exceptions, a, b);
//   if (!std::get<0>(outcomes).has_value()) log(describe(std::get<0>(outcomes).exception()));
//
// gather() is a plain function returning a Future (as in asyncio, not a
// coroutine): it schedules what it is given at once (see awaitables below),
// in argument order, and the Future completes:
//   - with every result, in argument order (a std::tuple for the variadic
//     form, a std::vector for the vector form; a void awaitable gives
//     std::monostate, Python's None), once all are done;
//   - with the first exception as soon as one child fails (the others go on,
//     unless someone cancels them), or a CancelledError if a child is
//     cancelled (with the child's cancel message) -- unless
//     return_exceptions is given: then every child's Outcome (value, or its
//     exception, CancelledError for a cancelled child) once all are done.
// cancel() of the returned Future (or of a task awaiting it) is asyncio's
// _GatheringFuture.cancel: it cancels every child still pending and returns
// whether any was; the Future itself is not cancelled but completes when the
// children do, with a CancelledError as its *exception* (so an awaiting task
// sees CancelledError) even with return_exceptions: the last argument's, as
// in 3.11 (its cancel message; none if it was not cancelled). A cancel()
// that comes back round to the gather (a child awaits, down a chain, the
// task that awaits the gather) ends it at once with CancelledError, where
// asyncio recurses until RecursionError. A child given twice is one child
// (its result appears twice).
//
// Awaitables: a Future<T>, a Task<T> (scheduled with loop.create_task if not
// yet), or a Coroutine<T> (run in a Task of its own, as ensure_future does).
// Must be called inside a running loop.
//
// Where detsim differs (README, "Where detsim differs from asyncio"): the
// children's done callbacks run when they complete, so the gather completes
// in the child's own step and the awaiting task's wake-up is scheduled
// there, where asyncio takes one more loop iteration (its _done_callback is
// itself scheduled with call_soon). Orderings against *other* tasks that are
// ready meanwhile can therefore differ; results and errors do not.
//
// Determinism: children are scheduled and listed in argument order; the
// duplicate check is a membership test only. Nothing is ordered by address.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "detsim/asyncio/detail/awaitables.hpp"
#include "detsim/base/detail/assert.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/future.hpp"

namespace detsim::asyncio {

// Python's None for a void awaitable's slot in the results.
template <class T>
using gathered_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// One child's outcome with return_exceptions: its value or its exception.
template <class T>
class Outcome {
 public:
  explicit Outcome(gathered_t<T> value) : state_(std::in_place_index<0>, std::move(value)) {}
  explicit Outcome(std::exception_ptr error) : state_(std::in_place_index<1>, std::move(error)) {
    DETSIM_ASSERT(std::get<1>(state_) != nullptr);
  }
  bool has_value() const noexcept { return state_.index() == 0; }
  // The value; rethrows the exception if there is one.
  const gathered_t<T>& value() const {
    if (!has_value()) std::rethrow_exception(std::get<1>(state_));
    return std::get<0>(state_);
  }
  // The exception, null if there is a value.
  std::exception_ptr exception() const noexcept { return has_value() ? nullptr : std::get<1>(state_); }

 private:
  std::variant<gathered_t<T>, std::exception_ptr> state_;
};

struct ReturnExceptions {
  explicit constexpr ReturnExceptions() = default;
};
// gather(return_exceptions, ...): asyncio's return_exceptions=True.
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

using ::detsim::detail::FutureState;
using ::detsim::detail::FutureStateBase;
using ::detsim::detail::IntrusivePtr;

template <class T>
gathered_t<T> value_of(FutureStateBase& child) {
  auto& state = static_cast<FutureState<T>&>(child);
  if constexpr (std::is_void_v<T>) {
    state.result();
    return {};
  } else {
    return state.result();
  }
}

template <class T>
Outcome<T> outcome_of(FutureStateBase& child) {
  if (child.cancelled()) return Outcome<T>(cancelled_error_of(child));
  if (auto error = child.exception()) return Outcome<T>(std::move(error));
  return Outcome<T>(value_of<T>(child));
}

// asyncio's _GatheringFuture and its _done_callback, without the result
// type: the derived class builds the results (deliver).
class Gathering : public std::enable_shared_from_this<Gathering> {
 public:
  explicit Gathering(bool return_exceptions) : return_exceptions_(return_exceptions) {}
  virtual ~Gathering() = default;

  // Takes the children (scheduled, in argument order) and arms outer.
  void start(std::vector<FutureStateBase*> arguments, FutureStateBase& outer) {
    outer_ = IntrusivePtr<FutureStateBase>(&outer);
    DETSIM_ASSERT(!arguments.empty());
    last_argument_ = arguments.back();
    std::unordered_set<const FutureStateBase*> seen;  // membership only
    seen.reserve(arguments.size());
    children_.reserve(arguments.size());
    finished_children_.reserve(arguments.size());
    for (FutureStateBase* child : arguments) {
      if (seen.insert(child).second) children_.push_back(child);
    }
    std::weak_ptr<Gathering> weak = weak_from_this();
    outer.set_cancel_handler([weak](std::string_view message, SourceLocation site) {
      auto self = weak.lock();
      return self && self->cancel_children(message, site);
    });
    for (std::size_t i = 0; i < children_.size(); ++i) {
      children_[i]->add_done_callback_in_place(
          [link = ChildLink(shared_from_this(), i)](FutureStateBase& done) mutable {
            link.ran = true;
            link.gathering->on_child_done(done);
          },
          {});
    }
  }

 protected:
  virtual void deliver(FutureStateBase& outer) = 0;

 private:
  bool cancel_children(std::string_view message, SourceLocation site) {
    if (cancel_depth_ >= 2) {
      // The cancel() came back round to this gather twice: a child awaits,
      // down a chain, the task that awaits the gather, a ring (asyncio
      // recurses until RecursionError). (Once may end: the chain may meet a
      // done future, as in asyncio.) Break the ring here, as a task's
      // cancel() breaks a ring of tasks: the gather ends with
      // CancelledError, waking its task.
      if (!outer_->done()) outer_->set_exception(std::make_exception_ptr(CancelledError(message)), site);
      return true;
    }
    ++cancel_depth_;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{cancel_depth_};
    bool any = false;
    // (By index: a child's cancel() may complete the outer future, but never
    // changes the list.)
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (children_[i] && children_[i]->cancel(message, site)) any = true;
    }
    if (any) cancel_requested_ = true;
    return any;
  }

  void on_child_done(FutureStateBase& child) {
    ++finished_;
    finished_children_.emplace_back(&child);  // kept for the results
    if (outer_->done()) {
      if (!child.cancelled()) (void)child.exception();  // retrieved: gather reported, or was cancelled
      return;
    }
    if (!return_exceptions_) {
      if (child.cancelled()) {
        outer_->set_exception(cancelled_error_of(child), {});
        return;
      }
      if (auto error = child.exception()) {
        outer_->set_exception(std::move(error), {});
        return;
      }
    }
    if (finished_ < children_.size()) return;
    if (cancel_requested_) {
      // 3.11 raises the last argument's CancelledError (its cancel message,
      // none if it was not cancelled), whichever child finished last.
      outer_->set_exception(cancelled_error_of(*last_argument_), {});
    } else {
      deliver(*outer_);
    }
  }

  bool return_exceptions_;
  bool cancel_requested_ = false;
  int cancel_depth_ = 0;  // cancel_children() calls under way: a cancel() coming back round
  std::size_t finished_ = 0;
  // The gathering is kept alive by its pending children's done callbacks,
  // and holds finished children only: a child that never finishes (its
  // loop closed) then frees it instead of keeping a cycle. A callback
  // dropped unrun clears its child's slot here.
  struct ChildLink {
    ChildLink(std::shared_ptr<Gathering> owner, std::size_t slot) : gathering(std::move(owner)), index(slot) {}
    ChildLink(ChildLink&& other) noexcept
        : gathering(std::move(other.gathering)), index(other.index), ran(other.ran) {}
    ChildLink& operator=(ChildLink&&) = delete;
    ~ChildLink() {
      if (gathering && !ran) gathering->children_[index] = nullptr;
    }
    std::shared_ptr<Gathering> gathering;
    std::size_t index;
    bool ran = false;
  };

  std::vector<FutureStateBase*> children_;  // unique, in argument order; null once dropped unfinished
  FutureStateBase* last_argument_ = nullptr;  // one of children_, finished (and kept) when read
  std::vector<IntrusivePtr<FutureStateBase>> finished_children_;
  IntrusivePtr<FutureStateBase> outer_;
};

template <bool Outcomes, class... T>
class TupleGathering final : public Gathering {
 public:
  using Results = std::conditional_t<Outcomes, std::tuple<Outcome<T>...>, std::tuple<gathered_t<T>...>>;
  TupleGathering(std::vector<FutureStateBase*> arguments) : Gathering(Outcomes), arguments_(std::move(arguments)) {}

 private:
  void deliver(FutureStateBase& outer) override {
    auto results = collect(std::index_sequence_for<T...>{});
    static_cast<FutureState<Results>&>(outer).set_result(std::move(results), {});
  }
  template <std::size_t... I>
  Results collect(std::index_sequence<I...>) {
    if constexpr (Outcomes) {
      return Results(outcome_of<T>(*arguments_[I])...);
    } else {
      return Results(value_of<T>(*arguments_[I])...);
    }
  }
  std::vector<FutureStateBase*> arguments_;  // all finished (and kept) when deliver() reads them
};

template <bool Outcomes, class T>
class VectorGathering final : public Gathering {
 public:
  using Results = std::conditional_t<Outcomes, std::vector<Outcome<T>>, std::vector<gathered_t<T>>>;
  VectorGathering(std::vector<FutureStateBase*> arguments) : Gathering(Outcomes), arguments_(std::move(arguments)) {}

 private:
  void deliver(FutureStateBase& outer) override {
    Results results;
    results.reserve(arguments_.size());
    for (FutureStateBase* child : arguments_) {
      if constexpr (Outcomes) {
        results.push_back(outcome_of<T>(*child));
      } else {
        results.push_back(value_of<T>(*child));
      }
    }
    static_cast<FutureState<Results>&>(outer).set_result(std::move(results), {});
  }
  std::vector<FutureStateBase*> arguments_;
};

template <class G, class... F>
Future<typename G::Results> gather_futures(F... futures) {
  auto outer = get_running_loop().create_future<typename G::Results>();
  std::vector<FutureStateBase*> arguments{futures.state()...};
  auto gathering = std::make_shared<G>(arguments);
  gathering->start(std::move(arguments), *outer.state());
  return outer;
}

template <bool Outcomes, class F>
auto gather_vector(std::vector<F> awaitables) {
  using T = value_of_t<F>;
  using G = VectorGathering<Outcomes, T>;
  auto outer = get_running_loop().create_future<typename G::Results>();
  if (awaitables.empty()) {
    outer.set_result(typename G::Results{});
    return outer;
  }
  std::vector<future_of_t<F>> futures;
  futures.reserve(awaitables.size());
  for (auto& awaitable : awaitables) futures.push_back(ensure_future(std::move(awaitable)));
  std::vector<FutureStateBase*> arguments;
  arguments.reserve(futures.size());
  for (auto& future : futures) arguments.push_back(future.state());
  auto gathering = std::make_shared<G>(arguments);
  gathering->start(std::move(arguments), *outer.state());
  return outer;
}

// Both variadic forms: the children scheduled in argument order (a braced
// list is evaluated left to right), gathered into a tuple of `Result`.
template <bool return_exceptions, class Result, Awaitable... A>
Future<Result> gather_tuple(A&&... awaitables) {
  if constexpr (sizeof...(A) == 0) {
    auto outer = get_running_loop().create_future<std::tuple<>>();
    outer.set_result(std::tuple<>{});
    return outer;
  } else {
    std::tuple<future_of_t<A>...> futures{ensure_future(std::forward<A>(awaitables))...};
    return std::apply(
        [](auto&... future) { return gather_futures<TupleGathering<return_exceptions, value_of_t<A>...>>(future...); },
        futures);
  }
}

}  // namespace detail

// Variadic form: results as a std::tuple, in argument order.
template <detail::Awaitable... A>
Future<std::tuple<gathered_t<detail::value_of_t<A>>...>> gather(A&&... awaitables) {
  return detail::gather_tuple<false, std::tuple<gathered_t<detail::value_of_t<A>>...>>(std::forward<A>(awaitables)...);
}

// return_exceptions: each child's Outcome, in argument order.
template <detail::Awaitable... A>
Future<std::tuple<Outcome<detail::value_of_t<A>>...>> gather(ReturnExceptions, A&&... awaitables) {
  return detail::gather_tuple<true, std::tuple<Outcome<detail::value_of_t<A>>...>>(std::forward<A>(awaitables)...);
}

// Vector form (Tasks, Futures or Coroutines of one type): results as a
// std::vector in the vector's order. An empty vector gives a done Future.
template <detail::Awaitable A>
Future<std::vector<gathered_t<detail::value_of_t<A>>>> gather(std::vector<A> awaitables) {
  return detail::gather_vector<false>(std::move(awaitables));
}
template <detail::Awaitable A>
Future<std::vector<Outcome<detail::value_of_t<A>>>> gather(ReturnExceptions, std::vector<A> awaitables) {
  return detail::gather_vector<true>(std::move(awaitables));
}

}  // namespace detsim::asyncio
