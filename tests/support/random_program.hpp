// Random programs for property tests: small task graphs whose tasks yield,
// sleep, await futures and each other, set results, cancel, and raise.
//
// A ProgramSpec is plain data that RapidCheck generates and shrinks; run()
// executes it on a loop and returns a log of what each task observed, so two
// runs can be compared by their logs as well as by their traces. Programs
// never deadlock: every future has a timer that completes it, and a task only
// awaits tasks with a larger index (the graph of awaits is acyclic).
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include <detsim/detsim.hpp>

namespace random_program {

enum class OpKind : std::uint8_t { yield, sleep, await_future, set_future, await_task, cancel_task, raise, add_callback };

struct Op {
  OpKind kind = OpKind::yield;
  std::uint8_t argument = 0;  // ms to sleep, future index, or task index
};

struct TaskSpec {
  std::vector<Op> ops;
};

struct ProgramSpec {
  std::vector<TaskSpec> tasks;                  // at least one
  std::vector<std::uint8_t> future_deadlines;   // ms at which a timer completes each future
};

inline std::ostream& operator<<(std::ostream& out, const ProgramSpec& spec) {
  static const char* names[] = {"yield", "sleep", "await_future", "set_future", "await_task", "cancel_task", "raise",
                                "add_callback"};
  out << "futures due at ms:";
  for (auto deadline : spec.future_deadlines) out << " " << int(deadline);
  for (std::size_t t = 0; t < spec.tasks.size(); ++t) {
    out << "\n  task " << t << ":";
    for (const Op& op : spec.tasks[t].ops) out << " " << names[static_cast<int>(op.kind)] << "(" << int(op.argument) << ")";
  }
  return out;
}

// Done callbacks registered on each future, and the order they ran in.
struct CallbackRecord {
  std::vector<int> registered;
  std::vector<int> fired;
  int ran_immediately_when_done = 0;  // registrations on a done future that ran before returning
  int registered_when_done = 0;
};

struct Shared {
  std::vector<detsim::Future<int>> futures;
  std::vector<detsim::Task<void>> tasks;
  std::vector<CallbackRecord> callbacks;  // one per future
  int next_callback = 0;
  std::string log;
};

inline detsim::Task<void> run_task(Shared& shared, const ProgramSpec& spec, std::size_t index) {
  using namespace std::chrono_literals;
  const auto& ops = spec.tasks[index].ops;
  const std::string me = "t" + std::to_string(index);
  for (const Op& op : ops) {
    const std::size_t future = shared.futures.empty() ? 0 : op.argument % shared.futures.size();
    switch (op.kind) {
      case OpKind::yield: co_await detsim::yield(); break;
      case OpKind::sleep: co_await detsim::sleep(std::chrono::milliseconds(op.argument % 20)); break;
      case OpKind::await_future:
        if (!shared.futures.empty()) {
          const int value = co_await shared.futures[future];
          shared.log += me + " got f" + std::to_string(future) + "=" + std::to_string(value) + "\n";
        }
        break;
      case OpKind::set_future:
        if (!shared.futures.empty() && !shared.futures[future].done()) {
          shared.futures[future].set_result(static_cast<int>(index));
          shared.log += me + " set f" + std::to_string(future) + "\n";
        }
        break;
      case OpKind::await_task: {
        const std::size_t count = shared.tasks.size();
        if (index + 1 >= count) break;
        const std::size_t target = index + 1 + op.argument % (count - index - 1);
        try {
          co_await shared.tasks[target];
          shared.log += me + " joined t" + std::to_string(target) + "\n";
        } catch (const detsim::CancelledError&) {
          shared.log += me + " saw t" + std::to_string(target) + " cancelled\n";
        } catch (const std::runtime_error& error) {
          shared.log += me + " saw t" + std::to_string(target) + " raise " + error.what() + "\n";
        }
        break;
      }
      case OpKind::cancel_task: {
        const std::size_t target = op.argument % shared.tasks.size();
        if (target != index && shared.tasks[target].cancel()) shared.log += me + " cancelled t" + std::to_string(target) + "\n";
        break;
      }
      case OpKind::add_callback:
        if (!shared.futures.empty()) {
          CallbackRecord& record = shared.callbacks[future];
          const int id = shared.next_callback++;
          const bool was_done = shared.futures[future].done();
          const std::size_t fired_before = record.fired.size();
          record.registered.push_back(id);
          shared.futures[future].add_done_callback([&record, id](detsim::Future<int>&) { record.fired.push_back(id); });
          if (was_done) {
            ++record.registered_when_done;
            record.ran_immediately_when_done += record.fired.size() == fired_before + 1;
          }
        }
        break;
      case OpKind::raise:
        shared.log += me + " raises\n";
        throw std::runtime_error(me);
    }
  }
  shared.log += me + " done\n";
}

inline detsim::Task<void> run_main(Shared& shared, const ProgramSpec& spec) {
  auto& loop = detsim::get_running_loop();
  for (std::size_t i = 0; i < spec.tasks.size(); ++i) {
    // (Not "t" + std::to_string(i): g++ 12 warns falsely on that, GCC bug 105329.)
    std::string name = std::to_string(i);
    name.insert(name.begin(), 't');
    shared.tasks.push_back(loop.create_task(run_task(shared, spec, i), std::move(name)));
  }
  for (std::size_t i = 0; i < shared.tasks.size(); ++i) {
    try {
      co_await shared.tasks[i];
    } catch (const std::exception& error) {
      shared.log += "main saw t" + std::to_string(i) + ": " + error.what() + "\n";
    }
  }
}

// The same, keeping what the program recorded in `shared`; then runs the
// loop until idle, so every timer (and every future) completes.
inline std::string run(detsim::EventLoop& loop, const ProgramSpec& spec, Shared& shared) {
  shared.callbacks.resize(spec.future_deadlines.size());
  for (std::size_t i = 0; i < spec.future_deadlines.size(); ++i) {
    shared.futures.push_back(loop.create_future<int>());
    loop.call_later(std::chrono::milliseconds(spec.future_deadlines[i] % 50), [&shared, i] {
      if (!shared.futures[i].done()) shared.futures[i].set_result(-1);
    });
  }
  loop.run_until_complete(run_main(shared, spec));
  loop.run_until_idle();
  shared.tasks.clear();
  return shared.log;
}

// Runs the program to completion on `loop`; returns the log.
inline std::string run(detsim::EventLoop& loop, const ProgramSpec& spec) {
  Shared shared;
  return run(loop, spec, shared);
}

}  // namespace random_program

