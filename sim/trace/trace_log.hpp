// TraceLog: how a TraceRecorder keeps a run's events in memory. Private to sim/.
//
// A TraceEvent is 72 bytes; a recorded run makes several per step, so a
// vector of them is mostly memory traffic (growing, copying, and on a fresh
// recorder, page faults). The log stores each event as a few bytes instead:
//   - a kind byte: kind (5 bits), immediate, has primitive, has detail;
//   - a field byte: which of time, cause, when, handle, future, task,
//     choice/of, site are written;
//   - each present field (non-zero, or one its kind always carries: see
//     always_written) as a LEB128 varint of a small number: time as the
//     delta from the previous event's, cause as seq - cause, when as the
//     zigzag delta from the event's time, the ids as zigzag deltas from the
//     last value written for the same field; choice, of and the detail and
//     site indices as they are; a primitive event's primitive id (zigzag
//     delta), type and name indices. Task names are not stored: a task has one
//     name in a trace (Recording names decoded events).
// Typical events take 4-8 bytes. Memory comes in chunks that never move, so
// appending never copies what is already recorded: a first one of 8 KiB (a
// test's run of a thousand events), a second of 64 KiB, then chunks of
// 2 MiB, which Linux may back with a huge page. Recording writes fresh memory
// all along, and on a virtual machine each 4 KiB page fault cost about 3 us,
// a tenth of a recorded ping-pong's time; a huge page is one fault for 512
// of them. The first chunk is small because a seed sweep makes a recorder
// per seed: at 64 KiB, freeing it left glibc enough free memory at the top
// of the heap to give back, and each seed paid to grow the heap again (a
// twenty-step run: 12 us instead of 4.5).
//
// Events decode back to exactly the TraceEvents that were appended (a round
// trip the trace tests check on every recorded run).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "detsim/base/detail/assert.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/trace/trace.hpp"
#include "memory/huge_pages.hpp"

namespace detsim::detail {

class TraceLog {
 public:
  // Appends `event` as event number size() + 1, with its cause in the log's
  // numbering, and its site and detail already interned (1-based indices, 0
  // for none). Inline, and from the loop's Event itself: a recorder calls it
  // for every event.
  // A primitive event's primitive comes as its id and interned type and
  // name (0 otherwise).
  [[gnu::always_inline]] void append(const Event& event, std::uint64_t cause, std::uint32_t site,
                                     std::uint32_t detail, std::uint64_t primitive = 0,
                                     std::uint32_t primitive_type = 0, std::uint32_t primitive_name = 0) noexcept;
  std::size_t size() const noexcept { return count_; }
  // The last event appended, decoded (size() must be > 0), without its name.
  TraceEvent last() const noexcept;
  // Appends to `into` the events it lacks, without names: `into` must hold exactly the
  // events decoded by the previous calls (decoding resumes where they
  // stopped). The recorder passes its trace's events each time, and starts a
  // new log when the trace is taken.
  void decode_into(std::vector<TraceEvent>& into) const;

 private:
  // The running values fields are encoded against, one set for the encoder.
  struct Context {
    std::int64_t time_ns = 0;
    std::uint64_t handle = 0;
    std::uint64_t future = 0;
    std::uint64_t task = 0;
    std::uint64_t primitive = 0;
  };
  // The longest encoding: two header bytes and thirteen 10-byte varints.
  static constexpr std::size_t max_event_bytes = 2 + 13 * 10;
  static constexpr std::size_t first_chunk_bytes = std::size_t{1} << 13;
  static constexpr std::size_t second_chunk_bytes = std::size_t{1} << 16;
  static constexpr std::size_t chunk_bytes = huge_page_bytes;
  static constexpr std::size_t page_bytes = 4096;
  // Frees a chunk of the size and alignment it was allocated with.
  struct ChunkDelete {
    std::size_t size = 0;
    std::size_t alignment = page_bytes;
    void operator()(std::uint8_t* bytes) const noexcept;
  };
  using Chunk = std::unique_ptr<std::uint8_t[], ChunkDelete>;

  // Where decode_into stopped: decoding is incremental, as the recorder
  // materializes its trace each time it is asked for.
  struct DecodePosition {
    std::size_t chunk = 0;
    std::size_t offset = 0;
    std::size_t events = 0;
    Context context;
  };

  [[gnu::noinline]] void start_chunk();
  // Decodes the event at `in`, the `seq`th, against `context` (the one
  // before it, or with `after`, the one after it); advances both.
  template <bool after>
  static void decode(const std::uint8_t*& in, Context& context, std::uint64_t seq, TraceEvent& event) noexcept;

