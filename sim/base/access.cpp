#include "detsim/base/access.hpp"

namespace detsim {

namespace {
constinit thread_local AccessLog* open_log = nullptr;
}  // namespace

AccessScope::AccessScope(AccessLog& log) noexcept : previous_(open_log) { open_log = &log; }
AccessScope::~AccessScope() { open_log = previous_; }

void declare_access(std::string_view resource, AccessMode mode) {
  if (open_log == nullptr) return;
  const std::uint64_t actor = open_log->actor ? open_log->actor() : 0;
  open_log->accesses.push_back(Access{actor, resource_id(resource), mode});
}

const AccessLog* open_access_log() noexcept { return open_log; }

}  // namespace detsim
