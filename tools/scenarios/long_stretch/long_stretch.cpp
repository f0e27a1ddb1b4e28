#include "scenarios/long_stretch/long_stretch.hpp"

namespace detsim::long_stretch {

const std::vector<Subject>& programs() {
  static const std::vector<Subject> all = {
      {"ring_overflow_2", "a producer overwrites an unread record once the consumer falls 2 records behind",
       [] { return ring_overflow(2); }},
      {"ring_overflow_6", "as ring_overflow_2, a ring of 6 records", [] { return ring_overflow(6); }},
      {"lock_takeover_4", "a waiter takes the lock over after 4 polls while its slow holder is inside",
       [] { return lock_takeover(4); }},
      {"lock_takeover_12", "as lock_takeover_4, after 12 polls", [] { return lock_takeover(12); }},
  };
  return all;
}

}  // namespace detsim::long_stretch
