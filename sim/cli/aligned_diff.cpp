#include "cli/aligned_diff.hpp"

#include <map>

#include "cli/timeline.hpp"

namespace detsim::cli {
namespace {

bool auto_named(std::string_view name) {
  if (name.size() <= 5 || name.substr(0, 5) != "Task-") return false;
  return name.find_first_not_of("0123456789", 5) == std::string_view::npos;
}

// Identity of every task of a trace (by task id) and its display name.
struct TaskIdentities {
  std::map<std::uint64_t, std::string> key;   // task id -> identity
  std::map<std::string, std::string> name;    // identity -> name in this trace
};

TaskIdentities identify_tasks(const Trace& trace) {
  TaskIdentities tasks;
  std::map<std::string, int> seen;
  for (const TraceEvent& event : trace.events) {
    if (event.kind != EventKind::task_created) continue;
    const std::string name{trace.string_at(event.name)};
    const std::string base = (auto_named(name) ? std::string("(auto-named)") : name) + "@" + site_text(trace, event.site);
    const std::string key = base + "#" + std::to_string(++seen[base]);
    tasks.key[event.task] = key;
    tasks.name[key] = name;
  }
  return tasks;
}

struct Canonical {
  std::string event;  // everything compared
  std::string count;  // the (task, kind, site) it is counted under after the divergence
};

std::vector<Canonical> canonical_events(const Trace& trace, const TaskIdentities& tasks) {
  std::vector<Canonical> events;
  events.reserve(trace.events.size());
  for (const TraceEvent& event : trace.events) {
    auto key = tasks.key.find(event.task);
    const std::string task = event.task == 0 ? "(loop)" : key != tasks.key.end() ? key->second : "(task " + std::to_string(event.task) + ")";
    const std::string task_name = event.name ? std::string(trace.string_at(event.name)) : task;
    std::string kind{to_string(event.kind)};
    std::string detail{trace.string_at(event.detail)};
    const std::string site = site_text(trace, event.site);
    events.push_back({kind + "|" + std::to_string(event.time_ns) + "|" + std::to_string(event.when_ns) + "|" + task +
                          "|" + site + "|" + detail + (event.immediate ? "|immediate" : ""),
                      task + "\t" + kind + "\t" + site});
  }
  return events;
}

}  // namespace

AlignedDiff align_traces(const Trace& first, const Trace& second) {
  const TaskIdentities first_tasks = identify_tasks(first), second_tasks = identify_tasks(second);
  const std::vector<Canonical> a = canonical_events(first, first_tasks), b = canonical_events(second, second_tasks);
  AlignedDiff diff;
  for (const auto& [key, name] : first_tasks.name) {
    auto other = second_tasks.name.find(key);
    if (other != second_tasks.name.end() && other->second != name) diff.renamed.push_back(name + " = " + other->second);
  }
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i].event == b[i].event) ++i;
  if (i == a.size() && i == b.size()) return diff;
  diff.divergence = i;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts;  // sorted: the report's order
  for (std::size_t j = i; j < a.size(); ++j) ++counts[a[j].count].first;
  for (std::size_t j = i; j < b.size(); ++j) ++counts[b[j].count].second;
  auto display = [&](const std::string& key) {
    // The task's names in either trace, for its identity.
    auto in_first = first_tasks.name.find(key), in_second = second_tasks.name.find(key);
    if (in_first == first_tasks.name.end() && in_second == second_tasks.name.end()) return key;
    if (in_first == first_tasks.name.end()) return in_second->second;
    if (in_second == second_tasks.name.end() || in_second->second == in_first->second) return in_first->second;
    return in_first->second + "/" + in_second->second;
  };
  for (const auto& [what, count] : counts) {
    if (count.first == count.second) continue;
    const std::size_t tab = what.find('\t'), tab2 = what.find('\t', tab + 1);
    diff.differing_counts.push_back(display(what.substr(0, tab)) + "  " + what.substr(tab + 1, tab2 - tab - 1) + "  " +
                                    (tab2 + 1 < what.size() ? what.substr(tab2 + 1) : std::string("(no site)")) + ": A " + std::to_string(count.first) + ", B " +
                                    std::to_string(count.second));
  }
  return diff;
}

}  // namespace detsim::cli
