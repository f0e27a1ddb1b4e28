// Recording: the hot half of a TraceRecorder, which the loop calls directly.
// Private to sim/.
//
// A recorded run makes several events per step, and recording each one went
// through a generic path: the loop filled a 120-byte Event, a virtual call
// passed it on, and the recorder tested every field. A loop with a Recording
// attached instead calls record() inline at each place it reports an event,
// with the Event it builds there. The compiler then knows which fields that
// kind of event leaves zero, and drops their tests, digest words and log
// bytes: each report site gets its own specialized recorder.
//
// Only one Recording is attached to a loop at a time (the first
// TraceRecorder's); any other recorder records through its on_event, with
// this same code out of line. Both paths give the same log and digest
// (tests/trace/trace_test.cpp checks it), as long as observers keep their contract
// and do not make the loop report events from on_event.
//
// What it keeps: the compact event log, the digest, and the interning of
// sites, names and details into the Trace it was given (whose sites and
// strings tables it appends to).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "detsim/core/observer.hpp"
#include "detsim/base/source_location.hpp"
#include "detsim/trace/trace.hpp"
#include "trace/digest.hpp"
#include "trace/task_names.hpp"
#include "trace/trace_log.hpp"

namespace detsim::detail {

class Recording {
 public:
  // Told after every event recorded (streaming writes it out).
  class Listener {
   public:
    virtual void recorded() = 0;

   protected:
    ~Listener() = default;
  };

  // Sites and strings are interned into `trace`; site paths are made
  // relative to `source_root`.
  Recording(Trace& trace, std::string source_root);

  // Records `event` as event number events() + 1. Inline (see above).
  [[gnu::always_inline]] void record(const Event& event) {
    // A task's name enters the digest at its first event only, and the log
    // never stores it: decoding names events from task_names_.
    std::uint64_t name_hash = 0;
    if (event.task != 0 && !task_names_.seen_dense(event.task)) [[unlikely]] {
      name_hash = first_event_of_task(event.task, event.name);
    }
    std::uint32_t detail = 0;
    std::uint64_t detail_hash = 0;
    if (!event.detail.empty()) [[unlikely]] std::tie(detail, detail_hash) = intern_string(event.detail);
    // The loop numbers events from its first observer on; this recording
    // from its own first event. A cause from before that is unknown here.
    const std::uint64_t cause = event.cause > first_seq_ ? event.cause - first_seq_ : 0;
    // Zero wherever the loop reports its own events (the compiler drops the
    // test there): only a primitive's report names a primitive.
    PrimitiveStrings primitive;
    if (event.primitive != nullptr) [[unlikely]] primitive = intern_primitive(*event.primitive);
    digest.add(event, cause, name_hash, detail_hash, primitive.id, primitive.type.second, primitive.name.second);
    const std::uint32_t site = intern_site(event.site);
    log.append(event, cause, site, detail, primitive.id, primitive.type.first, primitive.name.first);
    if (listener_) [[unlikely]] listener_->recorded();
  }
  // record(), out of line: for events that do not come from an attached loop.
  void record_out_of_line(const Event& event);

  // How many events were recorded.
  std::uint64_t events() const noexcept { return digest.events(); }

  // The events recorded, with their task names: the last one, or those that
  // `into` lacks (see TraceLog::decode_into).
  TraceEvent last() const noexcept;
  void decode_into(std::vector<TraceEvent>& into) const;

  void set_listener(Listener* listener) noexcept { listener_ = listener; }
  // The loop's seq of the event before this recording's first: events come
  // numbered by the loop, which may have reported others before.
  void start_after(std::uint64_t loop_seq) noexcept { first_seq_ = loop_seq; }

  TraceLog log;
  TraceDigest digest;

