// detsim errors: the exceptions a caller can react to.
//
// Operating errors (misuse of the loop API, a cancelled future, a bad trace
// file) are exceptions derived from detsim::Error. Each carries a stable,
// greppable id that also opens its message, e.g.
//   "[detsim.loop.closed] Event loop is closed"
// so logs can be searched and tests can match on the id rather than on prose.
// The class names and messages follow asyncio's: a user who knows asyncio's
// RuntimeError, InvalidStateError and CancelledError knows these.
//
// Programmer errors inside detsim itself are assertions (detail/assert.hpp),
// not exceptions.
//
// Example:
//   try { loop.call_soon([] {}); }
//   catch (const detsim::RuntimeError& e) { assert(e.id() == "detsim.loop.closed"); }
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace detsim {

class Error : public std::runtime_error {
 public:
  Error(std::string_view id, std::string_view message);
  // The stable identifier, e.g. "detsim.loop.closed".
  const std::string& id() const noexcept { return id_; }
  // The message without the "[id] " prefix. (A NUL byte in the message
  // shows as \u0000: what() is read as a C string, which it would end.)
  std::string_view message() const noexcept;

 private:
  std::string id_;
};

// Misuse of the event loop: running a loop that runs, scheduling on a closed
// loop, closing a running loop, no running loop (asyncio: RuntimeError).
class RuntimeError : public Error {
 public:
  using Error::Error;
};

// A Future in the wrong state for the call: result() before done, set_result()
// after done (asyncio: InvalidStateError).
class InvalidStateError : public Error {
 public:
  using Error::Error;
};

// The future or task was cancelled. Thrown by result() of a cancelled future
// and into a task's coroutine at its await point by Task::cancel().
class CancelledError : public Error {
 public:
  explicit CancelledError(std::string_view cancel_message = {});
  // The message given to cancel(), empty if none.
  const std::string& cancel_message() const noexcept { return cancel_message_; }

 private:
  std::string cancel_message_;
};

// A future from another loop was passed to run_until_complete (asyncio raises
// ValueError for this).
class WrongLoopError : public Error {
 public:
  using Error::Error;
};

// Nothing is ready, no timer is pending, and the loop was asked to run until
// something happens: in virtual time that wait would never end.
class DeadlockError : public Error {
 public:
  using Error::Error;
};

// Two locks were taken in opposite orders by this run (A then B somewhere,
// B then A elsewhere): no deadlock happened, but a schedule exists where it
// would. Raised by the asyncio toolkit's lock-order graph
// (detsim/asyncio/lock_order.hpp), id "detsim.potential_deadlock"; the
// message names both pairs of acquisition sites.
class PotentialDeadlockError : public Error {
 public:
  using Error::Error;
};

// The run went past a limit set with EventLoop::set_limits (callbacks run or
// virtual time): a livelock, or a test that needs a larger budget.
class BudgetExceededError : public Error {
 public:
  using Error::Error;
};

// The asyncio toolkit's errors (detsim/asyncio/): each is a situation the
// caller reacts to on its own, as in asyncio.

// An argument out of its range where asyncio raises ValueError: a negative
// Semaphore value, a Barrier of no parties, a BoundedSemaphore released more
// often than acquired, Queue::task_done called more often than items were put.
class ValueError : public Error {
 public:
  using Error::Error;
};

// Queue::get_nowait on an empty queue (asyncio.QueueEmpty).
class QueueEmpty : public Error {
 public:
  using Error::Error;
};

// Queue::put_nowait on a full queue (asyncio.QueueFull).
class QueueFull : public Error {
 public:
  using Error::Error;
};

// A put on a queue that was shut down, or a get on one that was shut down and
// is empty (Python 3.13's asyncio.QueueShutDown; 3.11 has no shutdown).
class QueueShutDown : public Error {
 public:
  using Error::Error;
};

// A Barrier was aborted or reset while (or before) a task waited at it
// (asyncio.BrokenBarrierError, a RuntimeError there too).
class BrokenBarrierError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

// The what() of an exception, for messages: "(no exception)" for null,
// "(not a std::exception)" for other types.
std::string describe(const std::exception_ptr& exception);

}  // namespace detsim
