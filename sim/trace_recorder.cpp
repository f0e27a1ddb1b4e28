#include "detsim/trace_recorder.hpp"

#include <cstring>
#include <exception>
#include <string>
#include <tuple>
#include <type_traits>

#include "detsim/version.hpp"
#include "environment.hpp"
#include "trace_format.hpp"
#include "trace_lines.hpp"
#include "trace_log.hpp"

namespace detsim {

namespace {

constexpr std::size_t stream_flush_events = 4096;
constexpr std::uint64_t dense_task_id_gap = std::uint64_t{1} << 16;

std::string environment_or(const char* name, std::string fallback) {
  const char* value = detail::environment(name);
  return value ? std::string(value) : std::move(fallback);
}

// The site's file relative to `root`; never an absolute path.
std::string relative_file(std::string_view file, std::string_view root) {
  if (!root.empty() && file.substr(0, root.size()) == root) {
    file.remove_prefix(root.size());
    while (!file.empty() && file.front() == '/') file.remove_prefix(1);
  }
  if (!file.empty() && file.front() == '/') file = file.substr(file.rfind('/') + 1);
  return std::string(file);
}

// g++ names the body of a coroutine after its first suspension by its actor
// function, "void f(f(int)::_Z1fi.Frame*)"; show it as "f(int)", as the
// user wrote it.
std::string readable_function(std::string_view function) {
  const std::size_t frame = function.find("::_Z");
  const std::size_t open = function.find('(');
  if (function.substr(0, 5) != "void " || frame == std::string_view::npos || open == std::string_view::npos ||
      open > frame) {
    return std::string(function);
  }
  return std::string(function.substr(open + 1, frame - open - 1));
}

}  // namespace

// A direct-mapped cache from a call site's identity to the site's index.
// The identity is what source_location::current() fixes per call site: in
// libstdc++ the address of the call site's static record (the object's only
// member), elsewhere its file string's address, line and column. Only looked
// up, never iterated: indices come from first use, so the cache's layout
// never shows in a trace.
struct TraceRecorder::SiteSlot {
  std::uintptr_t identity = 0;
  std::uint64_t position = 0;  // line << 32 | column, where identity is the file's address
  std::uint32_t index = 0;     // 0: empty
};

namespace {
constexpr std::size_t site_cache_size = 1024;  // a power of two
}  // namespace

TraceRecorder::TraceRecorder(EventLoop& loop, TraceOptions options)
    : loop_(loop),
      options_(std::move(options)),
      log_(std::make_unique<detail::TraceLog>()),
      uncaught_at_start_(std::uncaught_exceptions()) {
  if (options_.source_root.empty()) options_.source_root = environment_or("DETSIM_SOURCE_ROOT", "");
  trace_.header.detsim_version = version;
  trace_.header.program = detail::valid_utf8(options_.program);
  trace_.header.scheduler = loop.scheduler().name();
  trace_.header.seed = loop.scheduler().seed();
  for (const auto& [key, value] : options_.metadata) {
    trace_.header.metadata.emplace_back(detail::valid_utf8(key), detail::valid_utf8(value));
  }
  site_slots_.resize(site_cache_size);
  if (options_.stream) {
    if (options_.path.empty()) throw TraceError("detsim.trace.options", "TraceOptions::stream needs a path");
    stream_file_ = std::fopen(options_.path.c_str(), "wb");
    if (!stream_file_) throw TraceError("detsim.trace.write", "cannot open " + options_.path + " for writing");
    detail::append_header_line(stream_buffer_, trace_.header);
    flush_stream();
  }
  loop_.add_observer(*this);
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
  loop_.remove_observer(*this);
}

std::string failure_trace_path(const std::string& program, std::uint64_t seed) {
  return environment_or("DETSIM_TRACE_DIR", ".") + "/detsim-" + (program.empty() ? std::string("run") : program) +
         "-seed" + std::to_string(seed) + ".jsonl";
}

std::string TraceRecorder::failure_path() const { return failure_trace_path(options_.program, trace_.header.seed); }

std::uint32_t TraceRecorder::intern_string(std::string_view raw) {
  const std::string text = detail::valid_utf8(raw);
  // Names and details are few (one per task, one per failure): a linear
  // search from the end finds repeats without a map on the hot path.
  for (std::size_t i = trace_.strings.size(); i-- > 0;) {
    if (trace_.strings[i] == text) return static_cast<std::uint32_t>(i + 1);
  }
  trace_.strings.push_back(text);
  string_hashes_.push_back(hash_trace_string(text));
  return static_cast<std::uint32_t>(trace_.strings.size());
}

// Inline: every event asks, and all but the first use of a site hit the
// cache. The first use takes add_site, out of line.
inline std::uint32_t TraceRecorder::intern_site(const std::source_location& site) {
  std::uintptr_t identity;
  std::uint64_t position;
  if constexpr (sizeof(std::source_location) == sizeof(std::uintptr_t) &&
                std::is_trivially_copyable_v<std::source_location>) {
    std::memcpy(&identity, &site, sizeof identity);  // one pointer per call site
    position = 0;
    if (identity == 0) return 0;  // a default-constructed location: no site
  } else {
    if (site.line() == 0) return 0;
    identity = reinterpret_cast<std::uintptr_t>(site.file_name());
    position = (std::uint64_t{site.line()} << 32) | site.column();
  }
  SiteSlot& slot = site_slots_[((identity ^ position) * 0x9e3779b97f4a7c15ULL >> 40) & (site_cache_size - 1)];
  if (slot.identity == identity && slot.position == position) [[likely]] return slot.index;
  return add_site(site, slot, identity, position);
}

std::uint32_t TraceRecorder::add_site(const std::source_location& site, SiteSlot& slot, std::uintptr_t identity,
                                      std::uint64_t position) {
  if (site.line() == 0) return 0;
  // Not cached: find the site by content (the same position may come with
  // another copy of the file string from another translation unit), or add it.
  TraceSite text_site{detail::valid_utf8(relative_file(site.file_name(), options_.source_root)), site.line(),
                      detail::valid_utf8(readable_function(site.function_name()))};
  std::uint32_t index = 0;
  for (std::size_t i = 0; i < trace_.sites.size() && index == 0; ++i) {
    if (trace_.sites[i] == text_site) index = static_cast<std::uint32_t>(i + 1);
  }
  if (index == 0) {
    trace_.sites.push_back(std::move(text_site));
    index = static_cast<std::uint32_t>(trace_.sites.size());
  }
  slot = SiteSlot{identity, position, index};
  return index;
}

const Trace& TraceRecorder::trace() const {
  log_->decode_into(trace_.events);
  return trace_;
}

Trace TraceRecorder::take_trace() {
  log_->decode_into(trace_.events);
  log_ = std::make_unique<detail::TraceLog>();
  return std::move(trace_);
}

std::uint64_t TraceRecorder::event_count() const noexcept { return log_->size(); }

const TraceEvent& TraceRecorder::last_event() const noexcept {
  last_ = log_->last();
  return last_;
}

// Straight from the loop's Event into the log and the digest: no TraceEvent
// in between (that copy cost a third of recording).
void TraceRecorder::on_event(const Event& event) {
  if (finished_) [[unlikely]] return;
  const std::size_t sites_before = trace_.sites.size();
  const std::uint32_t site = intern_site(event.site);
  std::uint32_t name = 0;
  std::uint64_t name_hash = 0;
  if (event.task != 0) {
    if (event.kind == EventKind::task_created) [[unlikely]] {
      const std::uint32_t index = intern_string(event.name);
      const TaskName entry{index, string_hashes_[index - 1]};
      // The loop's task ids are a counter; an id far beyond it (an observer
      // fed by hand) goes to a map rather than growing the table to it.
      if (event.task - task_names_.size() < dense_task_id_gap || event.task < task_names_.size()) {
        if (task_names_.size() <= event.task) task_names_.resize(event.task + 1);
        task_names_[event.task] = entry;
      } else {
        sparse_task_names_[event.task] = entry;
      }
    }
    if (event.task < task_names_.size()) {
      std::tie(name, name_hash) = task_names_[event.task];
    } else if (!sparse_task_names_.empty()) [[unlikely]] {
      if (auto found = sparse_task_names_.find(event.task); found != sparse_task_names_.end()) {
        std::tie(name, name_hash) = found->second;
      }
    }
  }
  std::uint32_t detail = 0;
  std::uint64_t detail_hash = 0;
  if (!event.detail.empty()) [[unlikely]] {
    detail = intern_string(event.detail);
    detail_hash = string_hashes_[detail - 1];
  }
  digest_.add(event, log_->size() + 1, name_hash, detail_hash);
  log_->append(event, site, name, detail);
  if (stream_file_) [[unlikely]] stream_lines(sites_before, log_->last());
}

void TraceRecorder::stream_lines(std::size_t first_site, const TraceEvent& event) {
  for (std::size_t i = first_site; i < trace_.sites.size(); ++i) {
    detail::append_site_line(stream_buffer_, static_cast<std::uint32_t>(i + 1), trace_.sites[i]);
  }
  // Strings are escaped once each, when first streamed, not once per line.
  while (quoted_strings_.size() < trace_.strings.size()) quoted_strings_.push_back(detail::quote(trace_.strings[quoted_strings_.size()]));
  detail::append_event_line(stream_buffer_, event, quoted_strings_);
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
  TraceFooter footer;
  footer.outcome = outcome;
  footer.message = std::move(message);
  footer.events = log_->size();
  footer.final_time_ns = loop_.now().count();
  footer.digest = digest_.value();
  trace_.footer = footer;
  if (stream_file_) {
    detail::append_footer_line(stream_buffer_, footer);
    flush_stream();
    std::fclose(stream_file_);
    stream_file_ = nullptr;
    written_path_ = options_.path;
    return;
  }
  if (!options_.path.empty() || outcome != Outcome::ok) {
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
