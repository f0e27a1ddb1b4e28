// DETSIM_ASSERT / DETSIM_ASSERT_EQ / DETSIM_ASSERT_LT: checks of detsim's own
// invariants. They stay on in every build type (a simulation that runs on with
// a broken invariant produces traces nobody can trust) and print file:line,
// the expression and, for the binary forms, both operands before aborting.
//
// They sit on the hot path (every scheduling decision, every ready-queue
// take), so a check that holds costs one compare and branch: the failure
// path is an out-of-line cold call that receives the operands by reference
// and formats them itself, so the caller never builds a std::string and
// needs no stack frame for it.
#pragma once

#include <sstream>
#include <string>

namespace detsim::detail {

[[noreturn, gnu::cold]] void assertion_failed(const char* expression, const char* file, int line);
[[noreturn, gnu::cold]] void assertion_failed(const char* expression, const std::string& operands, const char* file,
                                              int line);

template <class Left, class Right>
std::string describe_operands(const Left& left, const Right& right) {
  std::ostringstream out;
  out << "left: " << left << ", right: " << right;
  return out.str();
}

template <class Left, class Right>
[[noreturn, gnu::cold, gnu::noinline]] void binary_assertion_failed(const char* expression, const Left& left,
                                                                    const Right& right, const char* file, int line) {
  assertion_failed(expression, describe_operands(left, right), file, line);
}

}  // namespace detsim::detail

#define DETSIM_ASSERT(condition)                                            \
  do {                                                                      \
    if (!(condition)) [[unlikely]]                                          \
      ::detsim::detail::assertion_failed(#condition, __FILE__, __LINE__);   \
  } while (false)

#define DETSIM_ASSERT_BINARY(left, op, right)                                                          \
  do {                                                                                                 \
    const auto& detsim_left_ = (left);                                                                 \
    const auto& detsim_right_ = (right);                                                               \
    if (!(detsim_left_ op detsim_right_)) [[unlikely]]                                                 \
      ::detsim::detail::binary_assertion_failed(#left " " #op " " #right, detsim_left_, detsim_right_, \
                                                __FILE__, __LINE__);                                   \
  } while (false)

#define DETSIM_ASSERT_EQ(left, right) DETSIM_ASSERT_BINARY(left, ==, right)
#define DETSIM_ASSERT_LT(left, right) DETSIM_ASSERT_BINARY(left, <, right)
#define DETSIM_ASSERT_LE(left, right) DETSIM_ASSERT_BINARY(left, <=, right)
