#include "detsim/base/coverage.hpp"

namespace detsim {

namespace {
constinit thread_local CoverageLog* open_coverage_log = nullptr;
}  // namespace

CoverageScope::CoverageScope(CoverageLog& log) noexcept : previous_(open_coverage_log) { open_coverage_log = &log; }
CoverageScope::~CoverageScope() { open_coverage_log = previous_; }

namespace detail {

bool coverage_point(CoverageKind kind, std::string_view name, bool held, const char* file, int line) {
  if (open_coverage_log == nullptr) return held;
  auto found = open_coverage_log->find(name);
  if (found == open_coverage_log->end()) {
    found = open_coverage_log->emplace(std::string(name), CoveragePoint{kind, file, static_cast<std::uint32_t>(line), 0, 0}).first;
  }
  ++found->second.evaluations;
  if (held) ++found->second.held;
  return held;
}

}  // namespace detail

}  // namespace detsim
