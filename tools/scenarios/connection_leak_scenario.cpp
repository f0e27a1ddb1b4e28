// connection-leak: wait_for times out just as the connection is made, and
// the pool's slot is never given back.
//
// Two clients each make two requests through a pool of two connections.
// Each request opens a connection under asyncio::wait_for with a 5 ms
// timeout; opening takes a pool slot, then a handshake of 3 to 5 ms (the
// network's jitter, drawn from the loop's random). A 5 ms handshake ends in
// the same virtual instant as the timeout, and which comes first is the
// scheduler's choice. When the timeout wins, wait_for cancels the opening
// in its handshake: the slot was taken by hand and nothing owns it yet, so it
// is never released, and the pool shrinks by one. The fix takes the slot as a
// guard (Semaphore::hold) that the connection then owns: cancelled or not,
// the slot goes back.
//
//   invariant: DETSIM_CHECK_EQ(pool.slots.value(), pool_size) at the end
#include <chrono>
#include <memory>
#include <utility>

#include <detsim/asyncio.hpp>
#include <detsim/base/check.hpp>

#include "scenarios/scenario_support.hpp"

namespace detsim::scenarios {
namespace {

using namespace std::chrono_literals;

constexpr int pool_size = 2;
constexpr auto connect_timeout = 5ms;

struct Pool {
  asyncio::Semaphore slots{pool_size, "connections"};
};

// An open connection, a shared handle (results pass through wait_for by
// copy): the last copy closed gives the pool slot back.
struct Connection {
  explicit Connection(asyncio::Held<asyncio::Semaphore> held)
      : slot(std::make_shared<asyncio::Held<asyncio::Semaphore>>(std::move(held))) {}
  std::shared_ptr<asyncio::Held<asyncio::Semaphore>> slot;
};

Coroutine<void> handshake() {
  const auto jitter_ms = static_cast<std::chrono::milliseconds::rep>(get_running_loop().random().in_range(3, 5));
  co_await sleep(std::chrono::milliseconds(jitter_ms));
}

// The bug: during the handshake the slot belongs to no one.
Task<Connection> open_racy(Pool& pool) {
  co_await pool.slots.acquire();
  co_await handshake();
  co_return Connection{asyncio::Held<asyncio::Semaphore>{pool.slots}};
}

// The fix: the guard owns the slot from the start, and a cancellation
// unwinding the handshake releases it.
Task<Connection> open_guarded(Pool& pool) {
  auto slot = co_await pool.slots.hold();
  co_await handshake();
  co_return Connection{std::move(slot)};
}

using Open = Task<Connection> (*)(Pool&);

Task<void> client(Pool& pool, Open open) {
  for (int request = 0; request < 2; ++request) {
    try {
      Connection connection = co_await asyncio::wait_for(open(pool), connect_timeout);
      co_await sleep(1ms);  // the query
    } catch (const asyncio::TimeoutError&) {
      // gave up on this request; the next one tries again
    }
  }
}

Task<void> two_clients(Pool& pool, Open open) {
  EventLoop& loop = get_running_loop();
  auto first = loop.create_task(client(pool, open), "client-1");
  auto second = loop.create_task(client(pool, open), "client-2");
  co_await asyncio::gather(std::move(first), std::move(second));
  DETSIM_CHECK_EQ(pool.slots.value(), pool_size);
}

void run_two_clients(EventLoop& loop, Open open) {
  Pool pool;
  run_scenario(loop, two_clients(pool, open));
}

}  // namespace

void register_connection_leak_scenarios() {
  register_bug_and_fix(
      "connection-leak",
      {"Two clients each make two requests through a pool of two connections, opening each under "
       "asyncio::wait_for with a 5 ms timeout; opening takes a slot, then a 3 to 5 ms handshake. When a "
       "5 ms handshake ties with the timeout and the timeout wins, the opening is cancelled in its "
       "handshake, holding a slot that nothing owns, and the slot is never returned. Invariant: every "
       "slot is back in the pool at the end.",
       [](EventLoop& loop) { run_two_clients(loop, &open_racy); }},
      {"connection-leak with the slot taken as a guard (Semaphore::hold) from the start, which the "
       "connection then owns: a cancelled opening releases it, so the pool is whole under every seed.",
       [](EventLoop& loop) { run_two_clients(loop, &open_guarded); }});
}

}  // namespace detsim::scenarios
