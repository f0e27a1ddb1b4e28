#include "detsim/run/seed_runner.hpp"

#include "detsim/base/options.hpp"
#include "detsim/scheduling/registry.hpp"
#include "run/program_run.hpp"

namespace detsim {

SeedRunner::SeedRunner(Program program, const SimulationOptions& options)
    : program_(std::move(program)), options_(options), make_scheduler_(resolve_scheduler(options_.scheduler)) {}

SeedRunner::~SeedRunner() = default;

SeedRunner::Result SeedRunner::run(std::uint64_t seed) {
  // One loop, renewed per seed: making and destroying one per seed was a
  // tenth of a short seed's instructions.
  // (A scheduler that can be reseeded in place, as random can, is made once.)
  if (loop_) {
    if (!loop_->renew_reseeded(seed)) loop_->renew(make_scheduler_(seed));
  } else {
    loop_ = std::make_unique<EventLoop>(make_scheduler_(seed));
  }
  EventLoop& loop = *loop_;
  loop.set_limits(options_.limits);
  loop.set_debug(options_.debug);
  detail::ProgramOutcome ended = detail::run_program(loop, program_);
  return Result{ended.outcome, std::move(ended.message), loop.schedule_digest(), loop.callbacks_run()};
}

}  // namespace detsim
