#include "detsim/cli/scenario.hpp"

#include <algorithm>
#include <stdexcept>

namespace detsim {
namespace {

// A function-local static: registrations run during static initialisation,
// in an order the linker picks, so the registry must exist before the first.
std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;
  return all;
}

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

bool register_scenario(Scenario scenario) {
  if (!valid_name(scenario.name))
    throw std::invalid_argument("detsim: scenario name '" + scenario.name + "' must be non-empty and use only [a-z0-9._-]");
  std::vector<Scenario>& all = registry();
  // Kept sorted by name, so the registry's order never depends on link order.
  auto at = std::lower_bound(all.begin(), all.end(), scenario.name,
                             [](const Scenario& s, const std::string& name) { return s.name < name; });
  if (at != all.end() && at->name == scenario.name)
    throw std::invalid_argument("detsim: scenario '" + scenario.name + "' is registered twice");
  all.insert(at, std::move(scenario));
  return true;
}

const std::vector<Scenario>& registered_scenarios() { return registry(); }

const Scenario* find_scenario(std::string_view name) {
  const std::vector<Scenario>& all = registry();
  auto at = std::lower_bound(all.begin(), all.end(), name,
                             [](const Scenario& s, std::string_view n) { return s.name < n; });
  return at != all.end() && at->name == name ? &*at : nullptr;
}

}  // namespace detsim
