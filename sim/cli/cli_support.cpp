#include "cli/cli_support.hpp"

#include <charconv>

namespace detsim::cli {

const Scenario& require_scenario(std::string_view name) {
  if (const Scenario* scenario = find_scenario(name)) return *scenario;
  std::string known;
  for (const Scenario& scenario : registered_scenarios()) known += (known.empty() ? "" : ", ") + scenario.name;
  throw UsageError("unknown scenario '" + std::string(name) + "'; the scenarios are: " +
                   (known.empty() ? std::string("(none registered)") : known));
}

std::uint64_t parse_seed(std::string_view text, std::string_view what) {
  std::uint64_t seed = 0;
  const char* end = text.data() + text.size();
  auto [at, error] = std::from_chars(text.data(), end, seed);
  if (text.empty() || error == std::errc::invalid_argument || at != end)
    throw UsageError(std::string(what) + ": '" + std::string(text) + "' is not a seed (a decimal integer from 0 to 18446744073709551615)");
  if (error == std::errc::result_out_of_range)
    throw UsageError(std::string(what) + ": '" + std::string(text) + "' is above the largest seed, 18446744073709551615");
  return seed;
}

SeedRange parse_seed_range(std::string_view text, std::string_view what) {
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos)
    throw UsageError(std::string(what) + ": '" + std::string(text) + "' is not a seed range (A..B, e.g. 1..1000)");
  SeedRange range{parse_seed(text.substr(0, dots), what), parse_seed(text.substr(dots + 2), what)};
  if (range.first > range.last)
    throw UsageError(std::string(what) + ": '" + std::string(text) + "' is empty (its first seed is above its last)");
  if (range.first == 0 && range.last == UINT64_MAX)
    throw UsageError(std::string(what) + ": '" + std::string(text) + "' has more seeds than can be counted");
  return range;
}

std::string wrap(std::string_view text, std::string_view indent, std::size_t width) {
  std::string out;
  std::string line;
  auto flush = [&] {
    if (!line.empty()) out.append(indent).append(line).append("\n");
    line.clear();
  };
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = text.find_first_not_of(' ', at);
    if (start == std::string_view::npos) break;
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) flush();
    if (!line.empty()) line += ' ';
    line += word;
    at = end;
  }
  flush();
  return out;
}

namespace {
std::string& invocation_name() {
  static std::string name = "detsim";
  return name;
}
}  // namespace

const std::string& invocation() { return invocation_name(); }
void set_invocation(std::string name) { invocation_name() = std::move(name); }

}  // namespace detsim::cli
