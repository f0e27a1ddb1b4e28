#include "detsim/core/handle.hpp"

#include "core/handle_pool.hpp"
#include "core/loop_core.hpp"
#include "detsim/base/detail/assert.hpp"

namespace detsim {

namespace {

// A handle names its record's callback while their generations match (the
// record's grows each time it is freed, so a stale handle is harmless).
// Matching a free record or another id, it would act on a callback it does
// not name: its fields were overwritten, or the generation wrapped around.
// (Not `generation <= record.generation`: after 2^32 reuses of a record
// that is false of an honest stale handle.)
void assert_names_its_record(const detail::HandleRecord& record, std::uint32_t generation, std::uint64_t id) noexcept {
  if (record.generation != generation) return;
  DETSIM_ASSERT(record.state != detail::HandleRecord::State::free);
  DETSIM_ASSERT_EQ(record.id, id);
}

}  // namespace

void Handle::cancel() {
  cancelled_ = true;
  if (record_) assert_names_its_record(*record_, generation_, id_);
  if (loop_ && record_) loop_->cancel(*record_, generation_);
}

bool Handle::pending() const noexcept {
  if (record_) assert_names_its_record(*record_, generation_, id_);
  return loop_ && record_ && loop_->is_pending(*record_, generation_);
}

bool Handle::cancelled() const noexcept {
  if (record_) assert_names_its_record(*record_, generation_, id_);
  return cancelled_ || (record_ && record_->generation == generation_ && record_->cancelled);
}

}  // namespace detsim
