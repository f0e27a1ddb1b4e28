// detsim::TraceRecorder: records every event of a loop into a Trace, and
// writes it as JSON Lines (traces/SCHEMA.md).
//
// Recording a run is one line, after the loop is declared:
//
//   detsim::TraceRecorder recorder{loop, {.program = "bank", .path = "bank.jsonl"}};
//
// Events are kept compactly in memory (a few bytes each: small deltas of ids
// and times, interned names and sites; sim/trace/trace_log.hpp in detsim's sources)
// and the digest is computed as they come; JSON is only formatted when the
// trace is written. The first recorder of a loop is called by the loop
// directly, at each place an event happens, rather than through on_event
// (sources: sim/trace/recording.hpp); a second recorder on the same loop records
// through on_event, with the same result. A recorder numbers events from its
// own first one (from the loop's, or the first one fed by hand): a cause from
// before it is recorded as 0, and a task keeps the name its first event in the
// trace carries (for a task created before the recorder, whatever name it has
// then). The header's `debug` is the loop's debug mode when the recorder is
// attached (EventLoop::set_debug).
//
// The file is written:
//   - at finish() (or destruction) when options.path is set;
//   - always when the run fails (finish with an outcome other than ok, or the
//     recorder destroyed during stack unwinding), to options.path or, without
//     one, to failure_path(): $DETSIM_TRACE_DIR (default ".") /
//     "detsim-<program>-seed<seed>.jsonl".
// With options.stream the lines go to options.path while the run goes,
// flushed every 4096 events and at the end, so a crash loses at most the
// last unflushed lines; read_trace() reports such a file as truncated.
//
// run_until_complete(future) wraps the loop's: the outcome is ok, or failed /
// deadlock / budget_exceeded with the exception's message; the trace is
// finished and written, then the exception is rethrown.
//
// Site paths: a SourceLocation's file is made relative by removing
// options.source_root (default: $DETSIM_SOURCE_ROOT); a path still absolute
// is reduced to its file name, so traces never hold build-machine paths.
// Compiling with -fmacro-prefix-map=<source root>/= gives relative paths to
// begin with (detsim's own targets do).
//
// Determinism: the recorder only observes; it never changes the run. The
// recorder must be destroyed before its loop.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "detsim/base/errors.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim {

namespace detail {
class Recording;
}  // namespace detail

struct TraceOptions {
  std::string program;  // recorded in the header; names the failure file
  std::string path;     // where to write the trace; empty: only on failure
  // Where a failing run's trace goes when `path` is empty; empty:
  // failure_trace_path(program, seed). (A replay's, so that it never
  // overwrites the failure it replays.)
  std::string failure_path;
  bool stream = false;  // write while running (requires path)
  bool write_on_failure = true;  // with no path: write a failing run's trace to failure_path()
  std::string source_root;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// The outcome of a run ended by the exception being handled (call inside a
// catch block): deadlock for DeadlockError, budget_exceeded for
// BudgetExceededError, failed for anything else; `message` gets its what().
Outcome outcome_of_current_exception(std::string& message);

// $DETSIM_TRACE_DIR (default ".") / "detsim-<program>-seed<seed>.jsonl".
std::string failure_trace_path(const std::string& program, std::uint64_t seed);

class TraceRecorder final : public LoopObserver {
 public:
  explicit TraceRecorder(EventLoop& loop, TraceOptions options = {});
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;
  // Finishes the trace if finish() was not called: as failed when destroyed
  // by an exception unwinding the stack, else as ok.
  ~TraceRecorder() override;

  template <class T>
  T run_until_complete(Future<T> future) {
    try {
      if constexpr (std::is_void_v<T>) {
        loop_.run_until_complete(std::move(future));
        finish();
      } else {
        T result = loop_.run_until_complete(std::move(future));
        finish();
        return result;
      }
    } catch (...) {
      finish_from_current_exception();
      throw;
    }
  }

  // Writes the footer and, as described above, the file. Idempotent: only
  // the first call counts.
  void finish(Outcome outcome = Outcome::ok, std::string message = {});
  // finish() with the outcome and message of the exception being handled.
  void finish_from_current_exception();

  // The trace so far. Events are kept compactly while recording and become
  // TraceEvents here, on demand (only those not already converted). The
  // returned Trace holds the events recorded up to this call: call trace()
  // again to see later ones.
  const Trace& trace() const;
  // Finishes the trace if finish() was not called (nothing more is
  // recorded), and moves it out; the recorder keeps no events.
  Trace take_trace();
  // How many events were recorded, and the last one (for observers that
  // check each event as it comes, like the Replayer, without trace()).
  std::uint64_t event_count() const noexcept;
  // (Decoded on demand from the compact log, all zero when there is none;
  // valid until the next call.)
  const TraceEvent& last_event() const noexcept;
  // The recorded string at a 1-based index (a name or detail), empty for 0.
  std::string_view string_at(std::uint32_t index) const noexcept { return trace_.string_at(index); }
  std::uint64_t digest() const noexcept;
  bool finished() const noexcept { return finished_; }
  // Where the trace was written, empty if it was not.
  const std::string& written_path() const noexcept { return written_path_; }
  // Where a failing run's trace goes when options.path is empty.
  std::string failure_path() const;

  void on_event(const Event& event) override;

 private:
  class StreamWriter;
  void stream_lines();
  void flush_stream();
  void detach() noexcept;

  EventLoop& loop_;
  TraceOptions options_;
  // Header, sites and strings as they come; events only up to the last
  // trace() call (the rest are in the recording's log).
  mutable Trace trace_;
  // Log, digest and interning (sim/trace/recording.hpp).
  std::unique_ptr<detail::Recording> recording_;
  mutable TraceEvent last_;  // last_event()'s answer
  bool finished_ = false;
  std::string written_path_;
  int uncaught_at_start_ = 0;

  // Streaming: the lines are formatted as events come.
  std::unique_ptr<StreamWriter> stream_writer_;
  std::size_t sites_streamed_ = 0;
  std::vector<std::string> quoted_strings_;  // strings escaped once
  std::FILE* stream_file_ = nullptr;
  std::string stream_buffer_;
  std::size_t stream_events_since_flush_ = 0;
};

}  // namespace detsim
