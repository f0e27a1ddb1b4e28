#include "detsim/trace/recorder.hpp"

#include <exception>
#include <filesystem>
#include <set>
#include <string>

#include "detsim/base/version.hpp"
#include "detsim/base/options.hpp"
#include "core/loop_core.hpp"
#include "trace/recording.hpp"
#include "trace/format.hpp"
#include "trace/lines.hpp"

namespace detsim {

namespace {

constexpr std::size_t stream_flush_events = 4096;

}  // namespace

// Streams each event as it is recorded.
class TraceRecorder::StreamWriter final : public detail::Recording::Listener {
 public:
  explicit StreamWriter(TraceRecorder& recorder) : recorder_(recorder) {}
  void recorded() override { recorder_.stream_lines(); }

 private:
  TraceRecorder& recorder_;
};

TraceRecorder::TraceRecorder(EventLoop& loop, TraceOptions options)
    : loop_(loop),
      options_(std::move(options)),
      uncaught_at_start_(std::uncaught_exceptions()) {
  if (options_.source_root.empty()) options_.source_root = current_source_root().value_or("");
  recording_ = std::make_unique<detail::Recording>(trace_, options_.source_root);
  trace_.header.detsim_version = version;
  trace_.header.program = detail::valid_utf8(options_.program);
  trace_.header.scheduler = loop.scheduler().name();
  trace_.header.seed = loop.scheduler().seed();
  trace_.header.debug = loop.get_debug();
  // Refused here rather than written into a trace no reader accepts.
  if (options_.metadata.size() > detail::max_metadata_entries) {
    throw TraceError("detsim.trace.options", "TraceOptions::metadata: " + std::to_string(options_.metadata.size()) +
                                                 " entries, more than a trace holds (" +
                                                 std::to_string(detail::max_metadata_entries) + ")");
  }
  std::set<std::string> keys;
  for (const auto& [key, value] : options_.metadata) {
    std::string text = detail::valid_utf8(key);
    if (!keys.insert(text).second) {
      throw TraceError("detsim.trace.options", "TraceOptions::metadata: key '" + text + "' given twice");
    }
    trace_.header.metadata.emplace_back(std::move(text), detail::valid_utf8(value));
  }
  if (options_.stream) {
    if (options_.path.empty()) throw TraceError("detsim.trace.options", "TraceOptions::stream needs a path");
    stream_file_ = std::fopen(options_.path.c_str(), "wb");
    if (!stream_file_) throw TraceError("detsim.trace.write", "cannot open " + options_.path + " for writing");
    detail::append_header_line(stream_buffer_, trace_.header);
    flush_stream();
    stream_writer_ = std::make_unique<StreamWriter>(*this);
    recording_->set_listener(stream_writer_.get());
  }
  // The loop records straight into the recording; if another recorder
  // already has that place, this one records as an observer.
  recording_->start_after(loop_.core().events_reported());
  if (!loop_.core().attach_recording(*recording_, *this)) loop_.add_observer(*this);
}

TraceRecorder::~TraceRecorder() {
  if (!finished_) {
    try {
      if (std::uncaught_exceptions() > uncaught_at_start_) {
        finish(Outcome::failed, "an exception propagated out of the recorded scope");
      } else {
        finish();
      }
    } catch (const std::exception& error) {
      std::fprintf(stderr, "detsim: could not write the trace: %s\n", error.what());
    }
  }
  if (stream_file_) std::fclose(stream_file_);
  detach();
}

void TraceRecorder::detach() noexcept {
  loop_.remove_observer(*this);  // as a recording or as an observer
}

std::string failure_trace_path(const std::string& program, std::uint64_t seed) {
  // Absolute, so that the replay command in a failure report works from any
  // directory (CTest runs tests in the build directory). Where the current
  // directory is gone, the path stays relative rather than failing the run.
  const std::filesystem::path configured = current_trace_dir().value_or(".");
  std::error_code error;
  std::filesystem::path directory = std::filesystem::absolute(configured, error);
  if (error) directory = configured;
  const std::string file = "detsim-" + (program.empty() ? std::string("run") : program) + "-seed" +
                           std::to_string(seed) + ".jsonl";
  return (directory.lexically_normal() / file).string();
}

std::string TraceRecorder::failure_path() const {
  return options_.failure_path.empty() ? failure_trace_path(options_.program, trace_.header.seed) : options_.failure_path;
}

const Trace& TraceRecorder::trace() const {
  recording_->decode_into(trace_.events);
  return trace_;
}

Trace TraceRecorder::take_trace() {
  finish();  // so that nothing is recorded into the emptied trace
  recording_->decode_into(trace_.events);
  recording_->log = detail::TraceLog();
  return std::move(trace_);
}

std::uint64_t TraceRecorder::event_count() const noexcept { return recording_->log.size(); }

std::uint64_t TraceRecorder::digest() const noexcept { return recording_->digest.value(); }

const TraceEvent& TraceRecorder::last_event() const noexcept {
  last_ = recording_->log.size() == 0 ? TraceEvent{} : recording_->last();
  return last_;
}

// Only for events fed by hand, or when another recorder holds the loop's
// recording slot: a loop records into its attached Recording directly.
void TraceRecorder::on_event(const Event& event) {
  if (finished_) [[unlikely]] return;
  // Numbered from the first event that comes this way (an observer's first
  // event, or the first one fed by hand, whatever the loop counted before).
  if (recording_->log.size() == 0) recording_->start_after(event.seq > 0 ? event.seq - 1 : 0);
  recording_->record_out_of_line(event);
}

void TraceRecorder::stream_lines() {
  for (; sites_streamed_ < trace_.sites.size(); ++sites_streamed_) {
    detail::append_site_line(stream_buffer_, static_cast<std::uint32_t>(sites_streamed_ + 1),
                             trace_.sites[sites_streamed_]);
  }
  // Strings are escaped once each, when first streamed, not once per line.
  while (quoted_strings_.size() < trace_.strings.size()) {
    quoted_strings_.push_back(detail::quote(trace_.strings[quoted_strings_.size()]));
  }
  detail::append_event_line(stream_buffer_, recording_->last(), quoted_strings_);
  if (++stream_events_since_flush_ >= stream_flush_events) flush_stream();
}

void TraceRecorder::flush_stream() {
  if (!stream_file_) return;
  std::fwrite(stream_buffer_.data(), 1, stream_buffer_.size(), stream_file_);
  std::fflush(stream_file_);
  stream_buffer_.clear();
  stream_events_since_flush_ = 0;
}

void TraceRecorder::finish(Outcome outcome, std::string message) {
  if (finished_) return;
  finished_ = true;
  detach();  // nothing after the footer
  TraceFooter footer;
  footer.outcome = outcome;
  footer.message = std::move(message);
  footer.events = recording_->log.size();
  footer.final_time_ns = loop_.now().count();
  footer.digest = recording_->digest.value();
  trace_.footer = footer;
  if (stream_file_) {
    detail::append_footer_line(stream_buffer_, footer);
    flush_stream();
    std::fclose(stream_file_);
    stream_file_ = nullptr;
    written_path_ = options_.path;
    return;
  }
  if (!options_.path.empty() || (outcome != Outcome::ok && options_.write_on_failure)) {
    const std::string path = options_.path.empty() ? failure_path() : options_.path;
    write_trace(trace(), path);
    written_path_ = path;
  }
}

Outcome outcome_of_current_exception(std::string& message) {
  try {
    throw;
  } catch (const DeadlockError& error) {
    message = error.what();
    return Outcome::deadlock;
  } catch (const BudgetExceededError& error) {
    message = error.what();
    return Outcome::budget_exceeded;
  } catch (const std::exception& error) {
    message = error.what();
    return Outcome::failed;
  } catch (...) {
    message = "a non-standard exception";
    return Outcome::failed;
  }
}

void TraceRecorder::finish_from_current_exception() {
  std::string message;
  const Outcome outcome = outcome_of_current_exception(message);
  finish(outcome, std::move(message));
}

}  // namespace detsim
