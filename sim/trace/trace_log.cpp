#include "trace/trace_log.hpp"

#include <new>

#include "detsim/base/detail/assert.hpp"
#include "memory/huge_pages.hpp"
#include "memory/recycled_blocks.hpp"

namespace detsim::detail {

using namespace log_format;

namespace {

std::int64_t wrapping_sum(std::int64_t a, std::uint64_t delta) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + delta);
}
std::int64_t unzigzag(std::uint64_t value) noexcept {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}
std::uint64_t get(const std::uint8_t*& in) noexcept {
  std::uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    const std::uint8_t byte = *in++;
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return value;
  }
}
std::uint64_t get_id(const std::uint8_t*& in, std::uint64_t& previous) noexcept {
  previous += static_cast<std::uint64_t>(unzigzag(get(in)));
  return previous;
}

}  // namespace

std::uint8_t* log_format::put_long(std::uint8_t* out, std::uint64_t value) noexcept {
  while (value >= 0x80) {
    *out++ = static_cast<std::uint8_t>(value | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<std::uint8_t>(value);
  return out;
}

void TraceLog::ChunkDelete::operator()(std::uint8_t* bytes) const noexcept {
  if (alignment == chunk_bytes) {
    free_huge_page_aligned(bytes, chunk_bytes);
  } else {
    free_recycled(bytes, size, std::align_val_t{alignment});
  }
}

void TraceLog::start_chunk() {
  if (!chunks_.empty()) chunk_used_.push_back(static_cast<std::size_t>(cursor_ - chunks_.back().get()));
  // Most traces are small (a test's): they stay in the first chunk.
  const std::size_t bytes = chunks_.empty()       ? first_chunk_bytes
                            : chunks_.size() == 1 ? second_chunk_bytes
                                                  : chunk_bytes;
  const std::size_t alignment = bytes == chunk_bytes ? chunk_bytes : page_bytes;
  // Not zeroed: the bytes are written before they are read, so there is no
  // need to touch (and fault in) the whole chunk up front.
  auto* memory = static_cast<std::uint8_t*>(bytes == chunk_bytes ? allocate_huge_page_aligned(bytes)
                                                                 : allocate_recycled(bytes, std::align_val_t{alignment}));
  chunks_.emplace_back(memory, ChunkDelete{bytes, alignment});
  cursor_ = memory;
  limit_ = cursor_ + bytes - max_event_bytes;
}


void TraceLog::decode_into(std::vector<TraceEvent>& into) const {
  DETSIM_ASSERT_EQ(into.size(), decoded_.events);
  into.reserve(count_);
  DecodePosition at = decoded_;
  while (at.events < count_) {
    const std::size_t used = at.chunk + 1 < chunks_.size()
                                 ? chunk_used_[at.chunk]
                                 : static_cast<std::size_t>(cursor_ - chunks_.back().get());
    if (at.offset == used) {
      ++at.chunk;
      at.offset = 0;
      continue;
    }
    const std::uint8_t* in = chunks_[at.chunk].get() + at.offset;
    decode<false>(in, at.context, ++at.events, into.emplace_back());
    at.offset = static_cast<std::size_t>(in - chunks_[at.chunk].get());
  }
  decoded_ = at;
}

TraceEvent TraceLog::last() const noexcept {
  DETSIM_ASSERT(count_ > 0);
  const std::uint8_t* in = last_start_;
  Context context = context_;
  TraceEvent event;
  decode<true>(in, context, count_, event);
  return event;
}

template <bool after>
void TraceLog::decode(const std::uint8_t*& in, Context& context, std::uint64_t seq, TraceEvent& event) noexcept {
  // `after`: `context` is already the one after this event (its time and
  // ids are the event's own), so deltas are skipped rather than applied.
  const auto id = [&in](std::uint64_t& previous) {
    if (after) {
      get(in);
      return previous;
    }
    return get_id(in, previous);
  };
  event.seq = seq;
  const std::uint8_t kind = in[0];
  const std::uint8_t fields = in[1];
  in += 2;
  event.kind = static_cast<EventKind>(kind & kind_mask);
  event.immediate = (kind & immediate_bit) != 0;
  if (fields & time_bit) {
    const std::uint64_t delta = get(in);
    if (!after) context.time_ns = wrapping_sum(context.time_ns, delta);
  }
  event.time_ns = context.time_ns;
  if (fields & cause_bit) event.cause = event.seq - get(in);
  if (fields & when_bit) event.when_ns = wrapping_sum(event.time_ns, static_cast<std::uint64_t>(unzigzag(get(in))));
  if (fields & handle_bit) event.handle = id(context.handle);
  if (fields & future_bit) event.future = id(context.future);
  if (fields & task_bit) event.task = id(context.task);
  if (fields & choice_bit) {
    event.choice = static_cast<std::uint32_t>(get(in));
    event.of = static_cast<std::uint32_t>(get(in));
  }
  if (fields & site_bit) event.site = static_cast<std::uint32_t>(get(in));
  if (kind & primitive_bit) {
    event.primitive = id(context.primitive);
    event.primitive_type = static_cast<std::uint32_t>(get(in));
    event.primitive_name = static_cast<std::uint32_t>(get(in));
  }
  if (kind & detail_bit) event.detail = static_cast<std::uint32_t>(get(in));
}

}  // namespace detsim::detail
