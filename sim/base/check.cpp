#include "detsim/base/check.hpp"

namespace detsim::detail {

namespace {
constinit thread_local ViolationHandler violation_handler = nullptr;
}  // namespace

ViolationHandler set_violation_handler(ViolationHandler handler) noexcept {
  const ViolationHandler previous = violation_handler;
  violation_handler = handler;
  return previous;
}

void invariant_failed(const char* file, int line, const std::string& what) {
  InvariantViolation violation(std::string(file) + ":" + std::to_string(line) + ": " + what);
  if (violation_handler) violation_handler(std::make_exception_ptr(violation));
  throw violation;
}

}  // namespace detsim::detail
