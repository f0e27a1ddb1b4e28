#include "detsim/scheduling/scheduler.hpp"

namespace detsim {

std::unique_ptr<Scheduler> FifoScheduler::clone_fresh() const { return std::make_unique<FifoScheduler>(); }

std::unique_ptr<Scheduler> RandomScheduler::clone_fresh() const { return std::make_unique<RandomScheduler>(seed_); }

std::unique_ptr<Scheduler> ChoiceScheduler::clone_fresh() const {
  return std::make_unique<ChoiceScheduler>(choices_, seed_);
}

}  // namespace detsim
