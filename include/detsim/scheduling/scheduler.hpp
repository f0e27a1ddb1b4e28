// detsim::Scheduler: the one place where a run's order is decided.
//
// Each time the event loop runs a ready callback it asks its scheduler which
// one: pick(ready_count) returns an index into the ready queue. Because a task
// step, a timer callback and a wake-up are all ready callbacks, this single
// decision also orders timers due at the same instant and tasks woken by the
// same event. Nothing else in the loop is left to chance.
//
// The ready queue's order, which indices refer to:
//   - callbacks join at the back (call_soon order; due timers join in
//     (deadline, scheduling order) order at the start of each loop iteration);
//   - taking index 0 removes the front, so always picking 0 is asyncio's FIFO;
//   - taking index i > 0 moves the back entry into slot i (O(1) removal).
//
// Invariants:
//   - pick() is only called with ready_count >= 2: a lone candidate is no
//     decision, so it consumes no randomness and no recorded choice;
//   - pick() must return an index < ready_count;
//   - peek() is a const, non-throwing guess: it never changes what pick()
//     answers.
//
// Determinism contract: a scheduler's answers are a pure function of its
// construction parameters and the sequence of ready_count values it was asked
// about. Same parameters, same program => same run.
//
// Example:
//   detsim::EventLoop fifo;                                   // asyncio's order
//   detsim::EventLoop random{detsim::RandomScheduler{42}};    // seed 42
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "detsim/base/random.hpp"

namespace detsim {

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // The index, in [0, ready_count), of the ready callback to run next.
  virtual std::size_t pick(std::size_t ready_count) = 0;
  // What the (ahead + 1)-th pick from now would return if every pick until
  // then were asked with ready_count (>= 2, as for pick); npos where the
  // scheduler cannot tell cheaply. Consumes nothing: pick() answers as if
  // peek were never called, and it cannot fail (a guess has no errors).
  // The loop uses it only to start loading the callbacks it will probably
  // run soon (with many callbacks ready they are cold in cache), never to
  // decide: a wrong guess costs a wasted prefetch and nothing else.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  virtual std::size_t peek(std::size_t ready_count, std::size_t ahead) const noexcept {
    (void)ready_count;
    (void)ahead;
    return npos;
  }

  // A short name for traces and reports, e.g. "fifo", "random".
  virtual std::string name() const = 0;

  // The seed of this schedule, or 0 where the scheduler uses none. The loop
  // derives its user-facing Random (EventLoop::random) from it.
  virtual std::uint64_t seed() const { return 0; }

  // A fresh scheduler with the same parameters, at its start: used to run a
  // program twice under the same decisions (the determinism check).
  virtual std::unique_ptr<Scheduler> clone_fresh() const = 0;
};

// asyncio's order: always the oldest ready callback.
class FifoScheduler final : public Scheduler {
 public:
  std::size_t pick(std::size_t) override { return 0; }
  std::string name() const override { return "fifo"; }
  std::unique_ptr<Scheduler> clone_fresh() const override;
};

// Uniform among the ready callbacks, drawn from Random{seed}: the i-th pick
// among n is the i-th Random::below(n) of that generator.
class RandomScheduler final : public Scheduler {
 public:
  explicit RandomScheduler(std::uint64_t seed) : seed_(seed), random_(seed) {
    for (std::uint64_t& raw : upcoming_) raw = random_.next();
  }
  std::size_t pick(std::size_t ready_count) override {
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

 private:
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
  std::size_t pick(std::size_t ready_count) override {
    if (position_ >= choices_.size()) return 0;
    return choices_[position_++] % ready_count;
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
