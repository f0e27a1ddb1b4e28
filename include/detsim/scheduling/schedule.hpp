// detsim::Schedule: the decisions of a run, and their compact string form.
//
// A run's identity is its seed plus the scheduler's answers at every point
// where more than one callback was ready. Schedule holds exactly that, and
// encodes it as one short printable line that fits in a bug report or a CI
// log, e.g.
//
//   DETSIM_SCHEDULE=s1.random.42.17.KwBYAg
//
// String format "s1.<scheduler>.<seed>.<count>.<payload>" (fields separated by
// '.'):
//   - "s1": format version 1;
//   - scheduler: the recorded Scheduler::name(), a scheduler spec
//     (registry.hpp: [a-z0-9_-]+, maybe ':' and parameters of [a-z0-9_,=:-]);
//   - seed: decimal; it also seeds the loop's user-facing Random, so a replay
//     draws the same "random" values;
//   - count: decimal number of decisions (a check against truncation);
//   - payload: base64url without padding (A-Z a-z 0-9 - _) of a sequence of
//     unsigned LEB128 varints, each a token t: an even t is a run of t/2 + 1
//     decisions with choice 0, an odd t is one decision with choice (t+1)/2.
// Only decisions among two or more candidates are recorded (the loop does not
// ask the scheduler otherwise), and FIFO-like stretches collapse into one
// token, so long runs with few real choices stay short.
//
// Determinism contract: decode(encode(s)) == s for every schedule; a program
// replayed from its schedule makes the same events as the recorded run.
//
// Untrusted input: a schedule string comes from users and CI logs, so
// decode_schedule refuses, with a ScheduleError naming the problem, anything
// encode_schedule would not have written: an empty or ill-formed scheduler
// name, leading zeros, a varint past 64 bits or with a redundant byte, a
// choice past 2^32 - 1, payload bits past the last byte, and in general any
// string that does not re-encode to itself (so two strings never decode to
// the same schedule). It checks the payload and sums its runs before
// allocating anything, and refuses a count over `max_decisions` (default
// max_schedule_decisions = 2^24, 128 MB of decisions: far past the 1M
// callbacks that run_simulation allows a run by default), so a 23-character
// string cannot claim a gigabyte. A schedule string replayed by
// run_simulation must be used up by the run: leftover decisions fail it
// (detsim/run/simulation.hpp).
//
// Example:
//   std::string line = detsim::encode_schedule(detsim::schedule_of(trace));   // detsim/trace/trace.hpp
//   detsim::Schedule again = detsim::decode_schedule(line);   // ScheduleError if malformed
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detsim/base/errors.hpp"

namespace detsim {

// A schedule string that cannot be decoded; the message says where and why.
class ScheduleError : public Error {
 public:
  using Error::Error;
};

struct Decision {
  std::uint32_t choice = 0;
  std::uint32_t of = 0;  // candidates; 0 where unknown (decoded from a string)
  friend bool operator==(const Decision&, const Decision&) = default;
};

struct Schedule {
  std::string scheduler;  // name of the scheduler that made the decisions
  std::uint64_t seed = 0;
  std::vector<Decision> decisions;  // only those with two or more candidates
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// The most decisions decode_schedule accepts by default.
inline constexpr std::uint64_t max_schedule_decisions = std::uint64_t{1} << 24;

// The string form; `of` is not encoded. An empty scheduler name is written as
// "replay" (a decoded name is never empty).
std::string encode_schedule(const Schedule& schedule);
// Decodes a string; the decisions' `of` are 0 (unknown). Throws ScheduleError
// for a malformed or non-canonical string, or one of more than
// `max_decisions` decisions.
Schedule decode_schedule(std::string_view text, std::uint64_t max_decisions = max_schedule_decisions);

}  // namespace detsim
