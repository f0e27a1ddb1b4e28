// Replay: re-running a program under the decisions of a recorded run, and
// stopping at the first event that differs from the recording.
//
// ReplayScheduler answers pick() from a Schedule, strictly: a decision asked
// among a different number of candidates than recorded, a recorded choice out
// of range, or a run that needs more decisions than were recorded is a
// DivergenceError. It reports the recorded scheduler's name and seed, so the
// loop's Random draws the recorded values and a replay's trace is the
// recording, byte for byte.
//
// Replayer attaches to a loop built with a ReplayScheduler. It records the new
// run and compares each event with the recorded one as it happens (kind, time,
// ids, cause, decision, task name, detail; not the source site, so moving code
// is no divergence). The first mismatch halts the run with a DivergenceError
// naming the sequence number, the expected and the actual event (with both
// sites) and the events before it. A truncated recording (read_trace of a
// file without its footer) is followed to its last event, where the replay
// stops with a DivergenceError saying the trace is truncated: how its run
// went on is not in the file.
//
// Example (how detsim::run_simulation replays DETSIM_REPLAY=trace.jsonl):
//   detsim::Trace recorded = detsim::read_trace("trace.jsonl");
//   detsim::EventLoop loop{detsim::ReplayScheduler{detsim::schedule_of(recorded)}};
//   detsim::Replayer replay{loop, recorded};
//   my_program(loop);                  // throws DivergenceError if it differs
//   replay.finish();                   // the run must not end early either
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "detsim/base/errors.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/scheduling/schedule.hpp"
#include "detsim/scheduling/scheduler.hpp"
#include "detsim/trace/trace.hpp"
#include "detsim/trace/divergence.hpp"
#include "detsim/trace/recorder.hpp"

namespace detsim {

// A run that does not follow its recording. seq() is the first event (or
// decision number, for scheduler-detected divergences) that differs.
class DivergenceError : public Error {
 public:
  DivergenceError(std::uint64_t seq, std::string_view message) : Error("detsim.replay.divergence", message), seq_(seq) {}
  std::uint64_t seq() const noexcept { return seq_; }

 private:
  std::uint64_t seq_;
};

class ReplayScheduler final : public Scheduler {
 public:
  explicit ReplayScheduler(Schedule schedule);
  using Scheduler::pick;
  std::size_t pick(ReadyCandidates ready) override;
  // The recorded choice, or npos past the end (pick will throw there).
  std::size_t peek(std::size_t ready_count, std::size_t ahead) const noexcept override;
  std::string name() const override { return schedule_.scheduler; }
  std::uint64_t seed() const override { return schedule_.seed; }
  std::unique_ptr<Scheduler> clone_fresh() const override;
  // Decisions taken so far.
  std::size_t position() const noexcept { return position_; }
  std::size_t size() const noexcept { return schedule_.decisions.size(); }

 private:
  Schedule schedule_;
  std::size_t position_ = 0;
};

// Throws DivergenceError if `recorded` names another program than `program`
// (a replay of the wrong trace); an empty name on either side matches any.
// `source`, the file the trace came from, opens the message if given.
void check_recorded_program(const Trace& recorded, std::string_view program, std::string_view source = {});

class Replayer final : public LoopObserver {
 public:
  // `recorded` must outlive the Replayer. Options are those of the recorder
  // of the new run (program, path to write it, ...); the header's program
  // must match recorded.header.program if both are non-empty.
  Replayer(EventLoop& loop, const Trace& recorded, TraceOptions options = {});
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;
  ~Replayer() override;

  // Call after the program ran, with how it ended: finishes the new trace
  // and throws DivergenceError if the run diverged (again, if the run threw
  // it already: an event the program made after its last run, such as the
  // loop's close, can diverge too, with no run left to throw it) or made
  // fewer events than recorded.
  void finish(Outcome outcome = Outcome::ok, std::string message = {});

  const TraceRecorder& recorder() const noexcept { return *recorder_; }
  TraceRecorder& recorder() noexcept { return *recorder_; }
  bool diverged() const noexcept { return diverged_; }
  void on_event(const Event& event) override;

 private:
  EventLoop& loop_;
  const Trace& recorded_;
  std::unique_ptr<TraceRecorder> recorder_;
  bool diverged_ = false;
  std::exception_ptr divergence_;  // the first divergence's DivergenceError
};

}  // namespace detsim
