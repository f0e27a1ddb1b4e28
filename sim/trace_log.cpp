#include "trace_log.hpp"

#include "detsim/detail/assert.hpp"

namespace detsim::detail {

namespace {

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
constexpr unsigned kind_mask = 0x1f;
constexpr unsigned immediate_bit = 1 << 5;
constexpr unsigned name_bit = 1 << 6;
constexpr unsigned detail_bit = 1 << 7;

// Times and deadlines are any int64 (a deadline may be far in the past), so
// their deltas are taken modulo 2^64: no signed overflow, exact round trip.
std::int64_t wrapping_difference(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrapping_sum(std::int64_t a, std::uint64_t delta) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + delta);
}

std::uint64_t zigzag(std::int64_t value) noexcept {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}
std::int64_t unzigzag(std::uint64_t value) noexcept {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

[[gnu::noinline]] std::uint8_t* put_long(std::uint8_t* out, std::uint64_t value) noexcept {
  while (value >= 0x80) {
    *out++ = static_cast<std::uint8_t>(value | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<std::uint8_t>(value);
  return out;
}
// Most values are small deltas: one byte, inline.
std::uint8_t* put(std::uint8_t* out, std::uint64_t value) noexcept {
  if (value < 0x80) [[likely]] {
    *out = static_cast<std::uint8_t>(value);
    return out + 1;
  }
  return put_long(out, value);
}
std::uint64_t get(const std::uint8_t*& in) noexcept {
  std::uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    const std::uint8_t byte = *in++;
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return value;
  }
}

// An id field against the previous non-zero value of the same field.
std::uint64_t delta(std::uint64_t value, std::uint64_t& previous) noexcept {
  const std::uint64_t encoded = zigzag(static_cast<std::int64_t>(value - previous));
  previous = value;
  return encoded;
}
std::uint64_t get_id(const std::uint8_t*& in, std::uint64_t& previous) noexcept {
  previous += static_cast<std::uint64_t>(unzigzag(get(in)));
  return previous;
}

}  // namespace

void TraceLog::start_chunk() {
  if (!chunks_.empty()) chunk_used_.push_back(static_cast<std::size_t>(cursor_ - chunks_.back().get()));
  // new[] without (): the bytes are written before they are read, so there
  // is no need to touch (and fault in) the whole chunk up front.
  chunks_.emplace_back(new std::uint8_t[chunk_bytes]);
  cursor_ = chunks_.back().get();
  limit_ = cursor_ + chunk_bytes - max_event_bytes;
}

void TraceLog::append(const TraceEvent& event) {
  DETSIM_ASSERT_EQ(event.seq, count_ + 1);
  DETSIM_ASSERT_LT(static_cast<unsigned>(event.kind), kind_mask + 1u);
  if (cursor_ >= limit_) [[unlikely]] start_chunk();
  std::uint8_t* out = cursor_ + 2;
  // Header bits are gathered in a plain unsigned as the fields are written.
  unsigned fields = 0;
  unsigned kind = static_cast<unsigned>(event.kind) | (event.immediate ? immediate_bit : 0u);
  const auto field = [&out](unsigned& bits, unsigned bit, std::uint64_t value) {
    bits |= bit;
    out = put(out, value);
  };
  if (event.time_ns != context_.time_ns) {
    field(fields, time_bit, static_cast<std::uint64_t>(event.time_ns) - static_cast<std::uint64_t>(context_.time_ns));
    context_.time_ns = event.time_ns;
  }
  if (event.cause != 0) field(fields, cause_bit, event.seq - event.cause);
  if (event.when_ns != 0) [[unlikely]] {
    field(fields, when_bit, zigzag(wrapping_difference(event.when_ns, event.time_ns)));
  }
  if (event.handle != 0) field(fields, handle_bit, delta(event.handle, context_.handle));
  if (event.future != 0) field(fields, future_bit, delta(event.future, context_.future));
  if (event.task != 0) field(fields, task_bit, delta(event.task, context_.task));
  if ((event.choice | event.of) != 0) {
    field(fields, choice_bit, event.choice);
    field(fields, choice_bit, event.of);
  }
  if (event.site != 0) field(fields, site_bit, event.site);
  if (event.name != 0) field(kind, name_bit, event.name);
  if (event.detail != 0) [[unlikely]] field(kind, detail_bit, event.detail);
  cursor_[0] = static_cast<std::uint8_t>(kind);
  cursor_[1] = static_cast<std::uint8_t>(fields);
  cursor_ = out;
  ++count_;
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
    TraceEvent& event = into.emplace_back();
    event.seq = ++at.events;
    const std::uint8_t kind = in[0];
    const std::uint8_t fields = in[1];
    in += 2;
    event.kind = static_cast<EventKind>(kind & kind_mask);
    event.immediate = (kind & immediate_bit) != 0;
    if (fields & time_bit) at.context.time_ns = wrapping_sum(at.context.time_ns, get(in));
    event.time_ns = at.context.time_ns;
    if (fields & cause_bit) event.cause = event.seq - get(in);
    if (fields & when_bit) event.when_ns = wrapping_sum(event.time_ns, static_cast<std::uint64_t>(unzigzag(get(in))));
    if (fields & handle_bit) event.handle = get_id(in, at.context.handle);
    if (fields & future_bit) event.future = get_id(in, at.context.future);
    if (fields & task_bit) event.task = get_id(in, at.context.task);
    if (fields & choice_bit) {
      event.choice = static_cast<std::uint32_t>(get(in));
      event.of = static_cast<std::uint32_t>(get(in));
    }
    if (fields & site_bit) event.site = static_cast<std::uint32_t>(get(in));
    if (kind & name_bit) event.name = static_cast<std::uint32_t>(get(in));
    if (kind & detail_bit) event.detail = static_cast<std::uint32_t>(get(in));
    at.offset = static_cast<std::size_t>(in - chunks_[at.chunk].get());
  }
  decoded_ = at;
}

}  // namespace detsim::detail
