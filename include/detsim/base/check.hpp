// DETSIM_CHECK / DETSIM_CHECK_EQ: invariants inside simulated code.
//
// GoogleTest's ASSERT_* cannot be used in a coroutine (they `return`), and a
// failed EXPECT_* lets the run go on. A failed DETSIM_CHECK throws
// detsim::InvariantViolation, which ends the task; awaited, it ends the run,
// and a task nobody awaits fails the run when the loop closes. The message
// names file:line, the condition and, for DETSIM_CHECK_EQ, both values.
//
// Example:
//   DETSIM_CHECK(balance >= 0);
//   DETSIM_CHECK_EQ(replicas_agreeing, 3);
#pragma once

#include <exception>
#include <sstream>
#include <string>

#include "detsim/base/errors.hpp"

namespace detsim {

class InvariantViolation : public Error {
 public:
  explicit InvariantViolation(std::string_view message) : Error("detsim.invariant", message) {}
};

namespace detail {
// Told of every violation just before it is thrown. The event loop sets it
// while it runs (this layer knows no loop): a failed check then halts the run
// at once, whichever task it is in and whatever that task catches, so the
// trace ends at the violation rather than after other tasks ran on.
using ViolationHandler = void (*)(const std::exception_ptr& violation) noexcept;
// Sets this thread's handler (null: none); returns the previous one.
ViolationHandler set_violation_handler(ViolationHandler handler) noexcept;
// Throws InvariantViolation("<file>:<line>: <what>"), telling the handler first.
[[noreturn]] void invariant_failed(const char* file, int line, const std::string& what);
template <class Left, class Right>
std::string describe_equality(const char* left_text, const char* right_text, const Left& left, const Right& right) {
  std::ostringstream out;
  out << "expected " << left_text << " == " << right_text << ", but " << left << " != " << right;
  return out.str();
}
}  // namespace detail

}  // namespace detsim

#define DETSIM_CHECK(condition)                                                                     \
  do {                                                                                              \
    if (!(condition)) ::detsim::detail::invariant_failed(__FILE__, __LINE__, "check failed: " #condition); \
  } while (false)

#define DETSIM_CHECK_EQ(left, right)                                                                      \
  do {                                                                                                    \
    const auto& detsim_check_left_ = (left);                                                              \
    const auto& detsim_check_right_ = (right);                                                            \
    if (!(detsim_check_left_ == detsim_check_right_))                                                     \
      ::detsim::detail::invariant_failed(                                                                 \
          __FILE__, __LINE__,                                                                             \
          ::detsim::detail::describe_equality(#left, #right, detsim_check_left_, detsim_check_right_));   \
  } while (false)
