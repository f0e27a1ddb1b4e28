// detsim::Scheduler: the one place where a run's order is decided.
//
// Each time the event loop runs a ready callback it asks its scheduler which
// one: pick(ready) returns an index into the ready queue, given a view of the
// candidates (ReadyCandidates). Because a task step, a timer callback and a
// wake-up are all ready callbacks, this single decision also orders timers
// due at the same instant and tasks woken by the same event. Nothing else in
// the loop is left to chance.
//
// The ready queue's order, which indices refer to:
//   - callbacks join at the back (call_soon order; due timers join in
//     (deadline, scheduling order) order at the start of each loop iteration);
//   - taking index 0 removes the front, so always picking 0 is asyncio's FIFO;
//   - taking index i > 0 moves the back entry into slot i (O(1) removal).
//
// What a scheduler may see of the candidates (ReadyCandidates):
//   - size(): how many are ready, always;
//   - candidate(i): the i-th one's task id, kind (a task's step, a call_soon
//     callback, a due timer's callback) and site, for a scheduler whose
//     reads_candidates() is true. The loop computes nothing of this unless
//     candidate() is called: the view is a count and a pointer.
//
// Invariants:
//   - pick() is only called with ready.size() >= 2: a lone candidate is no
//     decision, so it consumes no randomness and no recorded choice;
//   - pick() must return an index < ready.size();
//   - a view is valid only during the pick() it was passed to;
//   - peek() is a const, non-throwing guess: it never changes what pick()
//     answers.
//
// Determinism contract: a scheduler's answers are a pure function of its
// construction parameters and the sequence of views it was asked about: their
// sizes and, for a scheduler that reads candidates, the candidates it read.
// Same parameters, same program => same run. What a view describes is the same
// whether or not the loop is observed (traced), so recording a run never
// changes it. A scheduler that decides by sites should use file_name() and
// line(): function_name() is spelled differently by different compilers
// (source_location.hpp), so decisions by it would not carry over.
//
// Example:
//   detsim::EventLoop fifo;                                   // asyncio's order
//   detsim::EventLoop random{detsim::RandomScheduler{42}};    // seed 42
//
//   // A scheduler that runs task steps before plain callbacks:
//   class StepsFirst final : public detsim::Scheduler {
//    public:
//     using Scheduler::pick;
//     bool reads_candidates() const noexcept override { return true; }
//     std::size_t pick(detsim::ReadyCandidates ready) override {
//       for (std::size_t i = 0; i < ready.size(); ++i)
//         if (ready.kind(i) == detsim::CandidateKind::step) return i;
//       return 0;
//     }
//     ...
//   };
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detsim/base/random.hpp"
#include "detsim/base/source_location.hpp"

namespace detsim {

// What kind of ready callback a candidate is. (A future's done callbacks
// never wait in the ready queue: they run when it completes. A task woken by
// one, whatever it awaited, is a step.)
enum class CandidateKind : std::uint8_t {
  step,      // a task's step: its first, or its resumption after an await,
             // a yield or a sleep (a wake-up)
  callback,  // a call_soon callback
  timer,     // a call_at / call_later callback whose deadline has come; the
             // timer of a task's sleep names that task
};
std::string_view to_string(CandidateKind kind) noexcept;

// One ready candidate as a scheduler sees it.
struct Candidate {
  static constexpr std::uint64_t no_task = 0;  // task ids start at 1
  // The task whose step this is, or whose sleep this timer ends (its
  // Task::task_id(), as in traces); no_task for a plain callback.
  std::uint64_t task = no_task;
  CandidateKind kind = CandidateKind::callback;
  // Where it was scheduled, as a trace shows it: the call_soon, call_at or
  // sleep; for a step, the create_task (its first step), or the yield or
  // sleep it resumes from (a wake-up from awaiting a Future names detsim's
  // operator co_await, as in traces). Empty where detsim schedules it itself.
  SourceLocation site{};
};

// The candidates of one pick, in ready-queue order (index i is what pick()
// returning i runs). A cheap, lazy view, passed by value like a string_view
// (two words, in registers): a count, and where the loop describes its
// candidates. Nothing is described until candidate() is asked. Built from a
// count alone (ReadyCandidates{n}), it has a size and nothing to describe.
class ReadyCandidates {
 public:
  // How the loop describes its candidates: describe(context, i) is the
  // candidate at index i of the queue `context` stands for. A plain function,
  // not a virtual: there is no object behind the view, and the loop keeps
  // one Source for its life, so building a view per pick costs nothing.
  struct Source {
    Candidate (*describe)(const void* context, std::size_t index) noexcept;
    const void* context;
  };

