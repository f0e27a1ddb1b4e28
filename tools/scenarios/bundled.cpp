#include "scenarios/bundled.hpp"

namespace detsim::scenarios {

// One line per scenario file (each defined in its <name>_scenario.cpp).
void register_lost_update_scenarios();

void register_bundled_scenarios() {
  static const bool registered = [] {
    register_lost_update_scenarios();
    return true;
  }();
  (void)registered;
}

}  // namespace detsim::scenarios
