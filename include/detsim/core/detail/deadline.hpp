// deadline_after(now, delay): the virtual time `delay` after `now`, for
// call_later and sleep. Internal.
//
// Saturates at nanoseconds::max() (about 292 years) instead of overflowing:
// signed overflow is undefined behaviour, and in practice it wrapped to a
// negative deadline, so sleep(nanoseconds::max()) woke at once instead of
// never. Requires now >= 0, which virtual time always is. A negative delay
// gives a deadline before now, as asyncio's does (not now: see
// EventLoop::call_at for what a past deadline does).
#pragma once

#include <chrono>

namespace detsim::detail {

constexpr std::chrono::nanoseconds deadline_after(std::chrono::nanoseconds now,
                                                  std::chrono::nanoseconds delay) noexcept {
  if (delay > std::chrono::nanoseconds::max() - now) return std::chrono::nanoseconds::max();
  return now + delay;
}

}  // namespace detsim::detail
