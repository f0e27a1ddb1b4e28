#include "detsim/replay/replay.hpp"

#include <algorithm>
#include <string>

#include "trace/event_equality.hpp"
#include "trace/format.hpp"

namespace detsim {

// ---- ReplayScheduler ----------------------------------------------------------

ReplayScheduler::ReplayScheduler(Schedule schedule) : schedule_(std::move(schedule)) {}

std::size_t ReplayScheduler::pick(ReadyCandidates ready) {
  const std::size_t ready_count = ready.size();
  const std::uint64_t number = position_ + 1;
  if (position_ >= schedule_.decisions.size()) {
    throw DivergenceError(number, "decision " + std::to_string(number) + ": the run needs more decisions than the " +
                                      std::to_string(schedule_.decisions.size()) + " recorded (" +
                                      std::to_string(ready_count) + " callbacks are ready)");
  }
  const Decision& decision = schedule_.decisions[position_++];
  if (decision.of != 0 && decision.of != ready_count) {
    throw DivergenceError(number, "decision " + std::to_string(number) + ": recorded among " +
                                      std::to_string(decision.of) + " ready callbacks, but " +
                                      std::to_string(ready_count) + " are ready now");
  }
  if (decision.choice >= ready_count) {
    throw DivergenceError(number, "decision " + std::to_string(number) + ": recorded choice " +
                                      std::to_string(decision.choice) + " is out of range: only " +
                                      std::to_string(ready_count) + " callbacks are ready");
  }
  return decision.choice;
}

std::size_t ReplayScheduler::peek(std::size_t, std::size_t ahead) const noexcept {
  const std::size_t position = position_ + ahead;
  return position < schedule_.decisions.size() ? static_cast<std::size_t>(schedule_.decisions[position].choice) : npos;
}

std::unique_ptr<Scheduler> ReplayScheduler::clone_fresh() const { return std::make_unique<ReplayScheduler>(schedule_); }

// ---- Replayer -------------------------------------------------------------------

void check_recorded_program(const Trace& recorded, std::string_view program, std::string_view source) {
  // (Compared as the recorder wrote it: a name that is not valid UTF-8 is
  // recorded with U+FFFD in place of its bad bytes.)
  if (recorded.header.program.empty() || program.empty() || recorded.header.program == detail::valid_utf8(program)) {
    return;
  }
  const std::string where = source.empty() ? std::string() : std::string(source) + ":1: field 'program': ";
  throw DivergenceError(0, where + "the trace was recorded for program '" + recorded.header.program + "', not '" +
                               std::string(program) + "'");
}

Replayer::Replayer(EventLoop& loop, const Trace& recorded, TraceOptions options) : loop_(loop), recorded_(recorded) {
  if (options.program.empty()) options.program = recorded.header.program;
  check_recorded_program(recorded, options.program);
  if (options.metadata.empty()) options.metadata = recorded.header.metadata;
  // Debug mode decides whether futures' creations are events.
  loop_.set_debug(recorded.header.debug);
  // The recorder observes first, so on_event sees the event it just stored.
  recorder_ = std::make_unique<TraceRecorder>(loop, std::move(options));
  loop_.add_observer(*this);
}

Replayer::~Replayer() { loop_.remove_observer(*this); }

void Replayer::on_event(const Event&) {
  // After finish() the recorder records nothing more: nothing to compare.
  if (diverged_ || recorder_->finished()) return;
  // The event just recorded, compared without materializing the trace.
  const TraceEvent& made = recorder_->last_event();
  const std::size_t index = made.seq - 1;
  const bool matches =
      index < recorded_.events.size() && detail::same_event(recorded_, recorded_.events[index], *recorder_, made);
  if (recorded_.truncated && (matches ? index + 1 : index) >= recorded_.events.size()) {
    // The recording's end is where its file was cut, not where its run
    // ended: stop there, before the run asks for a decision it lacks.
    diverged_ = true;
    const std::string where =
        recorded_.cut_line != 0
            ? "its line " + std::to_string(recorded_.cut_line) + " is cut short, after event " +
                  std::to_string(recorded_.events.size()) + " (the file was cut while it was written or copied)"
            : "its file ends without a footer after event " + std::to_string(recorded_.events.size()) +
                  " (cut short while written or copied)";
    divergence_ = std::make_exception_ptr(DivergenceError(
        made.seq, "the recorded trace is truncated: " + where + "; the replay matched every recorded event up to there"));
    loop_.halt(divergence_);
    return;
  }
  if (matches) return;
  diverged_ = true;
  const Divergence divergence = divergence_at(recorded_, recorder_->trace(), index, 3);
  divergence_ = std::make_exception_ptr(DivergenceError(divergence.seq, "replay diverged: " + divergence.describe()));
  // Thrown out of the run if the loop runs; finish() throws it in any case
  // (an event after the run, loop_close say, has no run to halt).
  loop_.halt(divergence_);
}

void Replayer::finish(Outcome outcome, std::string message) {
  if (diverged_) {
    recorder_->finish(Outcome::failed, "diverged from the recorded run");
    if (divergence_) std::rethrow_exception(divergence_);
    return;
  }
  const std::size_t made = recorder_->event_count();
  if (made < recorded_.events.size()) {
    diverged_ = true;
    recorder_->finish(Outcome::failed, "ended before the recorded run did");
    const Divergence divergence = divergence_at(recorded_, recorder_->trace(), made, 3);
    divergence_ = std::make_exception_ptr(DivergenceError(divergence.seq, "replay diverged: " + divergence.describe()));
    std::rethrow_exception(divergence_);
  }
  recorder_->finish(outcome, std::move(message));
}

}  // namespace detsim
