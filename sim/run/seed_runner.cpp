#include "detsim/run/seed_runner.hpp"

#include "detsim/base/options.hpp"
#include "detsim/scheduling/registry.hpp"
#include "base/hash_mix.hpp"
#include "run/program_run.hpp"
#include "trace/digest.hpp"

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
  if (options_.prepare_loop) options_.prepare_loop(loop);
  detail::ProgramOutcome ended = detail::run_program(loop, program_, options_.fail_on_leaked_tasks);
  const std::uint64_t digest = sweep_seed_digest(loop.schedule_digest(), ended.outcome, ended.message);
  return Result{ended.outcome, std::move(ended.message), digest, loop.callbacks_run()};
}

std::uint64_t sweep_seed_digest(std::uint64_t schedule_digest, Outcome outcome, std::string_view message) noexcept {
  if (outcome == Outcome::ok) return schedule_digest;
  const std::uint64_t with_message = schedule_digest ^ detail::hash_trace_string(message);
  return detail::splitmix64_finalize(detail::chain_word(with_message, static_cast<std::uint64_t>(outcome) + 1));
}

}  // namespace detsim
