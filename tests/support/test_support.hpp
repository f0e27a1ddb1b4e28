// Helpers shared by detsim's own tests, in a namespace of their own: detsim::testing
// is the public testing header's (detsim/testing.hpp).
#pragma once

#include <cstdint>
#include <type_traits>

#include <gtest/gtest.h>
#include <exception>
#include <string>
#include <vector>

#include <detsim/detsim.hpp>

namespace detsim_test {

// Counts constructions and destructions (cppcoro's `counted` idea): hold one
// in a coroutine frame to prove the frame was destroyed.
struct Counted {
  static inline int constructed = 0;
  static inline int destroyed = 0;
  static void reset() noexcept { constructed = destroyed = 0; }
  static int alive() noexcept { return constructed - destroyed; }

  Counted() noexcept { ++constructed; }
  Counted(const Counted&) noexcept { ++constructed; }
  Counted(Counted&&) noexcept { ++constructed; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) = default;
  ~Counted() { ++destroyed; }
};

// The what() of an exception_ptr, or "" for null.
inline std::string what(const std::exception_ptr& exception) { return exception ? detsim::describe(exception) : std::string(); }

// Runs `body`, expecting an exception of type Error; returns it.
template <class Error, class Body>
Error expect_error(Body&& body) {
  try {
    body();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "expected an exception";
  if constexpr (std::is_same_v<Error, detsim::CancelledError>) {
    return Error("none");
  } else {
    return Error("none", "none");
  }
}

// Collects what a loop reports to its exception handler. Declare it before
// the loop: a loop reports unretrieved exceptions when it is destroyed.
class ExceptionLog {
 public:
  void attach(detsim::EventLoop& loop) {
    loop.set_exception_handler([this](const detsim::ExceptionContext& context) { contexts.push_back(context); });
  }
  std::vector<std::string> messages() const {
    std::vector<std::string> result;
    for (const auto& context : contexts) result.push_back(context.message);
    return result;
  }
  std::vector<detsim::ExceptionContext> contexts;
};

}  // namespace detsim_test
