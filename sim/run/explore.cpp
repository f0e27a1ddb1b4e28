#include "detsim/run/explore.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "detsim/base/access.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/scheduling/actor.hpp"

namespace detsim {

namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

// A step taken from a decision node, with what it declared (its footprint).
struct Transition {
  std::uint64_t actor = 0;
  bool callback = false;  // a plain callback: depends on everything
  std::vector<Access> accesses;
};

bool independent(const Transition& a, const Transition& b) {
  if (a.actor == b.actor || a.callback || b.callback) return false;
  if (a.accesses.empty() || b.accesses.empty()) return false;  // undeclared: depends on everything
  for (const Access& x : a.accesses) {
    for (const Access& y : b.accesses) {
      if (conflict(x, y)) return false;
    }
  }
  return true;
}

bool holds_actor(const std::vector<Transition>& set, std::uint64_t actor) {
  return std::any_of(set.begin(), set.end(), [actor](const Transition& t) { return t.actor == actor; });
}

// One decision on the current path.
struct Node {
  std::vector<std::uint64_t> actors;  // by ready-queue index
  BoundOrder order;
  std::uint32_t cost_before = 0;
  std::uint32_t rank = 0;  // taken now
  std::vector<bool> tried;  // by rank
  std::vector<Transition> sleep;
  std::vector<Transition> done;
  Transition current;
};

struct StepRecord {
  Transition transition;
  std::size_t decision = none;  // the decision that chose it, none for a lone candidate
  std::size_t first_access = 0;
  bool open = true;  // its accesses are still being declared
};

// What one run shares between its scheduler and its observer.
struct RunLog {
  std::vector<Node>* path = nullptr;  // replayed for its first path->size() decisions
  std::uint64_t seed = 0;             // of the program's own draws (loop.random())
  BoundKind kind = BoundKind::preemptions;
  std::uint32_t bound = 0;
  bool reduction = true;
  std::vector<Node> fresh;            // nodes past the path, made in this run
  std::vector<std::size_t> first_step;  // per decision: index in steps of the step it chose
  std::vector<StepRecord> steps;
  std::vector<std::uint32_t> indices;   // ready-queue index taken at each decision
  std::uint64_t last_actor = 0;
  std::size_t pending_decision = none;
  std::uint32_t cost = 0;
  bool pruned = false;
  std::size_t pruned_from = none;  // decisions from this index on lie under the redundant point
  std::string divergence;  // set if a replayed decision saw other candidates

  Node& node(std::size_t decision) {
    return decision < path->size() ? (*path)[decision] : fresh[decision - path->size()];
  }
  // Whether `actor` sleeps at this point of the run: it sleeps at the last
  // decision (or was explored from it) and only steps independent of it ran
  // since. A lone candidate that sleeps makes the rest of the run redundant.
  bool asleep(std::uint64_t actor) const {
    if (first_step.empty()) return false;
    const std::size_t decision = first_step.size() - 1;
    const Node& last = decision < path->size() ? (*path)[decision] : fresh[decision - path->size()];
    if (actor == last.current.actor) return false;
    auto awake = [&](const Transition& t) {
      if (t.actor != actor) return true;
      for (std::size_t s = first_step[decision]; s < steps.size(); ++s) {
        if (!independent(t, steps[s].transition)) return true;
      }
      return false;
    };
    for (const Transition& t : last.sleep) if (!awake(t)) return true;
    for (const Transition& t : last.done) if (!awake(t)) return true;
    return false;
  }
  void prune(std::size_t from) {
    if (pruned) return;
    pruned = true;
    pruned_from = from;
  }
  void close_open_step() {
    if (steps.empty() || !steps.back().open) return;
    StepRecord& step = steps.back();
    step.open = false;
    if (const AccessLog* log = open_access_log()) {
      step.transition.accesses.assign(log->accesses.begin() + static_cast<std::ptrdiff_t>(step.first_access),
                                      log->accesses.end());
    }
  }
};

class StepWatcher final : public LoopObserver {
 public:
  explicit StepWatcher(RunLog& log) : log_(log) {}
  void on_event(const Event& event) override {
    if (event.kind == EventKind::loop_close) log_.close_open_step();
    if (event.kind != EventKind::step && event.kind != EventKind::callback) return;
    log_.close_open_step();
    StepRecord step;
    step.transition.callback = event.kind == EventKind::callback;
    step.transition.actor = event.task != 0 ? event.task : callback_actor_bit | event.seq;
    step.decision = std::exchange(log_.pending_decision, none);
    if (step.decision == none && log_.reduction && event.task != 0 && log_.asleep(event.task)) {
      log_.prune(log_.first_step.size());
    }
    const AccessLog* accesses = open_access_log();
    step.first_access = accesses ? accesses->accesses.size() : 0;
    log_.last_actor = event.task;
    log_.steps.push_back(std::move(step));
  }

