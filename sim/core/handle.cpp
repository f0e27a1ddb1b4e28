#include "detsim/core/handle.hpp"

#include "core/loop_core.hpp"

namespace detsim {

void Handle::cancel() {
  cancelled_ = true;
  if (loop_ && record_) loop_->cancel(*record_, generation_);
}

bool Handle::pending() const noexcept { return loop_ && record_ && loop_->is_pending(*record_, generation_); }

bool Handle::cancelled() const noexcept {
  return cancelled_ || (record_ && record_->generation == generation_ && record_->cancelled);
}

}  // namespace detsim
