// A seed sweep's coverage in its report: the JSON Lines records (their shape
// is documented with the other records, in detsim/run/sweep_report.hpp) and
// the table's coverage block. Private to sim/run; sweep_report.cpp uses it.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "detsim/run/sweep_coverage.hpp"
#include "run/report_fields.hpp"

namespace detsim::detail {

// The "coverage" line, then "point", "ordering" and "schedules" lines.
void write_coverage_lines(std::ostream& out, const SweepCoverage& coverage);

// Reads those lines back, one at a time, then checks at the end that the
// file held what its "coverage" line announced.
class CoverageLinesReader {
 public:
  // Reads `fields` if its type is a coverage record; false if not one.
  bool read(const std::string& type, const Fields& fields);
  // The coverage read; throws detsim.sweep.report naming `source` if there
  // was no "coverage" line, or its counts or plateau disagree with the
  // lines that followed it, or its seeds are not `seeds_run`.
  SweepCoverage finish(const std::string& source, std::uint64_t seeds_run) const;

 private:
  struct Announced {
    std::uint64_t seeds = 0;
    std::uint64_t schedules = 0;
    std::optional<std::uint64_t> orderings;  // none: not recorded
    std::uint64_t points = 0;
    std::optional<std::uint64_t> last_new_schedule, last_new_ordering, last_new_point;
    std::string where;
  };
  std::optional<Announced> announced_;
  SweepCoverage coverage_;
  std::optional<std::uint64_t> last_digest_;
  std::optional<SitePair> last_ordering_;
};

// The table's coverage block, from "coverage:" on, one line per point.
// `last_seed`: the sweep's last seed run, for how long nothing new came.
std::string format_coverage_block(const SweepCoverage& coverage, std::optional<std::uint64_t> last_seed);

}  // namespace detsim::detail