 private:
  RunLog& log_;
};

class ExploreScheduler final : public Scheduler {
 public:
  explicit ExploreScheduler(RunLog& log) : log_(log) {}
  using Scheduler::pick;
  bool reads_candidates() const noexcept override { return true; }
  std::string name() const override { return "explore"; }
  std::uint64_t seed() const override { return log_.seed; }
  std::unique_ptr<Scheduler> clone_fresh() const override { return std::make_unique<ExploreScheduler>(log_); }

  std::size_t pick(ReadyCandidates ready) override {
    log_.close_open_step();
    const std::size_t decision = log_.first_step.size();
    std::vector<std::uint64_t> actors;
    for (std::size_t i = 0; i < ready.size(); ++i) actors.push_back(actor_of(ready.candidate(i)));
    BoundOrder order = bound_order(ready, log_.last_actor);
    std::uint32_t rank = 0;
    if (decision < log_.path->size()) {
      const Node& node = (*log_.path)[decision];
      if (node.actors != actors && log_.divergence.empty()) {
        log_.divergence = "decision " + std::to_string(decision) + " saw other candidates than when it was recorded";
      }
      rank = std::min<std::uint32_t>(node.rank, static_cast<std::uint32_t>(actors.size() - 1));
    } else {
      rank = choose_fresh(decision, std::move(actors), std::move(order));
      order = log_.fresh.back().order;
    }
    log_.cost += bound_cost(log_.kind, rank, order.previous_ready);
    const std::uint32_t index = order.order[rank];
    log_.first_step.push_back(log_.steps.size());
    log_.pending_decision = decision;
    log_.indices.push_back(index);
    return index;
  }

 private:
  // A decision past the path: its sleep set from the node before, then the
  // first rank within the bound whose actor is awake.
  std::uint32_t choose_fresh(std::size_t decision, std::vector<std::uint64_t> actors, BoundOrder order) {
    Node node;
    node.actors = std::move(actors);
    node.order = std::move(order);
    node.cost_before = log_.cost;
    if (decision > 0 && log_.reduction) {
      const Node& previous = log_.node(decision - 1);
      const std::size_t segment = log_.first_step[decision - 1];
      auto keep = [&](const Transition& t) {
        if (t.actor == previous.current.actor) return false;
        for (std::size_t s = segment; s < log_.steps.size(); ++s) {
          if (!independent(t, log_.steps[s].transition)) return false;
        }
        return true;
      };
      for (const Transition& t : previous.sleep) if (keep(t)) node.sleep.push_back(t);
      for (const Transition& t : previous.done) if (keep(t) && !holds_actor(node.sleep, t.actor)) node.sleep.push_back(t);
    }
    const std::uint32_t ranks = ranks_within(log_.kind, node.order, log_.bound - node.cost_before);
    node.tried.assign(node.order.order.size(), false);
    std::uint32_t rank = 0;
    while (rank < ranks && holds_actor(node.sleep, node.actors[node.order.order[rank]])) ++rank;
    if (rank == ranks) {
      // Every candidate within the bound sleeps: what follows is equivalent
      // to a schedule explored already. Finish the run the default way.
      log_.prune(decision);
      rank = 0;
    }
    node.rank = rank;
    node.tried[rank] = true;
    node.current.actor = node.actors[node.order.order[rank]];
    log_.fresh.push_back(std::move(node));
    return rank;
  }