  std::vector<Chunk> chunks_;
  // Bytes used in each chunk (the last one's is `cursor_ - chunk start`).
  std::vector<std::size_t> chunk_used_;
  std::uint8_t* cursor_ = nullptr;
  std::uint8_t* limit_ = nullptr;  // where the last chunk stops having room for one more event
  std::size_t count_ = 0;
  Context context_;
  const std::uint8_t* last_start_ = nullptr;  // where the last event starts
  mutable DecodePosition decoded_;
};

// ---- the encoder, inline --------------------------------------------------

namespace log_format {

enum FieldBit : unsigned {
  time_bit = 1 << 0,
  cause_bit = 1 << 1,
  when_bit = 1 << 2,
  handle_bit = 1 << 3,
  future_bit = 1 << 4,
  task_bit = 1 << 5,
  choice_bit = 1 << 6,  // choice and of, as a step or callback has both
  site_bit = 1 << 7,
};
inline constexpr unsigned kind_mask = 0x1f;
inline constexpr unsigned immediate_bit = 1 << 5;
inline constexpr unsigned primitive_bit = 1 << 6;  // primitive id, type and name follow the site
inline constexpr unsigned detail_bit = 1 << 7;

inline std::uint64_t zigzag(std::int64_t value) noexcept {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

[[gnu::noinline]] std::uint8_t* put_long(std::uint8_t* out, std::uint64_t value) noexcept;
// Most values are small deltas: one byte, inline.
inline std::uint8_t* put(std::uint8_t* out, std::uint64_t value) noexcept {
  if (value < 0x80) [[likely]] {
    *out = static_cast<std::uint8_t>(value);
    return out + 1;
  }
  return put_long(out, value);
}

// The fields an event of `kind` always carries in a run (a step its handle,
// task, cause, decision and site): the encoder writes them without testing
// for zero, since inlined where the kind is known this mask is a constant. A
// zero written anyway decodes as zero (an id's delta then brings its running
// value to 0; a cause's distance is then seq itself), so this only saves
// tests, never changes what is decoded.
constexpr unsigned always_written(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::call_soon: return handle_bit | cause_bit | site_bit;
    case EventKind::step: return handle_bit | task_bit | cause_bit | choice_bit | site_bit;
    case EventKind::callback: return handle_bit | cause_bit | choice_bit | site_bit;
    case EventKind::timer_scheduled: return handle_bit | site_bit;
    case EventKind::timer_due: return handle_bit | cause_bit;
    case EventKind::handle_cancelled: return handle_bit;
    case EventKind::future_created: return future_bit | site_bit;
    case EventKind::task_created: return future_bit | task_bit;
    case EventKind::set_result:
    case EventKind::set_exception:
    case EventKind::cancel:
    case EventKind::done_callback: return future_bit | cause_bit;
    case EventKind::cancel_requested: return future_bit | task_bit;
    default: return 0;
  }
}

// An id field against the last value written for the same field.
inline std::uint64_t delta(std::uint64_t value, std::uint64_t& previous) noexcept {
  const std::uint64_t encoded = zigzag(static_cast<std::int64_t>(value - previous));
  previous = value;
  return encoded;
}

}  // namespace log_format

[[gnu::always_inline]] inline void TraceLog::append(const Event& event, std::uint64_t cause, std::uint32_t site,
                                                    std::uint32_t detail, std::uint64_t primitive,
                                                    std::uint32_t primitive_type,
                                                    std::uint32_t primitive_name) noexcept {
  using namespace log_format;
  DETSIM_ASSERT_LT(static_cast<unsigned>(event.kind), kind_mask + 1u);
  if (cursor_ >= limit_) [[unlikely]] start_chunk();
  // In a local: the bytes stored through it may alias any member, so
  // cursor_ itself would be reloaded after each.
  std::uint8_t* const start = cursor_;
  last_start_ = start;
  const std::uint64_t seq = count_ + 1;
  std::uint8_t* out = start + 2;
  // Header bits are gathered in a plain unsigned as the fields are written.
  unsigned fields = 0;
  unsigned kind = static_cast<unsigned>(event.kind) | (event.immediate ? immediate_bit : 0u);
  const auto field = [&out](unsigned& bits, unsigned bit, std::uint64_t value) {
    bits |= bit;
    out = put(out, value);
  };
  const std::int64_t time = event.time.count();
  if (time != context_.time_ns) {
    // Times and deadlines are any int64 (a deadline may be far in the past),
    // so their deltas are taken modulo 2^64: no signed overflow, exact round
    // trip.
    field(fields, time_bit, static_cast<std::uint64_t>(time) - static_cast<std::uint64_t>(context_.time_ns));
    context_.time_ns = time;
  }
  const unsigned always = always_written(event.kind);
  if ((always & cause_bit) || cause != 0) field(fields, cause_bit, seq - cause);
  if (event.when.count() != 0) [[unlikely]] {
    field(fields, when_bit,
          zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(event.when.count()) -
                                           static_cast<std::uint64_t>(time))));
  }
  if ((always & handle_bit) || event.handle != 0) field(fields, handle_bit, delta(event.handle, context_.handle));
  if ((always & future_bit) || event.future != 0) field(fields, future_bit, delta(event.future, context_.future));
  if ((always & task_bit) || event.task != 0) field(fields, task_bit, delta(event.task, context_.task));
  if ((always & choice_bit) || (event.choice | event.of) != 0) {
    field(fields, choice_bit, event.choice);
    field(fields, choice_bit, event.of);
  }
  if ((always & site_bit) || site != 0) field(fields, site_bit, site);
  if (primitive != 0) [[unlikely]] {
    field(kind, primitive_bit, delta(primitive, context_.primitive));
    out = put(out, primitive_type);
    out = put(out, primitive_name);
  }
  if (detail != 0) [[unlikely]] field(kind, detail_bit, detail);
  start[0] = static_cast<std::uint8_t>(kind);
  start[1] = static_cast<std::uint8_t>(fields);
  cursor_ = out;
  count_ = seq;
}

}  // namespace detsim::detail
