// What the subcommands share: their error for bad usage, and the parsing of
// the arguments that name things (a scenario, a seed, a seed range).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "detsim/cli/scenario.hpp"

namespace detsim::cli {

// Bad usage or bad input that CLI11 cannot see (an unknown scenario, a seed
// that is no number): main prints its message and exits with exit_bad_input.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The registered scenario named `name`; else UsageError listing the names.
const Scenario& require_scenario(std::string_view name);

// A seed: a decimal integer in [0, 2^64-1], the whole of `text`. `what`
// names the argument in the message ("--seed").
std::uint64_t parse_seed(std::string_view text, std::string_view what);

struct SeedRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t count() const noexcept { return last - first + 1; }
};
// "A..B" with A <= B, both seeds.
SeedRange parse_seed_range(std::string_view text, std::string_view what);

// `text` as lines of at most `width` columns (longer words stay whole),
// each starting with `indent` and ending with a newline.
std::string wrap(std::string_view text, std::string_view indent, std::size_t width);

// The program's name as invoked (argv[0]), for commands printed to rerun.
const std::string& invocation();
void set_invocation(std::string name);

}  // namespace detsim::cli
