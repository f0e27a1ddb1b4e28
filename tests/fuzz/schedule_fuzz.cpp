// libFuzzer target: schedule strings (detsim/scheduling/schedule.hpp).
// Any input is refused with a ScheduleError or decoded; what decodes is the
// one canonical string of its schedule: it re-encodes to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <detsim/scheduling/schedule.hpp>

#include "fuzz_check.hpp"

// A lower cap than max_schedule_decisions keeps each input fast; the logic
// that enforces it is the same.
constexpr std::uint64_t fuzz_max_decisions = std::uint64_t{1} << 16;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  detsim::Schedule schedule;
  try {
    schedule = detsim::decode_schedule(text, fuzz_max_decisions);
  } catch (const detsim::ScheduleError&) {
    return 0;
  }
  detsim_fuzz::check(schedule.decisions.size() <= fuzz_max_decisions, "no more decisions than the cap");
  detsim_fuzz::check(!schedule.scheduler.empty(), "a decoded scheduler name is not empty");
  const std::string again = detsim::encode_schedule(schedule);
  detsim_fuzz::check(again == text, "a decoded string re-encodes to itself");
  return 0;
}
