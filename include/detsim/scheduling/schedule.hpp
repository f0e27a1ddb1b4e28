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

// The string form; `of` is not encoded.
std::string encode_schedule(const Schedule& schedule);
// Decodes a string; the decisions' `of` are 0 (unknown). Throws ScheduleError.
Schedule decode_schedule(std::string_view text);

}  // namespace detsim
