#include "detsim/asyncio/lock_order.hpp"

#include <deque>
#include <exception>
#include <memory>
#include <set>
#include <string>

#include "detsim/base/errors.hpp"
#include "detsim/base/options.hpp"
#include "detsim/core/detail/task_core.hpp"

namespace detsim::asyncio {

namespace {

std::string site_text(SourceLocation site) {
  return std::string(site.file_name()) + ":" + std::to_string(site.line());
}

std::string task_text(const LockOrderEdge& edge) {
  if (edge.task_id == 0) return "code outside any task";
  return "'" + edge.task_name + "' (task " + std::to_string(edge.task_id) + ")";
}

std::string edge_text(const LockOrderEdge& edge) {
  return task_text(edge) + " acquired " + edge.acquired_name + " at " + site_text(edge.acquired_site) +
         " while holding " + edge.held_name + " (acquired at " + site_text(edge.held_site) + ")";
}

}  // namespace

std::string LockOrderInversion::describe() const {
  std::string text = "lock-order inversion: " + edge_text(closing) + ", but earlier ";
  for (std::size_t i = 0; i < established.size(); ++i) {
    if (i != 0) text += "; then ";
    text += edge_text(established[i]);
  }
  return text + ": a schedule exists where these tasks deadlock";
}

LockOrderGraph& LockOrderGraph::of(EventLoop& loop) {
  static const std::size_t slot = detail::new_loop_extension_slot();
  if (auto* graph = static_cast<LockOrderGraph*>(detail::loop_extension(loop, slot))) return *graph;
  return static_cast<LockOrderGraph&>(
      *detail::set_loop_extension(loop, slot, std::make_unique<LockOrderGraph>(loop)));
}

LockOrderGraph::LockOrderGraph(EventLoop& loop)
    : loop_(loop), halts_(current_lock_order().value_or(true)) {}

bool LockOrderGraph::acquired(std::uint64_t lock_id, std::string_view name, SourceLocation site) {
  const detail::TaskCore* task = detail::current_task();
  const std::uint64_t task_id = task ? task->task_id() : 0;
  std::vector<Held>& held = held_by_task_[task_id];
  bool found = false;
  for (const Held& before : held) {
    if (before.lock_id == lock_id) continue;  // taken again: no order between a lock and itself
    const auto key = std::make_pair(before.lock_id, lock_id);
    if (edges_.count(key) != 0) continue;  // this order is known (and was checked when first seen)
    LockOrderEdge edge{before.lock_id, before.name, before.site, lock_id, std::string(name), site, task_id,
                       task ? task->name() : std::string()};
    std::vector<LockOrderEdge> inverted = path(lock_id, before.lock_id);
    edges_.emplace(key, edge);
    if (inverted.empty()) continue;
    found = true;
    inversions_.push_back(LockOrderInversion{std::move(edge), std::move(inverted)});
    if (halts_) {
      loop_.halt(std::make_exception_ptr(
          PotentialDeadlockError("detsim.potential_deadlock", inversions_.back().describe())));
    }
  }
  held.push_back(Held{lock_id, std::string(name), site});
  return found;
}

void LockOrderGraph::released(std::uint64_t lock_id) noexcept {
  for (auto it = held_by_task_.begin(); it != held_by_task_.end(); ++it) {
    std::vector<Held>& held = it->second;
    for (auto lock = held.begin(); lock != held.end(); ++lock) {
      if (lock->lock_id != lock_id) continue;
      held.erase(lock);
      if (held.empty()) held_by_task_.erase(it);
      return;
    }
  }
}

std::vector<LockOrderEdge> LockOrderGraph::path(std::uint64_t from, std::uint64_t to) const {
  // Breadth first over the edges in (held, acquired) order; `reached_by`
  // keeps the edge that first reached each lock.
  std::map<std::uint64_t, const LockOrderEdge*> reached_by;
  std::deque<std::uint64_t> frontier{from};
  std::set<std::uint64_t> seen{from};
  while (!frontier.empty()) {
    const std::uint64_t lock = frontier.front();
    frontier.pop_front();
    for (auto it = edges_.lower_bound({lock, 0}); it != edges_.end() && it->first.first == lock; ++it) {
      const std::uint64_t next = it->first.second;
      if (!seen.insert(next).second) continue;
      reached_by[next] = &it->second;
      if (next == to) {
        std::vector<LockOrderEdge> steps;
        for (std::uint64_t at = to; at != from; at = reached_by[at]->held_lock) steps.push_back(*reached_by[at]);
        return {steps.rbegin(), steps.rend()};
      }
      frontier.push_back(next);
    }
  }
  return {};
}

}  // namespace detsim::asyncio