namespace rc {

template <>
struct Arbitrary<random_program::Op> {
  static Gen<random_program::Op> arbitrary() {
    using random_program::OpKind;
    return gen::build<random_program::Op>(
        gen::set(&random_program::Op::kind,
                 gen::weightedElement<OpKind>({{4, OpKind::yield}, {2, OpKind::sleep}, {2, OpKind::await_future},
                                               {2, OpKind::set_future}, {2, OpKind::await_task},
                                               {1, OpKind::cancel_task}, {1, OpKind::raise},
                                               {2, OpKind::add_callback}})),
        gen::set(&random_program::Op::argument, gen::inRange<std::uint8_t>(0, 40)));
  }
};

template <>
struct Arbitrary<random_program::TaskSpec> {
  static Gen<random_program::TaskSpec> arbitrary() {
    return gen::build<random_program::TaskSpec>(
        gen::set(&random_program::TaskSpec::ops,
                 gen::resize(12, gen::container<std::vector<random_program::Op>>(gen::arbitrary<random_program::Op>()))));
  }
};

template <>
struct Arbitrary<random_program::ProgramSpec> {
  static Gen<random_program::ProgramSpec> arbitrary() {
    return gen::build<random_program::ProgramSpec>(
        gen::set(&random_program::ProgramSpec::tasks,
                 gen::resize(8, gen::nonEmpty(gen::container<std::vector<random_program::TaskSpec>>(
                                    gen::arbitrary<random_program::TaskSpec>())))),
        gen::set(&random_program::ProgramSpec::future_deadlines,
                 gen::resize(6, gen::container<std::vector<std::uint8_t>>(gen::inRange<std::uint8_t>(0, 50)))));
  }
};

}  // namespace rc