  explicit constexpr ReadyCandidates(std::size_t size, const Source* source = nullptr) noexcept
      : size_(size), source_(source) {}

  std::size_t size() const noexcept { return size_; }
  // Whether candidate() can answer: false for a view of a count alone, which
  // is what a scheduler whose reads_candidates() is false is given.
  bool described() const noexcept { return source_ != nullptr; }

  // The candidate at `index` (< size()). Throws detsim::Error
  // ("detsim.scheduler.candidates") if the view is a count alone or `index`
  // is out of range.
  Candidate candidate(std::size_t index) const {
    if (source_ == nullptr || index >= size_) [[unlikely]] throw_not_described(index);
    return source_->describe(source_->context, index);
  }
  std::uint64_t task_id(std::size_t index) const { return candidate(index).task; }
  CandidateKind kind(std::size_t index) const { return candidate(index).kind; }
  SourceLocation site(std::size_t index) const { return candidate(index).site; }

 private:
  [[noreturn]] void throw_not_described(std::size_t index) const;

  std::size_t size_;
  const Source* source_;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // The index, in [0, ready.size()), of the ready callback to run next.
  virtual std::size_t pick(ReadyCandidates ready) = 0;
  // pick() among `ready_count` candidates known by their count alone (for
  // tests and tools that drive a scheduler without a loop; a scheduler that
  // reads candidates cannot answer it). A derived class that overrides
  // pick(ReadyCandidates) brings it in with `using Scheduler::pick;`.
  std::size_t pick(std::size_t ready_count) { return pick(ReadyCandidates{ready_count}); }

  // Whether pick() reads the candidates (ReadyCandidates::candidate), not
  // only their count. Asked once, when a loop is built with the scheduler.
  // true makes the loop keep each ready callback's task and site as it is
  // scheduled, as it does while observed (callgrind: about 50 instructions
  // more per call_soon, 2 per task step, then about 40 per candidate read);
  // false (the default) gives pick() a view of the count alone, at no cost.
  virtual bool reads_candidates() const noexcept { return false; }

  // What the (ahead + 1)-th pick from now would return if every pick until
  // then were asked among ready_count candidates (>= 2, as for pick); npos
  // where the scheduler cannot tell cheaply (one that reads candidates, say).
  // Consumes nothing: pick() answers as if peek were never called, and it
  // cannot fail (a guess has no errors). The loop uses it only to start
  // loading the callbacks it will probably run soon (with many callbacks
  // ready they are cold in cache), never to decide: a wrong guess costs a
  // wasted prefetch and nothing else.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  virtual std::size_t peek(std::size_t ready_count, std::size_t ahead) const noexcept {
    (void)ready_count;
    (void)ahead;
    return npos;
  }

  // A short name for traces and reports, e.g. "fifo", "random". A scheduler
  // made by the registry (registry.hpp) answers the spec that makes it again
  // ("pct:3"), so a trace or a regression entry says how to rebuild it.
  virtual std::string name() const = 0;

  // The seed of this schedule, or 0 where the scheduler uses none. The loop
  // derives its user-facing Random (EventLoop::random) from it.
  virtual std::uint64_t seed() const { return 0; }

  // A fresh scheduler with the same parameters, at its start: used to run a
  // program twice under the same decisions (the determinism check).
  virtual std::unique_ptr<Scheduler> clone_fresh() const = 0;

