#include "detsim/scheduling/registry.hpp"

#include <charconv>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "detsim/scheduling/bounded.hpp"
#include "detsim/scheduling/pct.hpp"
#include "detsim/scheduling/pos.hpp"
#include "detsim/scheduling/swarm.hpp"

namespace detsim {

namespace {

bool is_name_char(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }
bool is_parameter_char(char c) noexcept { return is_name_char(c) || c == ',' || c == '=' || c == ':'; }

struct Entry {
  std::string summary;
  SchedulerFactory factory;
};

std::unique_ptr<Scheduler> make_fifo(std::string_view parameters, std::uint64_t) {
  expect_no_scheduler_parameters(parameters);
  return std::make_unique<FifoScheduler>();
}

std::unique_ptr<Scheduler> make_random(std::string_view parameters, std::uint64_t seed) {
  expect_no_scheduler_parameters(parameters);
  return std::make_unique<RandomScheduler>(seed);
}

// "pct:<d>" or "pct:<d>,k=<k>".
std::unique_ptr<Scheduler> make_pct(std::string_view parameters, std::uint64_t seed) {
  const std::size_t comma = parameters.find(',');
  const auto depth = scheduler_parameter_number(parameters.substr(0, comma), "depth d", 1, 64);
  std::uint64_t steps = PctScheduler::default_steps;
  if (comma != std::string_view::npos) {
    const std::string_view rest = parameters.substr(comma + 1);
    if (!rest.starts_with("k=")) throw std::invalid_argument("expected 'k=<steps>' after the depth, not '" + std::string(rest) + "'");
    steps = scheduler_parameter_number(rest.substr(2), "step estimate k", 1, std::uint64_t{1} << 32);
  }
  return std::make_unique<PctScheduler>(static_cast<std::uint32_t>(depth), steps, seed);
}

std::unique_ptr<Scheduler> make_pos(std::string_view parameters, std::uint64_t seed) {
  expect_no_scheduler_parameters(parameters);
  return std::make_unique<PosScheduler>(seed);
}

std::unique_ptr<Scheduler> make_swarm(std::string_view parameters, std::uint64_t seed) {
  expect_no_scheduler_parameters(parameters);
  return std::make_unique<SwarmScheduler>(seed);
}

std::uint32_t bound_parameter(std::string_view parameters) {
  return static_cast<std::uint32_t>(scheduler_parameter_number(parameters, "bound", 0, 1000));
}
std::unique_ptr<Scheduler> make_dfs(std::string_view parameters, std::uint64_t seed) {
  return std::make_unique<BoundedScheduler>(BoundKind::preemptions, bound_parameter(parameters), seed);
}
std::unique_ptr<Scheduler> make_dfs_delay(std::string_view parameters, std::uint64_t seed) {
  return std::make_unique<BoundedScheduler>(BoundKind::delays, bound_parameter(parameters), seed);
}

// "dfs-path:<i>-<i>-...".
std::unique_ptr<Scheduler> make_dfs_path(std::string_view parameters, std::uint64_t seed) {
  std::vector<std::uint32_t> indices;
  for (std::size_t start = 0;;) {
    const std::size_t dash = parameters.find('-', start);
    indices.push_back(static_cast<std::uint32_t>(
        scheduler_parameter_number(parameters.substr(start, dash - start), "ready-queue index", 0, UINT32_MAX)));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  return std::make_unique<PathScheduler>(std::move(indices), seed);
}

// The library's schedulers: one row each (see registry.hpp for why a table
// and not self-registering objects).
struct Builtin {
  const char* name;
  const char* summary;
  std::unique_ptr<Scheduler> (*factory)(std::string_view parameters, std::uint64_t seed);
};
constexpr Builtin builtin_schedulers[] = {
    {"fifo", "asyncio's order: always the oldest ready callback", &make_fifo},
    {"random", "uniform among the ready callbacks, drawn from the seed", &make_random},
    {"pct", "PCT: random task priorities, d-1 change points over k decisions (pct:<d>[,k=<k>])", &make_pct},
    {"pos", "partial order sampling: random event priorities, re-drawn for racing events", &make_pos},
    {"swarm", "per seed, a seeded draw of strategy and parameters (random, pct, pos)", &make_swarm},
    {"dfs", "the seed-th schedule with at most <bound> preemptions (dfs:<bound>)", &make_dfs},
    {"dfs-delay", "the seed-th schedule with at most <bound> delays (dfs-delay:<bound>)", &make_dfs_delay},
    {"dfs-path", "replays ready-queue indices, then 0s (how explore() names its runs)", &make_dfs_path},
};

// Entries are never removed, and std::map nodes never move: an entry found
// under the lock can be used after it is released.
class Registry {
 public:
  Registry() {
    for (const Builtin& builtin : builtin_schedulers) add(builtin.name, builtin.summary, builtin.factory);
  }

  void add(std::string_view name, std::string_view summary, SchedulerFactory factory) {
    if (name.empty()) throw SchedulerSpecError(name, "cannot register a scheduler without a name");
    for (char c : name) {
      if (!is_name_char(c)) {
        throw SchedulerSpecError(name, "cannot register this name: a scheduler's name is made of a-z, 0-9, '_' and '-'");
      }
    }
    if (!factory) throw SchedulerSpecError(name, "cannot register a scheduler without a factory");
    const std::lock_guard lock(mutex_);
    const auto [entry, added] = entries_.try_emplace(std::string(name), Entry{std::string(summary), std::move(factory)});
    (void)entry;
    if (!added) throw SchedulerSpecError(name, "a scheduler of this name is already registered");
  }

  const Entry* find(std::string_view name) const {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(name);
    return found == entries_.end() ? nullptr : &found->second;
  }

  std::vector<SchedulerInfo> list() const {
    const std::lock_guard lock(mutex_);
    std::vector<SchedulerInfo> infos;
    infos.reserve(entries_.size());
    for (const auto& [name, entry] : entries_) infos.push_back({name, entry.summary});  // sorted: a std::map
    return infos;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

Registry& registry() {
  static Registry instance;  // built on first use, so registrations at static initialization find it
  return instance;
}

std::string known_names() {
  std::string text;
  for (const std::string& name : scheduler_names()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

SchedulerSpecError::SchedulerSpecError(std::string_view spec, std::string_view problem)
    : Error("detsim.scheduler_spec", "scheduler spec '" + std::string(spec) + "': " + std::string(problem)),
      spec_(spec) {}

namespace {

// A spec checked and its factory looked up: what making a scheduler from it
// needs, seed aside.
struct ParsedSpec {
  const Entry* entry = nullptr;
  std::string_view name;
  std::string_view parameters;
};

ParsedSpec parse_spec(std::string_view spec) {
  if (spec.empty()) throw SchedulerSpecError(spec, "empty; known schedulers: " + known_names());
  const std::size_t colon = spec.find(':');
  ParsedSpec parsed;
  parsed.name = spec.substr(0, colon);
  parsed.parameters = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  parsed.entry = registry().find(parsed.name);
  if (parsed.entry == nullptr) {
    throw SchedulerSpecError(spec, "unknown scheduler '" + std::string(parsed.name) +
                                       "'; known schedulers: " + known_names());
  }
  if (colon != std::string_view::npos && parsed.parameters.empty()) {
    throw SchedulerSpecError(spec, "nothing after ':' (for no parameters, write '" + std::string(parsed.name) + "')");
  }
  for (char c : parsed.parameters) {
    if (!is_parameter_char(c)) {
      throw SchedulerSpecError(spec, "bad character '" + std::string(1, c) +
                                         "' in the parameters: they are made of a-z, 0-9 and _ - , = :");
    }
  }
  return parsed;
}

// Calls the factory of a parsed spec, reporting its errors against the spec.
std::unique_ptr<Scheduler> make_parsed(std::string_view spec, const ParsedSpec& parsed, std::uint64_t seed) {
  std::unique_ptr<Scheduler> scheduler;
  try {
    scheduler = parsed.entry->factory(parsed.parameters, seed);
  } catch (const SchedulerSpecError&) {
    throw;
  } catch (const std::invalid_argument& error) {
    throw SchedulerSpecError(spec, "bad parameters '" + std::string(parsed.parameters) + "' for '" +
                                       std::string(parsed.name) + "': " + error.what());
  }
  if (!scheduler) {
    throw SchedulerSpecError(spec, "the factory of '" + std::string(parsed.name) + "' made no scheduler");
  }
  return scheduler;
}

}  // namespace

std::unique_ptr<Scheduler> make_scheduler(std::string_view spec, std::uint64_t seed) {
  return make_parsed(spec, parse_spec(spec), seed);
}

ResolvedScheduler resolve_scheduler(std::string_view spec) {
  // The entry stays valid: entries are never removed, and map nodes never
  // move. The name and parameters are views of the function's own copy of
  // the spec (a name, then ':' and the parameters if there are any).
  const ParsedSpec parsed = parse_spec(spec);
  auto owned = std::make_shared<const std::string>(spec);
  const std::string_view text = *owned;
  const ParsedSpec in_owned{
      parsed.entry, text.substr(0, parsed.name.size()),
      parsed.parameters.empty() ? std::string_view{} : text.substr(parsed.name.size() + 1)};
  return [owned = std::move(owned), in_owned](std::uint64_t seed) { return make_parsed(*owned, in_owned, seed); };
}

std::string concrete_scheduler_spec(std::string_view spec, std::uint64_t seed) {
  return make_scheduler(spec, seed)->name();
}

void register_scheduler(std::string_view name, std::string_view summary, SchedulerFactory factory) {
  registry().add(name, summary, std::move(factory));
}

std::vector<SchedulerInfo> registered_schedulers() { return registry().list(); }

std::vector<std::string> scheduler_names() {
  std::vector<std::string> names;
  for (SchedulerInfo& info : registered_schedulers()) names.push_back(std::move(info.name));
  return names;
}

void expect_no_scheduler_parameters(std::string_view parameters) {
  if (!parameters.empty()) throw std::invalid_argument("it takes no parameters");
}

std::uint64_t scheduler_parameter_number(std::string_view text, std::string_view meaning, std::uint64_t minimum,
                                         std::uint64_t maximum) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
    throw std::invalid_argument("the " + std::string(meaning) + " must be a whole decimal number, not '" +
                                std::string(text) + "'");
  }
  if (value < minimum || value > maximum) {
    throw std::invalid_argument("the " + std::string(meaning) + " must be in [" + std::to_string(minimum) + ", " +
                                std::to_string(maximum) + "], not " + std::string(text));
  }
  return value;
}

}  // namespace detsim
