// asyncio_random_parity: runs random programs on detsim's FIFO loop and writes
// what each one logged, for tests/parity/check_random_programs.py.
//
// stdin: a JSON array of programs in the language described at the top of
// tests/parity/random_programs.py. stdout: a JSON array with, per program,
// {"log": [...], "done_callbacks": [...]}. Interpreter here is the twin of
// Interpreter there: the same ops write the same lines, so a difference in
// the logs is a difference between detsim and CPython's asyncio.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <detsim/asyncio.hpp>
#include <detsim/detsim.hpp>

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr int max_runs = 100;  // MAX_RUNS in random_programs.py

namespace aio = detsim::asyncio;
using AnyQueue = std::variant<aio::Queue<int>, aio::LifoQueue<int>, aio::PriorityQueue<int>>;

// What set_exception, raise and throw raise.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string python_bool(bool value) { return value ? "True" : "False"; }

// "f2" is {"f", 2}, "cb10" is {"cb", 10}.
struct Reference {
  std::string kind;
  std::size_t index;
};

Reference parse_reference(const json& name) {
  const auto text = name.get<std::string>();
  const std::size_t digits = text.find_first_of("0123456789");
  return {text.substr(0, digits), std::stoul(text.substr(digits))};
}

bool is_task_reference(const json& value) {
  if (!value.is_string()) return false;
  const auto text = value.get<std::string>();
  return text.size() > 1 && text[0] == 't' && text.find_first_not_of("0123456789", 1) == std::string::npos;
}

// The first `count` parts of an op, as Python's " ".join(str(part) ...).
std::string words(const json& op, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) text += ' ';
    text += op[i].is_string() ? op[i].get<std::string>() : op[i].dump();
  }
  return text;
}

std::string describe(const std::exception_ptr& error) {
  if (!error) return "no exception";
  try {
    std::rethrow_exception(error);
  } catch (const detsim::asyncio::ExceptionGroup& e) {
    std::string inner;
    for (const auto& exception : e.exceptions()) inner += (inner.empty() ? "" : ", ") + describe(exception);
    return "ExceptionGroup(" + inner + ")";
  } catch (const detsim::CancelledError& e) {
    return "CancelledError(" + e.cancel_message() + ")";
  } catch (const detsim::asyncio::TimeoutError&) {
    return "TimeoutError()";
  } catch (const detsim::InvalidStateError& e) {
    return "InvalidStateError(" + std::string(e.message()) + ")";
  } catch (const detsim::RuntimeError& e) {
    return "RuntimeError(" + std::string(e.message()) + ")";
  } catch (const UserError& e) {
    return std::string("UserError(") + e.what() + ")";
  } catch (...) {
    return "unexpected " + detsim::describe(error);
  }
}

