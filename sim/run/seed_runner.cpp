#include "detsim/run/seed_runner.hpp"

#include "core/loop_core.hpp"
#include "detsim/base/options.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/scheduling/registry.hpp"
#include "run/program_run.hpp"
#include "trace/recording.hpp"

namespace detsim {

// The Recording kept from seed to seed, and the observer that owns it on
// the loop (it records as an observer only if the program attached a
// recorder of its own first and so holds the loop's recording slot). It
// keeps the digest and the count of events, not the log: a seed is kept as
// its digest, and a failing seed is rerun whole for its trace.
class SeedRunner::Recorder final : public LoopObserver {
 public:
  Recorder()
      : recording_(tables_, current_source_root().value_or(""), detail::Recording::Contents::digest) {}

  void attach(EventLoop& loop) {
    recording_.restart();
    recording_.start_after(loop.core().events_reported());
    if (!loop.core().attach_recording(recording_, *this)) loop.add_observer(*this);
  }
  // The run's digest and length.
  std::pair<std::uint64_t, std::uint64_t> detach(EventLoop& loop) {
    loop.remove_observer(*this);
    return {recording_.digest.value(), recording_.events()};
  }
  void on_event(const Event& event) override { recording_.record_out_of_line(event); }

 private:
  Trace tables_;  // the sites and strings interned, kept across seeds
  detail::Recording recording_;
};

SeedRunner::SeedRunner(Program program, const SimulationOptions& options)
    : program_(std::move(program)),
      options_(options),
      make_scheduler_(resolve_scheduler(options_.scheduler)),
      recorder_(std::make_unique<Recorder>()) {}

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
  recorder_->attach(loop);
  detail::ProgramOutcome ended = detail::run_program(loop, program_);
  const auto [digest, steps] = recorder_->detach(loop);
  return Result{ended.outcome, std::move(ended.message), digest, steps};
}

}  // namespace detsim