  // Becomes, in place, what a new scheduler of this kind and parameters made
  // with `seed` would be, and returns true; or returns false, changing
  // nothing, where it cannot (the default). For a loop renewed per seed
  // (EventLoop::renew_reseeded), which then makes no scheduler per seed.
  virtual bool reseed(std::uint64_t seed) {
    (void)seed;
    return false;
  }
};

// asyncio's order: always the oldest ready callback.
class FifoScheduler final : public Scheduler {
 public:
  using Scheduler::pick;
  std::size_t pick(ReadyCandidates) override { return 0; }
  std::string name() const override { return "fifo"; }
  std::unique_ptr<Scheduler> clone_fresh() const override;
};

// Uniform among the ready callbacks, drawn from Random{seed}: the i-th pick
// among n is the i-th Random::below(n) of that generator.
class RandomScheduler final : public Scheduler {
 public:
  explicit RandomScheduler(std::uint64_t seed) : seed_(seed), random_(seed) { draw_upcoming(); }
  using Scheduler::pick;
  std::size_t pick(ReadyCandidates ready) override { return pick_among(ready.size()); }
  // pick() by the count alone, which is all it reads: what the loop calls
  // (RandomScheduler is final, so the call is direct and inlined).
  std::size_t pick_among(std::size_t ready_count) {
    return static_cast<std::size_t>(Random::bounded(ready_count, [this]() noexcept { return take_raw(); }));
  }
  std::size_t peek(std::size_t ready_count, std::size_t ahead) const noexcept override {
    // One raw value per pick (a rejection, which would take two, is too
    // rare to matter to a guess).
    if (ahead >= lookahead) return npos;
    return static_cast<std::size_t>(Random::likely_bounded(upcoming_[(next_ + ahead) % lookahead], ready_count));
  }
  std::string name() const override { return "random"; }
  std::uint64_t seed() const override { return seed_; }
  std::unique_ptr<Scheduler> clone_fresh() const override;
  bool reseed(std::uint64_t seed) override {
    seed_ = seed;
    random_ = Random(seed);
    next_ = 0;
    draw_upcoming();
    return true;
  }

 private:
  void draw_upcoming() noexcept {
    for (std::uint64_t& raw : upcoming_) raw = random_.next();
  }
  // The generator's next raw values, drawn ahead in a ring, so that peek
  // reads one instead of replaying the generator (the loop peeks twice per
  // pick when many callbacks are ready). Picks consume them in the order
  // the generator made them, so the picks are exactly below()'s.
  static constexpr std::size_t lookahead = 8;
  std::uint64_t take_raw() noexcept {
    const std::uint64_t raw = upcoming_[next_];
    upcoming_[next_] = random_.next();
    next_ = (next_ + 1) % lookahead;
    return raw;
  }

  std::uint64_t seed_;
  Random random_;
  std::array<std::uint64_t, lookahead> upcoming_{};
  std::size_t next_ = 0;  // index in upcoming_ of the next raw value
};

// Takes its decisions from a list of choices, for RapidCheck to generate and
// shrink: the i-th decision among n ready callbacks is choices[i] mod n, and
// once the list runs out every decision is 0 (asyncio's FIFO). Shrinking the
// list toward fewer, smaller values therefore drives a failing schedule
// toward FIFO with as few deviations as possible.
class ChoiceScheduler final : public Scheduler {
 public:
  explicit ChoiceScheduler(std::vector<std::uint32_t> choices, std::uint64_t seed = 0)
      : choices_(std::move(choices)), seed_(seed) {}
  using Scheduler::pick;
  std::size_t pick(ReadyCandidates ready) override {
    if (position_ >= choices_.size()) return 0;
    return choices_[position_++] % ready.size();
  }
  std::size_t peek(std::size_t ready_count, std::size_t ahead) const noexcept override {
    const std::size_t position = position_ + ahead;
    return position < choices_.size() ? choices_[position] % ready_count : 0;
  }
  std::string name() const override { return "choices"; }
  std::uint64_t seed() const override { return seed_; }
  std::unique_ptr<Scheduler> clone_fresh() const override;

 private:
  std::vector<std::uint32_t> choices_;
  std::uint64_t seed_;
  std::size_t position_ = 0;
};

}  // namespace detsim