  RunLog& log_;
};

// After a run: the footprints of the transitions taken, the fresh nodes
// joined to the path.
void absorb_run(std::vector<Node>& path, RunLog& log) {
  auto footprint = [&](std::size_t decision) -> Transition {
    const std::size_t step = log.first_step[decision];
    return step < log.steps.size() ? log.steps[step].transition : Transition{};
  };
  if (!path.empty() && path.size() <= log.first_step.size()) path.back().current = footprint(path.size() - 1);
  const std::size_t first_fresh = path.size();
  for (std::size_t i = 0; i < log.fresh.size(); ++i) {
    if (first_fresh + i >= log.pruned_from) break;  // nothing under a redundant point is explored
    path.push_back(std::move(log.fresh[i]));
    path.back().current = footprint(first_fresh + i);
  }
}

// Moves the path to its next unexplored branch; false when none is left.
bool backtrack(std::vector<Node>& path, const ExploreOptions& options, std::uint32_t bound) {
  while (!path.empty()) {
    Node& top = path.back();
    top.done.push_back(top.current);
    const std::uint32_t ranks = ranks_within(options.bound_kind, top.order, bound - top.cost_before);
    for (std::uint32_t rank = 0; rank < ranks; ++rank) {
      const std::uint64_t actor = top.actors[top.order.order[rank]];
      if (top.tried[rank] || (options.reduction && holds_actor(top.sleep, actor))) continue;
      if (options.reduction && holds_actor(top.done, actor)) continue;
      top.rank = rank;
      top.tried[rank] = true;
      top.current = Transition{.actor = actor};
      return true;
    }
    path.pop_back();
  }
  return false;
}

std::string path_spec(const std::vector<std::uint32_t>& indices) {
  return PathScheduler(indices).name();
}

}  // namespace

ExploreResult explore(const Program& program, ExploreOptions options) {
  ExploreResult result;
  SimulationOptions base = options.simulation;
  base.name = options.name;
  base.read_environment = false;  // explore picks every schedule itself
  base.keep_trace = false;
  base.check_determinism = false;
  const std::uint32_t first_bound = options.iterative ? 0 : options.bound;
  for (std::uint32_t bound = first_bound; bound <= options.bound; ++bound) {
    std::vector<Node> path;
    bool more = true;
    while (more) {
      RunLog log;
      log.path = &path;
      log.seed = base.seed;
      log.kind = options.bound_kind;
      log.bound = bound;
      log.reduction = options.reduction;
      StepWatcher watcher{log};
      SimulationOptions one = base;
      one.scheduler_factory = [&log](std::uint64_t) { return std::make_unique<ExploreScheduler>(log); };
      one.prepare_loop = [&watcher](EventLoop& loop) { loop.add_observer(watcher); };
      SimulationResult run = run_simulation(program, std::move(one));
      ++result.runs;
      if (!log.divergence.empty()) {
        // The prefix replayed differently: the program is not a function of
        // its schedule, and no enumeration of schedules means anything.
        throw Error("detsim.explore.nondeterministic",
                    "explore '" + options.name + "': run " + std::to_string(result.runs) + ": " + log.divergence +
                        " (the program is nondeterministic: check it with DETSIM_CHECK_DETERMINISM=1)");
      }
      const bool counted = !log.pruned && (!options.iterative || log.cost == bound);
      if (log.pruned) ++result.pruned;
      if (counted) {
        ++result.schedules;
        result.coverage.add(run);
      }
      if (!run.ok() && !result.failure) {
        result.schedules_to_failure = result.schedules + (counted ? 0 : 1);
        SimulationOptions again = base;
        again.seed = base.seed;
        again.scheduler = path_spec(log.indices);
        again.keep_trace = true;
        result.failure = run_simulation(program, std::move(again));
        if (options.stop_at_first_failure) return result;
      }
      absorb_run(path, log);
      more = backtrack(path, options, bound);
      if (result.schedules >= options.max_schedules && more) return result;
    }
  }
  result.exhausted = true;
  return result;
}

}  // namespace detsim
