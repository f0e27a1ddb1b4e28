#include "trace_log.hpp"

#include "detsim/detail/assert.hpp"

namespace detsim::detail {

namespace {

enum FieldBit : std::uint8_t {
  time_bit = 1 << 0,
  cause_bit = 1 << 1,
  when_bit = 1 << 2,
  handle_bit = 1 << 3,
  future_bit = 1 << 4,
  task_bit = 1 << 5,
  choice_bit = 1 << 6,  // choice and of, as a step or callback has both
  site_bit = 1 << 7,
};
constexpr std::uint8_t kind_mask = 0x1f;
constexpr std::uint8_t immediate_bit = 1 << 5;
constexpr std::uint8_t name_bit = 1 << 6;
constexpr std::uint8_t detail_bit = 1 << 7;

std::uint64_t zigzag(std::int64_t value) noexcept {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}
std::int64_t unzigzag(std::uint64_t value) noexcept {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

std::uint8_t* put(std::uint8_t* out, std::uint64_t value) noexcept {
  while (value >= 0x80) {
    *out++ = static_cast<std::uint8_t>(value | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<std::uint8_t>(value);
  return out;
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
std::uint8_t* put_id(std::uint8_t* out, std::uint64_t value, std::uint64_t& previous) noexcept {
  out = put(out, zigzag(static_cast<std::int64_t>(value - previous)));
  previous = value;
  return out;
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
  if (cursor_ >= limit_) [[unlikely]] start_chunk();
  // Both header bytes first, branch-free; then one test per field. (Setting
  // the bits inside the field tests led g++ to build a 100-byte table of bit
  // combinations on the stack on every call.)
  const auto bit = [](bool present, std::uint8_t value) { return static_cast<std::uint8_t>(present ? value : 0); };
  const std::uint8_t fields = bit(event.time_ns != context_.time_ns, time_bit) | bit(event.cause != 0, cause_bit) |
                              bit(event.when_ns != 0, when_bit) | bit(event.handle != 0, handle_bit) |
                              bit(event.future != 0, future_bit) | bit(event.task != 0, task_bit) |
                              bit((event.choice | event.of) != 0, choice_bit) | bit(event.site != 0, site_bit);
  DETSIM_ASSERT_LT(static_cast<unsigned>(event.kind), kind_mask + 1u);
  const std::uint8_t kind = static_cast<std::uint8_t>(event.kind) | bit(event.immediate, immediate_bit) |
                            bit(event.name != 0, name_bit) | bit(event.detail != 0, detail_bit);
  std::uint8_t* out = cursor_;
  out[0] = kind;
  out[1] = fields;
  out += 2;
  if (fields & time_bit) out = put(out, static_cast<std::uint64_t>(event.time_ns - context_.time_ns));
  context_.time_ns = event.time_ns;
  if (fields & cause_bit) out = put(out, event.seq - event.cause);
  if (fields & when_bit) [[unlikely]] out = put(out, zigzag(event.when_ns - event.time_ns));
  if (fields & handle_bit) out = put_id(out, event.handle, context_.handle);
  if (fields & future_bit) out = put_id(out, event.future, context_.future);
  if (fields & task_bit) out = put_id(out, event.task, context_.task);
  if (fields & choice_bit) {
    out = put(out, event.choice);
    out = put(out, event.of);
  }
  if (fields & site_bit) out = put(out, event.site);
  if (kind & name_bit) out = put(out, event.name);
  if (kind & detail_bit) [[unlikely]] out = put(out, event.detail);
  cursor_ = out;
  ++count_;
}

void TraceLog::decode_into(std::vector<TraceEvent>& into) const {
  if (into.size() < decoded_.events) decoded_ = DecodePosition{};
  DETSIM_ASSERT_EQ(into.size(), decoded_.events);
  into.reserve(count_);
  DecodePosition at = decoded_;
  while (at.events < count_) {
    const std::size_t used =
        at.chunk + 1 < chunks_.size() ? chunk_used_[at.chunk] : static_cast<std::size_t>(cursor_ - chunks_.back().get());
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
    if (fields & time_bit) at.context.time_ns += static_cast<std::int64_t>(get(in));
    event.time_ns = at.context.time_ns;
    if (fields & cause_bit) event.cause = event.seq - get(in);
    if (fields & when_bit) event.when_ns = event.time_ns + unzigzag(get(in));
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
