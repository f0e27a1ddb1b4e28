#include "detsim/replay/replay.hpp"

#include <algorithm>
#include <string>

#include "trace/format.hpp"

namespace detsim {

namespace {

std::string format_time(std::int64_t ns) {
  if (ns != 0 && ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns != 0 && ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns != 0 && ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

// Equal in everything the digest covers (sites may differ); names and
// details are compared as text, since each run interns its own strings.
// `a_strings` and `b_strings` look them up (a Trace or a TraceRecorder).
template <class AStrings, class BStrings>
bool same_event(const AStrings& a_strings, const TraceEvent& x, const BStrings& b_strings, const TraceEvent& y) {
  return x.seq == y.seq && x.kind == y.kind && x.immediate == y.immediate && x.cause == y.cause &&
         x.time_ns == y.time_ns && x.when_ns == y.when_ns && x.handle == y.handle && x.future == y.future &&
         x.task == y.task && x.choice == y.choice && x.of == y.of &&
         a_strings.string_at(x.name) == b_strings.string_at(y.name) &&
         a_strings.string_at(x.detail) == b_strings.string_at(y.detail);
}

std::string context_lines(const Trace& trace, std::size_t index, std::size_t count) {
  std::string text;
  for (std::size_t i = index > count ? index - count : 0; i < index; ++i) {
    text += "    " + describe_event(trace, trace.events[i]) + "\n";
  }
  return text;
}

// The divergence at `index` (0-based): each side's event there, or where its
// run ended, and the events before it (equal in both; taken from the actual
// run, whose sites are the current code's).
Divergence divergence_at(const Trace& expected, const Trace& actual, std::size_t index, std::size_t context_events) {
  auto event_or_end = [index](const Trace& trace) {
    return index < trace.events.size()
               ? describe_event(trace, trace.events[index])
               : "(none: the run ended after " + std::to_string(trace.events.size()) + " events)";
  };
  return Divergence{index + 1, event_or_end(expected), event_or_end(actual),
                    context_lines(actual, index, context_events)};
}

}  // namespace

std::string describe_event(const Trace& trace, const TraceEvent& event) {
  std::string text = "seq " + std::to_string(event.seq) + " t=" + format_time(event.time_ns) + " " +
                     std::string(to_string(event.kind));
  if (event.task) text += " task " + std::to_string(event.task);
  if (event.name) text += " '" + std::string(trace.string_at(event.name)) + "'";
  if (event.handle) text += " handle " + std::to_string(event.handle);
  if (event.future) text += " future " + std::to_string(event.future);
  if (event.kind == EventKind::timer_scheduled || event.kind == EventKind::timer_due) {
    text += " when=" + format_time(event.when_ns);
  }
  if (event.of) text += " choice " + std::to_string(event.choice) + "/" + std::to_string(event.of);
  if (event.kind == EventKind::done_callback && event.immediate) text += " immediate";
  if (event.detail) text += " \"" + std::string(trace.string_at(event.detail)) + "\"";
  if (event.cause) text += " (cause " + std::to_string(event.cause) + ")";
  if (event.site && event.site <= trace.sites.size()) {
    const TraceSite& site = trace.sites[event.site - 1];
    text += " at " + site.file + ":" + std::to_string(site.line) + " (" + site.function + ")";
  }
  return text;
}

std::string Divergence::describe() const {
  std::string text = "first divergence at event " + std::to_string(seq) + "\n  expected: " + expected +
                     "\n  actual:   " + actual;
  if (!context.empty()) text += "\n  preceded by:\n" + context;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::optional<Divergence> first_divergence(const Trace& expected, const Trace& actual, std::size_t context_events) {
  const std::size_t common = std::min(expected.events.size(), actual.events.size());
  std::size_t index = 0;
  while (index < common && same_event(expected, expected.events[index], actual, actual.events[index])) ++index;
  if (index == expected.events.size() && index == actual.events.size()) return std::nullopt;
  return divergence_at(expected, actual, index, context_events);
}

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
      index < recorded_.events.size() && same_event(recorded_, recorded_.events[index], *recorder_, made);
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
