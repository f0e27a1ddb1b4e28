// The errors of detsim's asyncio combinators: TimeoutError and
// ExceptionGroup, each a situation a caller reacts to specifically.
//
//   - TimeoutError ("detsim.asyncio.timeout"): wait_for() or a timeout()
//     scope ran out of virtual time and cancelled the work (Python's builtin
//     TimeoutError, which asyncio.TimeoutError is in 3.11). Python chains the
//     CancelledError it replaces ("from exc"); C++ has no cause chain here,
//     so the CancelledError is not kept.
//   - ExceptionGroup ("detsim.asyncio.exception_group"): a TaskGroup's
//     children (and body) failed; exceptions() holds every error in the order
//     the failures happened, the body's own last (Python's
//     BaseExceptionGroup("unhandled errors in a TaskGroup", errors)).
//
// Determinism: messages are built from the errors' what() only (no
// addresses), so they are the same on every run.
//
// Example:
//   try { co_await asyncio::task_group(body); }
//   catch (const asyncio::ExceptionGroup& group) {
//     for (const auto& error : group.exceptions()) log(detsim::describe(error));
//   }
#pragma once

#include <exception>
#include <vector>

#include "detsim/base/errors.hpp"

namespace detsim::asyncio {

class TimeoutError : public Error {
 public:
  TimeoutError();
};

class ExceptionGroup : public Error {
 public:
  // what(): "[detsim.asyncio.exception_group] unhandled errors in a TaskGroup
  // (2 sub-exceptions): 1) <what of the first>; 2) <what of the second>".
  ExceptionGroup(std::string_view message, std::vector<std::exception_ptr> exceptions);
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

 private:
  std::vector<std::exception_ptr> exceptions_;
};

}  // namespace detsim::asyncio