 private:
  struct SiteSlot;
  // A name or detail as the trace knows it: (1-based string index, hash).
  using Interned = std::pair<std::uint32_t, std::uint64_t>;
  // A primitive event's primitive: its id, type and name, interned ({0, 0}
  // for no name).
  struct PrimitiveStrings {
    std::uint64_t id = 0;
    Interned type{0, 0};
    Interned name{0, 0};
  };
  [[gnu::noinline]] PrimitiveStrings intern_primitive(const PrimitiveTrace& primitive);

  std::uint32_t intern_site(SourceLocation site);
  [[gnu::noinline]] std::uint32_t add_site(SourceLocation site, SiteSlot& slot, std::uintptr_t identity,
                                           std::uint64_t position);
  static std::size_t site_slot_index(std::uintptr_t identity, std::uint64_t position) noexcept;
  // Doubles the cache, keeping what it holds.
  void grow_site_cache();
  [[gnu::noinline]] Interned intern_string(std::string_view text);
  // Names a task at its first event in this recording (created while
  // recording, or before, or fed by hand); returns the name's hash.
  [[gnu::noinline]] std::uint64_t first_event_of_task(std::uint64_t task, std::string_view name);

  Trace& trace_;
  std::string source_root_;
  Listener* listener_ = nullptr;
  std::uint64_t first_seq_ = 0;
  TaskNames task_names_;
  std::vector<std::uint64_t> string_hashes_;
  std::vector<SiteSlot> site_slots_;  // a direct-mapped cache, by call-site identity
  std::size_t site_slot_mask_;        // site_slots_.size() - 1
};

// A direct-mapped cache from a call site's identity to the site's index.
// The identity is what SourceLocation::current() fixes per call site: in
// libstdc++ the address of the call site's static record (the object's only
// member), elsewhere its file string's address, line and column. Only looked
// up, never iterated: indices come from first use, so the cache's layout
// never shows in a trace.
struct Recording::SiteSlot {
  std::uintptr_t identity = 0;
  std::uint64_t position = 0;  // line << 32 | column, where identity is the file's address
  std::uint32_t index = 0;     // 0: empty
};

// The cache starts small, since a seed sweep makes a recorder per seed and
// a small program has few sites, and doubles whenever two sites meet in one
// slot, up to the largest size (powers of two).
inline constexpr std::size_t site_cache_first_size = 64;
inline constexpr std::size_t site_cache_largest_size = 1024;
// The sites and strings a Recording makes room for when it starts.
inline constexpr std::size_t small_program_sites = 16;
inline constexpr std::size_t small_program_strings = 8;

// Where a site's identity falls in the cache (before masking).
inline std::size_t Recording::site_slot_index(std::uintptr_t identity, std::uint64_t position) noexcept {
  // Call sites' static records lie 24 bytes apart: their addresses over 8
  // fall in distinct slots. File names and positions need hashing.
  return position == 0 ? identity >> 3 : (identity ^ position) * 0x9e3779b97f4a7c15ULL >> 40;
}

// Inline: every event asks, and all but the first use of a site hit the
// cache. The first use takes add_site, out of line.
inline std::uint32_t Recording::intern_site(SourceLocation site) {
  std::uintptr_t identity;
  std::uint64_t position;
  constexpr bool identity_is_pointer =
      sizeof(SourceLocation) == sizeof(std::uintptr_t) && std::is_trivially_copyable_v<SourceLocation>;
  if constexpr (identity_is_pointer) {
    std::memcpy(&identity, &site, sizeof identity);  // one pointer per call site
    position = 0;
    if (identity == 0) return 0;  // a default-constructed location: no site
  } else {
    if (site.line() == 0) return 0;
    identity = reinterpret_cast<std::uintptr_t>(site.file_name());
    position = (std::uint64_t{site.line()} << 32) | site.column();
  }
  SiteSlot& slot = site_slots_[site_slot_index(identity, position) & site_slot_mask_];
  // (Where the identity is one pointer, every slot's position is 0.)
  const bool same_position = identity_is_pointer || slot.position == position;
  if (slot.identity == identity && same_position) [[likely]] return slot.index;
  return add_site(site, slot, identity, position);
}

}  // namespace detsim::detail
