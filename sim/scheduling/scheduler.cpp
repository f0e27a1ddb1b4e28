#include "detsim/scheduling/scheduler.hpp"

#include <string>

#include "detsim/base/errors.hpp"

namespace detsim {

std::string_view to_string(CandidateKind kind) noexcept {
  switch (kind) {
    case CandidateKind::step: return "step";
    case CandidateKind::callback: return "callback";
    case CandidateKind::timer: return "timer";
  }
  return "unknown";
}

void ReadyCandidates::throw_not_described(std::size_t index) const {
  if (source_ == nullptr) {
    throw Error("detsim.scheduler.candidates",
                "ReadyCandidates::candidate(" + std::to_string(index) +
                    "): this view has only a count; a scheduler that reads candidates says so with "
                    "reads_candidates() (and cannot be asked pick(count))");
  }
  throw Error("detsim.scheduler.candidates", "ReadyCandidates::candidate(" + std::to_string(index) +
                                                 "): out of range, " + std::to_string(size_) + " candidates are ready");
}

std::unique_ptr<Scheduler> FifoScheduler::clone_fresh() const { return std::make_unique<FifoScheduler>(); }

std::unique_ptr<Scheduler> RandomScheduler::clone_fresh() const { return std::make_unique<RandomScheduler>(seed_); }

std::unique_ptr<Scheduler> ChoiceScheduler::clone_fresh() const {
  return std::make_unique<ChoiceScheduler>(choices_, seed_);
}

}  // namespace detsim
