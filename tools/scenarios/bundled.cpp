#include "scenarios/bundled.hpp"

namespace detsim::scenarios {

// One line per scenario file (each defined in its <name>_scenario.cpp).
void register_cancelled_consumer_scenarios();
void register_condition_without_loop_scenarios();
void register_connection_leak_scenarios();
void register_double_withdrawal_scenarios();
void register_lock_order_deadlock_scenarios();
void register_single_flight_cache_scenarios();
void register_ticket_office_scenarios();

void register_bundled_scenarios() {
  static const bool registered = [] {
    register_cancelled_consumer_scenarios();
    register_condition_without_loop_scenarios();
    register_connection_leak_scenarios();
    register_double_withdrawal_scenarios();
    register_lock_order_deadlock_scenarios();
    register_single_flight_cache_scenarios();
    register_ticket_office_scenarios();
    return true;
  }();
  (void)registered;
}

}  // namespace detsim::scenarios