bool is_cancellation(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const detsim::CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

// The done callbacks' view of a future.
std::string state(const detsim::Future<int>& future) {
  if (!future.done()) return "pending";
  if (future.cancelled()) return "cancelled";
  if (const auto error = future.exception()) return "exception " + describe(error);
  return "result " + std::to_string(future.result());
}

class Interpreter {
 public:
  explicit Interpreter(const json& program) : program_(program), tasks_(program["tasks"].size(), nullptr) {
    loop_.set_exception_handler([this](const detsim::ExceptionContext& context) {
      note("handler " + context.message + " " + describe(context.exception));
    });
    // asyncio leaves deadlocked tasks blocked and knows no lock order: so
    // does this loop, or its log would end where asyncio's goes on.
    loop_.set_wait_cycle_halts(false);
    detsim::asyncio::LockOrderGraph::of(loop_).set_halts(false);
    for (int k = 0; k < program["futures"].get<int>(); ++k) futures_.push_back(loop_.create_future<int>());
    for (int k = 0; k < program.value("locks", 0); ++k) locks_.emplace_back();
    for (int k = 0; k < program.value("events", 0); ++k) events_.emplace_back();
    for (const json& semaphore : program.value("semaphores", json::array())) {
      if (semaphore[1].get<bool>()) {
        semaphores_.push_back(std::make_unique<aio::BoundedSemaphore>(semaphore[0].get<std::int64_t>()));
      } else {
        semaphores_.push_back(std::make_unique<aio::Semaphore>(semaphore[0].get<std::int64_t>()));
      }
    }
    for (const json& queue : program.value("queues", json::array())) {
      const auto kind = queue[0].get<std::string>();
      const auto maxsize = queue[1].get<std::int64_t>();
      if (kind == "fifo") queues_.emplace_back(std::in_place_index<0>, maxsize);
      if (kind == "lifo") queues_.emplace_back(std::in_place_index<1>, maxsize);
      if (kind == "priority") queues_.emplace_back(std::in_place_index<2>, maxsize);
    }
    for (int k = 0; k < program.value("conditions", 0); ++k) conditions_.emplace_back();
    for (const json& parties : program.value("barriers", json::array())) barriers_.emplace_back(parties.get<std::size_t>());
  }

  json run() {
    for (const json& op : program_["setup"]) run_op(op);
    for (int run = 0; run < max_runs; ++run) {
      try {
        loop_.run_forever();
      } catch (const detsim::DeadlockError&) {
        note("deadlock");
        break;
      }
      note("run returned");
    }
    for (std::size_t k = 0; k < futures_.size(); ++k) {
      log_.push_back("end f" + std::to_string(k) + " " + outcome(&futures_[k]));
    }
    for (std::size_t k = 0; k < tasks_.size(); ++k) {
      log_.push_back("end t" + std::to_string(k) + " " + outcome(tasks_[k]));
    }
    for (const std::string& name : primitive_names()) log_.push_back("end " + name + " " + inspect(name));
    loop_.set_exception_handler([](const detsim::ExceptionContext&) {});
    loop_.close();
    return json{{"log", log_}, {"done_callbacks", done_log_}};
  }

 private:
  using Op = void (Interpreter::*)(const json& op);

  void note(const std::string& text) { log_.push_back(std::to_string(loop_.now() / milliseconds(1)) + " " + text); }

  std::string outcome(detsim::Future<int>* future) {
    if (!future) return "not created";
    if (!future->done()) return "pending";
    try {
      return "result " + std::to_string(future->result());
    } catch (...) {
      return "raised " + describe(std::current_exception());
    }
  }

  // Future fK, or task tK (null if not created).
  detsim::Future<int>* target(const json& name) {
    const Reference reference = parse_reference(name);
    return reference.kind == "f" ? &futures_.at(reference.index) : tasks_.at(reference.index);
  }

  // Task tK, created if it was not.
  detsim::Task<int>& task(const json& name) {
    const std::size_t k = parse_reference(name).index;
    if (!tasks_[k]) {
      detsim::Task<int>& slot = instances_.emplace_back();
      slot = loop_.create_task(body(name.get<std::string>(), program_["tasks"][k], &slot));
      tasks_[k] = &slot;
    }
    return *tasks_[k];
  }

  detsim::Future<int> awaitable(const json& name) {
    const Reference reference = parse_reference(name);
    if (reference.kind == "f") return futures_.at(reference.index);
    if (reference.kind == "t") return task(name);
    // Not scheduled: awaiting it makes it a task of its own, as detsim does
    // with any coroutine a task awaits.
    detsim::Task<int>& slot = instances_.emplace_back();
    slot = body(name.get<std::string>(), program_["coroutines"][reference.index], &slot);
    return slot;
  }

  void run_op(const json& op) {
    static const std::map<std::string, Op> ops = {
        {"log", &Interpreter::op_log},
        {"set_result", &Interpreter::op_set_result},
        {"set_exception", &Interpreter::op_set_exception},
        {"cancel", &Interpreter::op_cancel},
        {"add_done_callback", &Interpreter::op_add_done_callback},
        {"remove_done_callback", &Interpreter::op_remove_done_callback},
        {"result", &Interpreter::op_result},
        {"exception", &Interpreter::op_exception},
        {"state", &Interpreter::op_state},
        {"create_task", &Interpreter::op_create_task},
        {"call_soon", &Interpreter::op_call_soon},
        {"call_later", &Interpreter::op_call_later},
        {"call_at", &Interpreter::op_call_at},
        {"cancel_handle", &Interpreter::op_cancel_handle},
        {"stop", &Interpreter::op_stop},
        {"throw", &Interpreter::op_throw},
        {"release", &Interpreter::op_release},
        {"set_event", &Interpreter::op_set_event},
        {"clear_event", &Interpreter::op_clear_event},
        {"sem_release", &Interpreter::op_sem_release},
        {"put_nowait", &Interpreter::op_put_nowait},
        {"get_nowait", &Interpreter::op_get_nowait},
        {"task_done", &Interpreter::op_task_done},
        {"inspect", &Interpreter::op_inspect},
        {"cond_release", &Interpreter::op_cond_release},
        {"notify", &Interpreter::op_notify},
        {"notify_all", &Interpreter::op_notify_all},
    };
    const auto name = op[0].get<std::string>();
    if (op.size() > 1 && is_task_reference(op[1]) && name != "create_task" && !target(op[1])) {
      note(name + " " + op[1].get<std::string>() + ": not created");
      return;
    }
    (this->*ops.at(name))(op);
  }

  void op_log(const json& op) { note(op[1].get<std::string>()); }

  void op_set_result(const json& op) {
    settle(op, [&](detsim::Future<int>& future) { future.set_result(op[2].get<int>()); });
  }

  void op_set_exception(const json& op) {
    settle(op, [&](detsim::Future<int>& future) {
      future.set_exception(std::make_exception_ptr(UserError(op[2].get<std::string>())));
    });
  }

  template <class F>
  void settle(const json& op, F settle) {
    try {
      settle(*target(op[1]));
      note(words(op, 2) + " ok");
    } catch (const detsim::InvalidStateError&) {
      note(words(op, 2) + " raised InvalidStateError");  // the class only, as in random_programs.py
    } catch (const detsim::RuntimeError&) {
      note(words(op, 2) + " raised " + describe(std::current_exception()));
    }
  }

  void op_cancel(const json& op) {
    const bool cancelled = op[2].is_null() ? target(op[1])->cancel() : target(op[1])->cancel(op[2].get<std::string>());
    note(words(op, 2) + " -> " + python_bool(cancelled));
  }

  void op_add_done_callback(const json& op) {
    note(words(op, 3));
    const std::string line = op[1].get<std::string>() + " " + op[2].get<std::string>();  // "f0 D3"
    done_callbacks_[op[1].get<std::string>()].push_back(target(op[1])->add_done_callback(
        [this, line](detsim::Future<int>& future) { done_log_.push_back(line + " " + state(future)); }));
  }

  void op_remove_done_callback(const json& op) {
    const std::vector<detsim::CallbackId>& added = done_callbacks_[op[1].get<std::string>()];
    const auto number = op[2].get<std::size_t>();
    const std::string prefix = words(op, 2) + " #" + op[2].dump();
    if (number >= added.size()) {
      note(prefix + ": none");
    } else {
      note(prefix + " -> " + std::to_string(target(op[1])->remove_done_callback(added[number])));
    }
  }

  void op_result(const json& op) {
    read(op, [](detsim::Future<int>& future) { return std::to_string(future.result()); });
  }

  void op_exception(const json& op) {
    read(op, [](detsim::Future<int>& future) {
      const auto error = future.exception();
      return error ? describe(error) : std::string("None");
    });
  }

  template <class F>
  void read(const json& op, F read) {
    try {
      note(words(op, 2) + " = " + read(*target(op[1])));
    } catch (...) {
      note(words(op, 2) + " raised " + describe(std::current_exception()));
    }
  }

  void op_state(const json& op) {
    const detsim::Future<int>& future = *target(op[1]);
    note(words(op, 2) + " done=" + python_bool(future.done()) + " cancelled=" + python_bool(future.cancelled()));
  }

  void op_create_task(const json& op) {
    if (target(op[1])) {
      note(words(op, 2) + ": already created");
    } else {
      (void)task(op[1]);
      note(words(op, 2));
    }
  }

  void op_call_soon(const json& op) { handles_[op[2].get<std::string>()] = loop_.call_soon(callback(op[1])); }

  void op_call_later(const json& op) {
    handles_[op[3].get<std::string>()] = loop_.call_later(milliseconds(op[1].get<int>()), callback(op[2]));
  }

  void op_call_at(const json& op) {
    handles_[op[3].get<std::string>()] = loop_.call_at(milliseconds(op[1].get<int>()), callback(op[2]));
  }

  std::function<void()> callback(const json& name) {
    return [this, name = name.get<std::string>()] {
      note(name);
      for (const json& op : program_["callbacks"][parse_reference(name).index]) run_op(op);
    };
  }

  void op_cancel_handle(const json& op) {
    const auto found = handles_.find(op[1].get<std::string>());
    if (found == handles_.end()) {
      note(words(op, 2) + ": none");
    } else {
      found->second.cancel();
      note(words(op, 2) + " -> " + python_bool(found->second.cancelled()));
    }
  }

  void op_stop(const json&) {
    loop_.stop();
    note("stop");
  }

  void op_throw(const json& op) {
    note(words(op, 2));
    throw UserError(op[1].get<std::string>());
  }

  // The primitives in the order random_programs.py lists them.
  std::vector<std::string> primitive_names() const {
    std::vector<std::string> names;
    const auto add = [&](char kind, std::size_t count) {
      for (std::size_t k = 0; k < count; ++k) {
        std::string name(1, kind);
        name += std::to_string(k);
        names.push_back(std::move(name));
      }
    };
    add('l', locks_.size());
    add('e', events_.size());
    add('s', semaphores_.size());
    add('q', queues_.size());
    add('n', conditions_.size());
    add('b', barriers_.size());
    return names;
  }

  aio::Lock& lock(const json& name) { return locks_.at(parse_reference(name).index); }
  aio::Event& event(const json& name) { return events_.at(parse_reference(name).index); }
  aio::Semaphore& semaphore(const json& name) { return *semaphores_.at(parse_reference(name).index); }
  AnyQueue& queue(const json& name) { return queues_.at(parse_reference(name).index); }
  aio::Condition& condition(const json& name) { return conditions_.at(parse_reference(name).index); }
  aio::Barrier& barrier(const json& name) { return barriers_.at(parse_reference(name).index); }

  // A primitive's op that does not suspend: its errors by class only.
  template <class F>
  void primitive_op(const json& op, F act) {
    const std::string what = words(op, op.size());
    try {
      note(what + act());
    } catch (const detsim::RuntimeError&) {
      note(what + " raised RuntimeError");
    } catch (const detsim::ValueError&) {
      note(what + " raised ValueError");
    } catch (const detsim::QueueFull&) {
      note(what + " raised QueueFull");
    } catch (const detsim::QueueEmpty&) {
      note(what + " raised QueueEmpty");
    }
  }

  void op_release(const json& op) {
    primitive_op(op, [&] { return lock(op[1]).release(), std::string(); });
  }
  void op_set_event(const json& op) {
    primitive_op(op, [&] { return event(op[1]).set(), std::string(); });
  }
  void op_clear_event(const json& op) {
    primitive_op(op, [&] { return event(op[1]).clear(), std::string(); });
  }
  void op_sem_release(const json& op) {
    primitive_op(op, [&] { return semaphore(op[1]).release(), std::string(); });
  }
  void op_put_nowait(const json& op) {
    primitive_op(op, [&] {
      return std::visit([&](auto& q) { q.put_nowait(op[2].get<int>()); }, queue(op[1])), std::string();
    });
  }
  void op_get_nowait(const json& op) {
    primitive_op(op, [&] {
      return " = " + std::to_string(std::visit([](auto& q) { return q.get_nowait(); }, queue(op[1])));
    });
  }
  void op_task_done(const json& op) {
    primitive_op(op, [&] { return std::visit([](auto& q) { q.task_done(); }, queue(op[1])), std::string(); });
  }
  void op_cond_release(const json& op) {
    primitive_op(op, [&] { return condition(op[1]).release(), std::string(); });
  }
  void op_notify(const json& op) {
    primitive_op(op, [&] { return condition(op[1]).notify(op[2].get<std::size_t>()), std::string(); });
  }
  void op_notify_all(const json& op) {
    primitive_op(op, [&] { return condition(op[1]).notify_all(), std::string(); });
  }
  void op_inspect(const json& op) { note(words(op, 2) + " " + inspect(op[1].get<std::string>())); }

  std::string inspect(const std::string& name) {
    switch (name[0]) {
      case 'l':
        return "locked=" + python_bool(lock(name).locked());
      case 'e':
        return "is_set=" + python_bool(event(name).is_set());
      case 's':
        return "locked=" + python_bool(semaphore(name).locked()) + " value=" + std::to_string(semaphore(name).value());
      case 'n':
        return "locked=" + python_bool(condition(name).locked());
      case 'b':
        return "n_waiting=" + std::to_string(barrier(name).n_waiting()) + " broken=" + python_bool(barrier(name).broken());
      default:
        return std::visit(
            [](const auto& q) {
              return "qsize=" + std::to_string(q.qsize()) + " empty=" + python_bool(q.empty()) +
                     " full=" + python_bool(q.full()) + " unfinished=" + std::to_string(q.unfinished_tasks());
            },
            queue(name));
    }
  }

  // A body's suspension on a primitive: what it got, as Python's str().
  detsim::Coroutine<std::string> wait_on_primitive(const json& op) {
    const auto name = op[0].get<std::string>();
    if (name == "acquire") co_return python_bool(co_await lock(op[1]).acquire());
    if (name == "wait_event") co_return python_bool(co_await event(op[1]).wait());
    if (name == "sem_acquire") co_return python_bool(co_await semaphore(op[1]).acquire());
    if (name == "put") {
      co_await std::visit([&](auto& q) { return q.put(op[2].get<int>()); }, queue(op[1]));
      co_return "None";
    }
    if (name == "get") co_return std::to_string(co_await std::visit([](auto& q) { return q.get(); }, queue(op[1])));
    if (name == "join") {
      co_await std::visit([](auto& q) { return q.join(); }, queue(op[1]));
      co_return "None";
    }
    co_return co_await wait_on_condition_or_barrier(op);
  }

  // As random_programs.py: a RuntimeError out of these (a wait without the
  // lock, BrokenBarrierError) becomes UserError(its class name).
  detsim::Coroutine<std::string> wait_on_condition_or_barrier(const json& op) {
    const auto name = op[0].get<std::string>();
    std::string broken;
    try {
      if (name == "cond_acquire") co_return python_bool(co_await condition(op[1]).acquire());
      if (name == "cond_wait") co_return python_bool(co_await condition(op[1]).wait());
      if (name == "barrier_wait") co_return std::to_string(co_await barrier(op[1]).wait());
      if (name == "barrier_abort") {
        co_await barrier(op[1]).abort();
      } else {
        co_await barrier(op[1]).reset();
      }
      co_return "None";
    } catch (const detsim::BrokenBarrierError&) {
      broken = "BrokenBarrierError";
    } catch (const detsim::RuntimeError&) {
      broken = "RuntimeError";
    }
    throw UserError(broken);
  }

  static bool is_primitive_wait(const std::string& name) {
    return name == "acquire" || name == "wait_event" || name == "sem_acquire" || name == "put" || name == "get" ||
           name == "join" || name == "cond_acquire" || name == "cond_wait" || name == "barrier_wait" ||
           name == "barrier_abort" || name == "barrier_reset";
  }

  detsim::Task<int> body(std::string who, const json& ops, detsim::Task<int>* self) {
    note(who + " start");
    for (const json& op : ops) {
      const auto name = op[0].get<std::string>();
      if (name == "return") {
        note(who + " " + words(op, 2));
        co_return op[1].get<int>();
      }
      if (name == "timeout") {
        co_await timeout_scope(who, op, self);
      } else if (name == "task_group") {
        co_await task_group_scope(who, op, self);
      } else {
        co_await body_op(who, op, self, nullptr);
      }
    }
    note(who + " end");
    co_return -1;
  }

  // An op of a body that is not return and opens no scope; `group`: the
  // TaskGroup whose scope it is in.
  detsim::Coroutine<void> body_op(const std::string& who, const json& op, detsim::Task<int>* self,
                                  aio::TaskGroup* group) {
    const auto name = op[0].get<std::string>();
    if (is_suspension(name)) {
      co_await suspend(who, op);
    } else if (name == "as_completed") {
      co_await as_completed(who, op);
    } else if (name == "group_create") {
      group_create(who, op, *group);
    } else {
      step(who, op, self);
    }
  }

  static bool is_combinator(const std::string& name) {
    return name == "gather" || name == "wait" || name == "wait_for" || name == "shield";
  }

  static bool is_suspension(const std::string& name) {
    return name == "yield" || name == "sleep" || name == "await" || is_primitive_wait(name) || is_combinator(name);
  }

  // A combinator's child: fK, tK (created if it was not) or a new task of cK.
  detsim::Future<int> child(const json& name) {
    const Reference reference = parse_reference(name);
    if (reference.kind != "c") return awaitable(name);
    detsim::Task<int>& slot = instances_.emplace_back();
    slot = loop_.create_task(body(name.get<std::string>(), program_["coroutines"][reference.index], &slot));
    return slot;
  }

  std::vector<detsim::Future<int>> children(const json& names) {
    std::vector<detsim::Future<int>> futures;
    for (const json& name : names) futures.push_back(child(name));
    return futures;
  }

  static std::optional<std::chrono::nanoseconds> timeout_of(const json& ms) {
    if (ms.is_null()) return std::nullopt;
    return milliseconds(ms.get<int>());
  }

  // What a combinator's await gives, as random_programs.py logs it.
  detsim::Coroutine<std::string> combinator(const json& op) {
    const auto name = op[0].get<std::string>();
    if (name == "gather") co_return co_await gather(op);
    if (name == "wait") co_return co_await wait(op);
    if (name == "wait_for") co_return std::to_string(co_await aio::wait_for(child(op[1]), timeout_of(op[2])));
    co_return std::to_string(co_await aio::shield(child(op[1])));
  }

  detsim::Coroutine<std::string> gather(const json& op) {
    std::string listed;
    const auto add = [&](const std::string& item) { listed += (listed.empty() ? "" : ", ") + item; };
    if (op[2].get<bool>()) {
      for (const auto& outcome : co_await aio::gather(aio::return_exceptions, children(op[1]))) {
        add(outcome.has_value() ? std::to_string(outcome.value()) : describe(outcome.exception()));
      }
    } else {
      for (const int value : co_await aio::gather(children(op[1]))) add(std::to_string(value));
    }
    co_return "[" + listed + "]";
  }

  detsim::Coroutine<std::string> wait(const json& op) {
    static const std::map<std::string, aio::ReturnWhen> return_when = {
        {"FIRST_COMPLETED", aio::FIRST_COMPLETED},
        {"FIRST_EXCEPTION", aio::FIRST_EXCEPTION},
        {"ALL_COMPLETED", aio::ALL_COMPLETED}};
    std::vector<detsim::Future<int>> futures = children(op[1]);
    // Each child once, by argument order, with its name.
    std::vector<std::pair<std::string, detsim::Future<int>>> unique;
    for (std::size_t i = 0; i < futures.size(); ++i) {
      if (std::find(futures.begin(), futures.begin() + static_cast<std::ptrdiff_t>(i), futures[i]) ==
          futures.begin() + static_cast<std::ptrdiff_t>(i)) {
        unique.emplace_back(op[1][i].get<std::string>(), futures[i]);
      }
    }
    const auto result = co_await aio::wait(std::move(futures), return_when.at(op[2].get<std::string>()), timeout_of(op[3]));
    const auto listed = [&](const std::vector<detsim::Future<int>>& which) {
      std::string names;
      for (const auto& [name, future] : unique) {
        if (std::find(which.begin(), which.end(), future) != which.end()) names += (names.empty() ? "" : " ") + name;
      }
      return names;
    };
    DETSIM_ASSERT(result.done.size() + result.pending.size() == unique.size());
    co_return "done=[" + listed(result.done) + "] pending=[" + listed(result.pending) + "]";
  }

  // As random_programs.py's as_completed: the children already done at the
  // call as one sorted list (asyncio yields them in its set's order), then
  // the others one by one, each with CATCH.
  detsim::Coroutine<void> as_completed(const std::string& who, const json& op) {
    const std::string what = who + " " + words(op, op.size() - 1);
    std::vector<detsim::Future<int>> futures = children(op[1]);
    std::vector<detsim::Future<int>> ready;
    for (const auto& future : futures) {
      if (future.done() && std::find(ready.begin(), ready.end(), future) == ready.end()) ready.push_back(future);
    }
    std::vector<detsim::Coroutine<int>> nexts = aio::as_completed(std::move(futures), timeout_of(op[2]));
    std::vector<std::string> outcomes;
    for (std::size_t i = 0; i < ready.size(); ++i) {  // none suspends: each is done
      try {
        outcomes.push_back(std::to_string(co_await std::move(nexts[i])));
      } catch (...) {
        outcomes.push_back(describe(std::current_exception()));
      }
    }
    std::sort(outcomes.begin(), outcomes.end());
    std::string listed;
    for (const auto& outcome : outcomes) listed += (listed.empty() ? "" : ", ") + outcome;
    note(what + " ready [" + listed + "]");
    for (std::size_t i = ready.size(); i < nexts.size(); ++i) {
      co_await caught(what + " #" + std::to_string(i), op.back(), as_string(std::move(nexts[i])));
    }
  }

  static detsim::Coroutine<std::string> as_string(detsim::Coroutine<int> next) {
    co_return std::to_string(co_await std::move(next));
  }

  detsim::Coroutine<void> task_group_scope(const std::string& who, const json& op, detsim::Task<int>* self) {
    std::exception_ptr error;
    try {
      co_await aio::task_group([&](aio::TaskGroup& group) -> detsim::Coroutine<void> {
        for (const json& name : op[1]) group_create(who, json::array({"group_create", name}), group);
        for (const json& inner : op[2]) co_await body_op(who, inner, self, &group);
      });
    } catch (...) {
      error = std::current_exception();
    }
    if (error) go_on_after(who + " task_group", op.back(), error);
    if (!error) note(who + " task_group done");
  }

  void group_create(const std::string& who, const json& op, aio::TaskGroup& group) {
    const Reference reference = parse_reference(op[1]);
    try {
      detsim::Task<int>& slot = instances_.emplace_back();
      slot = group.create_task(body(op[1].get<std::string>(), program_["coroutines"][reference.index], &slot));
      note(who + " " + words(op, 2));
    } catch (const detsim::RuntimeError&) {
      note(who + " " + words(op, 2) + " raised RuntimeError");  // by class, as random_programs.py
    }
  }

  // An op of a body that does not suspend and is not return.
  void step(const std::string& who, const json& op, detsim::Task<int>* self) {
    const auto name = op[0].get<std::string>();
    if (name == "raise") {
      note(who + " " + words(op, 2));
      throw UserError(op[1].get<std::string>());
    }
    if (name == "cancel_self") {
      note(who + " cancel_self -> " + python_bool(self->cancel()));
    } else {
      run_op(op);
    }
  }

  detsim::Coroutine<void> suspend(const std::string& who, const json& op) {
    co_await caught(who + " " + words(op, op.size() - 1), op.back(), suspension(op));
  }

  // What a suspension gives, as Python's str().
  detsim::Coroutine<std::string> suspension(const json& op) {
    const auto name = op[0].get<std::string>();
    if (name == "yield") {
      co_await detsim::yield();
    } else if (name == "sleep") {
      co_await detsim::sleep(milliseconds(op[1].get<int>()));
    } else if (is_primitive_wait(name)) {
      co_return co_await wait_on_primitive(op);
    } else if (is_combinator(name)) {
      co_return co_await combinator(op);
    } else {
      co_return std::to_string(co_await awaitable(op[1]));
    }
    co_return "None";
  }

  // Awaits `work` and logs what it got, or what it raised as CATCH says
  // (rethrown unless CATCH lets the body go on).
  detsim::Coroutine<void> caught(std::string what, const json& catch_mode, detsim::Coroutine<std::string> work) {
    std::string value;
    std::exception_ptr error;
    try {
      value = co_await std::move(work);
    } catch (...) {
      error = std::current_exception();
    }
    if (error) go_on_after(what, catch_mode, error);
    if (!error) note(what + " got " + value);
  }

  // `error` came out of a suspension or a scope: rethrown, or logged as
  // caught (and then rethrown if a CancelledError), as CATCH says.
  void go_on_after(const std::string& what, const json& catch_mode, const std::exception_ptr& error) {
    if (catch_mode == "none") std::rethrow_exception(error);
    note(what + " caught " + describe(error));
    if (catch_mode == "all_but_cancel" && is_cancellation(error)) std::rethrow_exception(error);
  }

  // The ops of a timeout scope: as random_programs.py's timeout_scope.
  detsim::Coroutine<void> timeout_scope(const std::string& who, const json& op, detsim::Task<int>* self) {
    const std::string what = who + " timeout " + op[1].dump();
    std::exception_ptr error;
    try {
      co_await aio::timeout(milliseconds(op[1].get<int>()), [&](aio::Timeout&) -> detsim::Coroutine<void> {
        for (const json& inner : op[2]) co_await body_op(who, inner, self, nullptr);
      });
    } catch (...) {
      error = std::current_exception();
    }
    if (error) go_on_after(what, op.back(), error);
    if (!error) note(what + " done");
  }

  const json& program_;
  std::vector<std::string> log_;
  std::vector<std::string> done_log_;
  detsim::EventLoop loop_;  // FifoScheduler: asyncio's order
  // The primitives (deques: they do not move), destroyed after the tasks
  // that wait on them.
  std::deque<aio::Lock> locks_;
  std::deque<aio::Event> events_;
  std::vector<std::unique_ptr<aio::Semaphore>> semaphores_;
  std::deque<AnyQueue> queues_;
  std::deque<aio::Condition> conditions_;
  std::deque<aio::Barrier> barriers_;
  std::vector<detsim::Future<int>> futures_;
  // Every task started, top-level or an awaited coroutine's; a deque, so
  // that the address a body gets as `self` stays valid.
  std::deque<detsim::Task<int>> instances_;
  std::vector<detsim::Task<int>*> tasks_;  // tK, null until created
  std::map<std::string, detsim::Handle> handles_;
  std::map<std::string, std::vector<detsim::CallbackId>> done_callbacks_;
};

}  // namespace

int main() {
  const json programs = json::parse(std::cin);
  json logs = json::array();
  for (const json& program : programs) logs.push_back(Interpreter(program).run());
  std::cout << logs.dump() << '\n';
}
