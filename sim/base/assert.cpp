#include "detsim/base/detail/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace detsim::detail {

void assertion_failed(const char* expression, const char* file, int line) {
  assertion_failed(expression, std::string(), file, line);
}

void assertion_failed(const char* expression, const std::string& operands, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: detsim assertion failed: %s%s%s\n", file, line, expression,
               operands.empty() ? "" : "\n  ", operands.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace detsim::detail
