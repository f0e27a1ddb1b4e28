// TraceLog: how a TraceRecorder keeps a run's events in memory. Private to sim/.
//
// A TraceEvent is 72 bytes; a recorded run makes several per step, so a
// vector of them is mostly memory traffic (growing, copying, and on a fresh
// recorder, page faults). The log stores each event as a few bytes instead:
//   - a kind byte: kind (5 bits), immediate, has name, has detail;
//   - a field byte: which of time, cause, when, handle, future, task,
//     choice/of, site are present (non-zero);
//   - each present field as a LEB128 varint of a small number: time as the
//     delta from the previous event's, cause as seq - cause, when as the
//     zigzag delta from the event's time, the ids as zigzag deltas from the
//     previous event's non-zero value of the same field; choice, of and the
//     string and site indices as they are.
// Typical events take 4-8 bytes. Memory comes in fixed chunks that never
// move, so appending never copies what is already recorded.
//
// Events decode back to exactly the TraceEvents that were appended (a round
// trip the trace tests check on every recorded run).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "detsim/trace.hpp"

namespace detsim::detail {

class TraceLog {
 public:
  // `event.seq` must be size() + 1.
  void append(const TraceEvent& event);
  std::size_t size() const noexcept { return count_; }
  // Appends to `into` the events it lacks: `into` must hold exactly the
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
  };
  // The longest encoding: two header bytes and eleven 10-byte varints.
  static constexpr std::size_t max_event_bytes = 2 + 11 * 10;
  static constexpr std::size_t chunk_bytes = std::size_t{1} << 16;

  // Where decode_into stopped: decoding is incremental, as the recorder
  // materializes its trace each time it is asked for.
  struct DecodePosition {
    std::size_t chunk = 0;
    std::size_t offset = 0;
    std::size_t events = 0;
    Context context;
  };

  [[gnu::noinline]] void start_chunk();

  std::vector<std::unique_ptr<std::uint8_t[]>> chunks_;
  // Bytes used in each chunk (the last one's is `cursor_ - chunk start`).
  std::vector<std::size_t> chunk_used_;
  std::uint8_t* cursor_ = nullptr;
  std::uint8_t* limit_ = nullptr;  // where the last chunk stops having room for one more event
  std::size_t count_ = 0;
  Context context_;
  mutable DecodePosition decoded_;
};

}  // namespace detsim::detail
