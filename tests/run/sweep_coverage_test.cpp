// SweepCoverage (detsim/run/sweep_coverage.hpp): merging is an exact union
// whatever the order of the parts, and the plateau and unreached points are
// derived from first seeds.
#include <detsim/run/sweep_coverage.hpp>

#include <gtest/gtest.h>

namespace detsim_test {
namespace {

using detsim::CoverageKind;
using detsim::CoveragePoint;
using detsim::RunCoverage;
using detsim::SweepCoverage;

// A made-up run of seed `seed`: digest seed % 3 (schedules repeat), an
// ordering per seed parity, and two points, one held on even seeds.
RunCoverage run_of(std::uint64_t seed) {
  RunCoverage run;
  run.orderings.insert({"a.cpp:1", seed % 2 == 0 ? "b.cpp:2" : "b.cpp:3"});
  run.points["even seed"] = CoveragePoint{CoverageKind::sometimes, "p.cpp", 10, 2, seed % 2 == 0 ? 1u : 0u};
  run.points["never"] = CoveragePoint{CoverageKind::sometimes, "p.cpp", 11, 1, 0};
  return run;
}

SweepCoverage fold(std::uint64_t first, std::uint64_t last) {
  SweepCoverage coverage;
  coverage.set_orderings_recorded(true);
  for (std::uint64_t seed = first; seed <= last; ++seed) coverage.add_run(seed, 100 + seed % 3, run_of(seed));
  return coverage;
}

TEST(SweepCoverage, MergingPartsInAnyOrderGivesTheWholeSweepsCoverage) {
  const SweepCoverage whole = fold(1, 9);
  SweepCoverage forward = fold(1, 3);
  forward.merge(fold(4, 6));
  forward.merge(fold(7, 9));
  SweepCoverage backward = fold(7, 9);
  backward.merge(fold(1, 3));
  backward.merge(fold(4, 6));
  EXPECT_EQ(forward, whole);
  EXPECT_EQ(backward, whole);
  // A union: three schedules and two orderings, though each part has them all.
  EXPECT_EQ(whole.seeds(), 9u);
  EXPECT_EQ(whole.distinct_schedules(), 3u);
  EXPECT_EQ(whole.distinct_orderings(), 2u);
  EXPECT_EQ(whole.points().at("even seed").seeds_held, 4u);
  EXPECT_EQ(whole.points().at("even seed").seeds_evaluated, 9u);
  EXPECT_EQ(whole.points().at("even seed").evaluations, 18u);
}

TEST(SweepCoverage, ThePlateauIsTheLargestFirstSeed) {
  const SweepCoverage coverage = fold(5, 20);
  EXPECT_EQ(coverage.last_new_schedule(), 7u);  // digests 102, 100, 101 first at seeds 5, 6, 7
  EXPECT_EQ(coverage.last_new_ordering(), 6u);
  EXPECT_EQ(coverage.last_new_point(), 6u);  // "even seed" first held at seed 6
  EXPECT_EQ(coverage.points().at("even seed").first_held_seed, 6u);
  EXPECT_FALSE(SweepCoverage{}.last_new_schedule().has_value());
}

TEST(SweepCoverage, UnreachedNamesThePointsThatNeverHeldWithTheirFirstSite) {
  SweepCoverage coverage = fold(2, 4);
  EXPECT_EQ(coverage.unreached(), std::vector<std::string>{"never"});
  EXPECT_EQ(coverage.points().at("never").site, "p.cpp:11");
  // The same name at another site in an earlier seed: that site is kept.
  RunCoverage earlier;
  earlier.points["never"] = CoveragePoint{CoverageKind::reachable, "q.cpp", 7, 1, 1};
  coverage.add_run(1, 100, earlier);
  EXPECT_EQ(coverage.points().at("never").site, "q.cpp:7");
  EXPECT_EQ(coverage.points().at("never").kind, CoverageKind::reachable);
  EXPECT_TRUE(coverage.unreached().empty());
}

TEST(SweepCoverage, OrderingsAreKnownOnlyIfEveryPartRecordedThem) {
  SweepCoverage coverage = fold(1, 3);
  SweepCoverage without;
  without.add_run(4, 1, RunCoverage{});
  coverage.merge(without);
  EXPECT_FALSE(coverage.orderings_recorded());
  SweepCoverage empty_first;
  empty_first.merge(fold(1, 3));
  EXPECT_TRUE(empty_first.orderings_recorded()) << "an empty part takes the first part's";
}

}  // namespace
}  // namespace detsim_test
