// DETSIM_SOMETIMES / DETSIM_REACHABLE: evidence that a rare path was explored.
//
// A DETSIM_CHECK says what must always hold; these say what should hold in
// *some* run of a sweep, so a sweep that never got there says so instead of
// passing in silence (why did it find no bugs? because no run ever had two
// writers inside the window):
//
//   DETSIM_SOMETIMES(readers_inside == 2, "two readers overlap");
//   DETSIM_REACHABLE("retry after a lost race");
//
// Each evaluation is counted in the run's CoverageLog, if one is open on this
// thread (run_simulation opens one per run; see detsim/run/coverage.hpp for
// the per-sweep CoverageReport that names the points that never held). With
// no log open, the macros evaluate the condition and do nothing else.
//
// Determinism contract: recording never changes the run (no draw, no
// scheduling point); the log is ordered by name, never by address, so two
// runs that evaluate the same points the same number of times have equal
// logs.
//
// Invariant: a point's name identifies it; the same name used at two sites
// is one point (its first site is kept), so a name can be asserted from
// several places.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace detsim {

enum class CoverageKind : std::uint8_t { sometimes, reachable };

struct CoveragePoint {
  CoverageKind kind = CoverageKind::sometimes;
  std::string file;             // of the first site that evaluated it
  std::uint32_t line = 0;
  std::uint64_t evaluations = 0;  // times the macro ran
  std::uint64_t held = 0;         // times its condition was true (REACHABLE: == evaluations)
  friend bool operator==(const CoveragePoint&, const CoveragePoint&) = default;
};

// One run's points by name.
using CoverageLog = std::map<std::string, CoveragePoint, std::less<>>;

// Makes `log` this thread's open log for the scope's life (restoring the
// previous one after), so nested runs each record their own.
class CoverageScope {
 public:
  explicit CoverageScope(CoverageLog& log) noexcept;
  ~CoverageScope();
  CoverageScope(const CoverageScope&) = delete;
  CoverageScope& operator=(const CoverageScope&) = delete;

 private:
  CoverageLog* previous_;
};

namespace detail {
// Records one evaluation in the open log, if any; returns `held`.
bool coverage_point(CoverageKind kind, std::string_view name, bool held, const char* file, int line);
}  // namespace detail

}  // namespace detsim

#define DETSIM_SOMETIMES(condition, name) \
  ((void)::detsim::detail::coverage_point(::detsim::CoverageKind::sometimes, (name), static_cast<bool>(condition), __FILE__, __LINE__))

#define DETSIM_REACHABLE(name) \
  ((void)::detsim::detail::coverage_point(::detsim::CoverageKind::reachable, (name), true, __FILE__, __LINE__))
