// DETSIM_ASSERT / DETSIM_ASSERT_EQ / DETSIM_ASSERT_LT: checks of detsim's own
// invariants. They stay on in every build type (a simulation that runs on with
// a broken invariant produces traces nobody can trust) and print file:line,
// the expression and, for the binary forms, both operands before aborting.
#pragma once

#include <sstream>
#include <string>

namespace detsim::detail {

[[noreturn]] void assertion_failed(const char* expression, const std::string& operands, const char* file,
                                   int line);

template <class Left, class Right>
std::string describe_operands(const Left& left, const Right& right) {
  std::ostringstream out;
  out << "left: " << left << ", right: " << right;
  return out.str();
}

}  // namespace detsim::detail

#define DETSIM_ASSERT(condition)                                                 \
  do {                                                                           \
    if (!(condition)) [[unlikely]]                                               \
      ::detsim::detail::assertion_failed(#condition, {}, __FILE__, __LINE__);    \
  } while (false)

#define DETSIM_ASSERT_BINARY(left, op, right)                                                     \
  do {                                                                                            \
    const auto& detsim_left_ = (left);                                                            \
    const auto& detsim_right_ = (right);                                                          \
    if (!(detsim_left_ op detsim_right_)) [[unlikely]]                                            \
      ::detsim::detail::assertion_failed(#left " " #op " " #right,                                \
                                         ::detsim::detail::describe_operands(detsim_left_,         \
                                                                             detsim_right_),      \
                                         __FILE__, __LINE__);                                     \
  } while (false)

#define DETSIM_ASSERT_EQ(left, right) DETSIM_ASSERT_BINARY(left, ==, right)
#define DETSIM_ASSERT_LT(left, right) DETSIM_ASSERT_BINARY(left, <, right)
#define DETSIM_ASSERT_LE(left, right) DETSIM_ASSERT_BINARY(left, <=, right)
