// The core issue's contract program, unchanged: it must compile as written and
// its asserts must hold (built with assertions on in every preset).
#include <detsim/detsim.hpp>
#include <cassert>
#include <string>
#include <vector>
using namespace std::chrono_literals;

detsim::Task<int> child(int x) { co_await detsim::sleep(5ms); co_return x * 2; }

detsim::Task<int> parent(detsim::Future<int> ready) {
  int a = co_await child(21);   // a coroutine awaited by a Task becomes a Task of its own (seed)
  int b = co_await ready;       // a Future is awaitable
  co_await detsim::yield();     // one scheduling point, like asyncio.sleep(0)
  co_return a + b;
}

int main() {
  detsim::EventLoop loop{detsim::RandomScheduler{42}};   // default: detsim::FifoScheduler{}
  detsim::Future<int> ready = loop.create_future<int>(); // a cheap handle to shared state
  std::vector<std::string> log;
  ready.add_done_callback([&](auto& f) { log.push_back("done " + std::to_string(f.result())); });
  loop.call_later(10ms, [&] { ready.set_result(1); });
  auto task = loop.create_task(parent(ready), "parent");
  int r = loop.run_until_complete(task);
  assert(r == 43);
  assert(loop.now() == 10ms);            // virtual time since the loop started
  assert(log == std::vector<std::string>{"done 1"});
  ready.add_done_callback([&](auto&) { log.push_back("late"); });  // already done: fires now
  assert(log.back() == "late");
  loop.close();
  assert(loop.is_closed());
}
