#include "trace/recording.hpp"

#include <optional>

#include "detsim/base/detail/assert.hpp"
#include "detsim/core/primitive_trace.hpp"
#include "trace/format.hpp"

namespace detsim::detail {

namespace {

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

TraceSite compute_site_text(SourceLocation site, std::string_view root) {
  return TraceSite{valid_utf8(relative_file(site.file_name(), root)), site.line(),
                   valid_utf8(readable_function(site.function_name()))};
}

// Set when this thread's cache of site text is destroyed, at the thread's
// end: a recorder still recording then (in another thread_local's
// destructor, say) computes the text without it. (Trivially destructible,
// so that it outlives every thread_local with a destructor.)
constinit thread_local bool site_text_cache_gone = false;

// A site's text as traces show it: file made relative to `root`, function
// name cleaned, both valid UTF-8. The same for every recorder with the same
// root, and a seed sweep makes a recorder per seed, so each thread keeps the
// text of the sites it saw last, by call site. (A memo of a pure function:
// nothing here can change a trace. An entry is used only if its raw file
// and function names, line and root are the same again, so a call site
// whose address is reused, say by another library loaded there, is not
// confused with the one before.) Returns the cached text, or `computed`
// once the cache is gone.
const TraceSite& site_text(SourceLocation site, std::string_view root, std::size_t slot_index,
                           TraceSite& computed) {
  struct Entry {
    const char* file = nullptr;
    const char* function = nullptr;
    std::string raw_file;
    std::string raw_function;
    std::string root;
    TraceSite text;
  };
  struct Cache {
    std::vector<Entry> entries = std::vector<Entry>(256);
    ~Cache() { site_text_cache_gone = true; }
  };
  if (site_text_cache_gone) [[unlikely]] {
    computed = compute_site_text(site, root);
    return computed;
  }
  thread_local Cache cache;
  Entry& entry = cache.entries[slot_index % cache.entries.size()];
  const bool same = entry.file == site.file_name() && entry.function == site.function_name() &&
                    entry.text.line == site.line() && entry.raw_file == site.file_name() &&
                    entry.raw_function == site.function_name() && entry.root == root;
  if (!same) {
    entry.file = site.file_name();
    entry.function = site.function_name();
    entry.raw_file = site.file_name();
    entry.raw_function = site.function_name();
    entry.root = root;
    entry.text = compute_site_text(site, root);
  }
  return entry.text;
}

}  // namespace

Recording::Recording(Trace& trace, std::string source_root)
    : trace_(trace),
      source_root_(std::move(source_root)),
      site_slots_(site_cache_first_size),
      site_slot_mask_(site_cache_first_size - 1) {
  // Room for a small program's sites and names up front: a seed sweep makes
  // a recorder per seed, and growing each table from empty was six
  // allocations a seed.
  trace_.sites.reserve(small_program_sites);
  trace_.strings.reserve(small_program_strings);
  string_hashes_.reserve(small_program_strings);
}

void Recording::record_out_of_line(const Event& event) { record(event); }

Recording::Interned Recording::intern_string(std::string_view raw) {
  // Names and details are few (one per task, one per failure): a linear
  // search from the end finds repeats without a map on the hot path. The
  // raw text first: a stored string is valid UTF-8, so the raw text equals
  // one exactly when its valid form does, and a repeat (a sweep's worker
  // sees the same task names seed after seed) needs no copy.
  const auto find = [this](std::string_view text) -> std::optional<Interned> {
    for (std::size_t i = trace_.strings.size(); i-- > 0;) {
      if (trace_.strings[i] == text) return Interned{static_cast<std::uint32_t>(i + 1), string_hashes_[i]};
    }
    return std::nullopt;
  };
  if (auto found = find(raw)) return *found;
  const std::string text = valid_utf8(raw);
  if (auto found = find(text)) return *found;
  trace_.strings.push_back(text);
  string_hashes_.push_back(hash_trace_string(text));
  return {static_cast<std::uint32_t>(trace_.strings.size()), string_hashes_.back()};
}

Recording::PrimitiveStrings Recording::intern_primitive(const PrimitiveTrace& primitive) {
  PrimitiveStrings strings;
  strings.id = primitive.id();
  strings.type = intern_string(primitive.type());
  if (!primitive.name().empty()) strings.name = intern_string(primitive.name());
  return strings;
}

std::uint64_t Recording::first_event_of_task(std::uint64_t task, std::string_view name) {
  if (task_names_.find(task)) return 0;  // a sparse id, seen before
  // Even an empty name (an event fed by hand) is a name: the task's
  // task_created, which needs one, may come later.
  const Interned entry = intern_string(name);
  task_names_.add(task, entry.first);
  return entry.second;
}

TraceEvent Recording::last() const noexcept {
  TraceEvent event = log.last();
  event.name = task_names_.name_of(event.task);
  return event;
}

void Recording::decode_into(std::vector<TraceEvent>& into) const {
  const std::size_t first_new = into.size();
  log.decode_into(into);
  for (std::size_t i = first_new; i < into.size(); ++i) into[i].name = task_names_.name_of(into[i].task);
}

std::uint32_t Recording::add_site(SourceLocation site, SiteSlot& slot, std::uintptr_t identity,
                                  std::uint64_t position) {
  if (site.line() == 0) return 0;
  // Not cached: find the site by content (the same position may come with
  // another copy of the file string from another translation unit), or add it.
  TraceSite computed;
  const TraceSite& text_site = site_text(site, source_root_, site_slot_index(identity, position), computed);
  std::uint32_t index = 0;
  for (std::size_t i = 0; i < trace_.sites.size() && index == 0; ++i) {
    if (trace_.sites[i] == text_site) index = static_cast<std::uint32_t>(i + 1);
  }
  if (index == 0) {
    trace_.sites.push_back(text_site);
    index = static_cast<std::uint32_t>(trace_.sites.size());
  }
  // Two sites in one slot would evict each other at every event: grow first.
  SiteSlot* target = &slot;
  while (target->index != 0 && site_slots_.size() < site_cache_largest_size) {
    grow_site_cache();
    target = &site_slots_[site_slot_index(identity, position) & site_slot_mask_];
  }
  *target = SiteSlot{identity, position, index};
  return index;
}

void Recording::grow_site_cache() {
  std::vector<SiteSlot> larger(site_slots_.size() * 2);
  const std::size_t mask = larger.size() - 1;
  for (const SiteSlot& slot : site_slots_) {
    if (slot.index != 0) larger[site_slot_index(slot.identity, slot.position) & mask] = slot;
  }
  site_slots_ = std::move(larger);
  site_slot_mask_ = mask;
}

}  // namespace detsim::detail
