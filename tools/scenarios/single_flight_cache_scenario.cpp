// single-flight-cache: a cache meant to load each key once lets two loaders
// run.
//
// Three requests for the same user arrive at once at a cache in front of a
// slow database. On a miss, a request that finds a load of the key in flight
// waits for it; otherwise it asks the shared (second-level) cache, an await,
// then registers its own load and runs it. A second request arriving during
// that await finds no load in flight either: both load. The fix registers
// the load before the first await, so checking for a load in flight and
// starting one are a single step; the second-level lookup moves inside it.
//
//   invariant: DETSIM_CHECK(!cache.loading.contains(key)) as a load starts:
//              at most one load per key at a time
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <detsim/asyncio.hpp>
#include <detsim/base/check.hpp>

#include "scenarios/scenario_support.hpp"

namespace detsim::scenarios {
namespace {

using namespace std::chrono_literals;

struct Flight {
  asyncio::Event landed{"load"};
  std::string value;
};

struct Cache {
  std::map<std::string, std::string> values;
  std::map<std::string, std::shared_ptr<Flight>> in_flight;
  std::set<std::string> loading;  // keys the database is loading now
};

Coroutine<void> miss_in_shared_cache() { co_await yield(); }

Coroutine<std::string> load_from_database(Cache& cache, const std::string& key) {
  DETSIM_CHECK(!cache.loading.contains(key));
  cache.loading.insert(key);
  co_await sleep(10ms);
  cache.loading.erase(key);
  co_return "profile of " + key;
}

Coroutine<std::string> fly(Cache& cache, const std::string& key, std::shared_ptr<Flight> flight) {
  flight->value = co_await load_from_database(cache, key);
  cache.values[key] = flight->value;
  cache.in_flight.erase(key);
  flight->landed.set();
  co_return flight->value;
}

// A hit, or a load in flight to wait for; null if the caller must load.
Coroutine<std::shared_ptr<Flight>> lookup(Cache& cache, const std::string& key) {
  if (auto flight = cache.in_flight.find(key); flight != cache.in_flight.end()) {
    std::shared_ptr<Flight> shared = flight->second;
    co_await shared->landed.wait();
    co_return shared;
  }
  co_return nullptr;
}

// The bug: an await between finding no load in flight and registering one.
Task<std::string> get_racy(Cache& cache, std::string key) {
  if (auto hit = cache.values.find(key); hit != cache.values.end()) co_return hit->second;
  if (auto landed = co_await lookup(cache, key)) co_return landed->value;
  co_await miss_in_shared_cache();
  auto flight = std::make_shared<Flight>();
  cache.in_flight[key] = flight;
  co_return co_await fly(cache, key, flight);
}

// The fix: the load is registered in the step that found none in flight.
Task<std::string> get_single_flight(Cache& cache, std::string key) {
  if (auto hit = cache.values.find(key); hit != cache.values.end()) co_return hit->second;
  if (auto landed = co_await lookup(cache, key)) co_return landed->value;
  auto flight = std::make_shared<Flight>();
  cache.in_flight[key] = flight;
  co_await miss_in_shared_cache();
  co_return co_await fly(cache, key, flight);
}

using Get = Task<std::string> (*)(Cache&, std::string);

Task<void> three_requests(Cache& cache, Get get) {
  EventLoop& loop = get_running_loop();
  auto first = loop.create_task(get(cache, "user:42"), "request-1");
  auto second = loop.create_task(get(cache, "user:42"), "request-2");
  auto third = loop.create_task(get(cache, "user:42"), "request-3");
  auto [a, b, c] = co_await asyncio::gather(std::move(first), std::move(second), std::move(third));
  DETSIM_CHECK(a == b && b == c);
}

void run_three_requests(EventLoop& loop, Get get) {
  Cache cache;
  run_scenario(loop, three_requests(cache, get));
}

}  // namespace

void register_single_flight_cache_scenarios() {
  register_bug_and_fix(
      "single-flight-cache",
      {"Three requests for one key arrive at a cache in front of a slow database. On a miss, a request "
       "waits for a load already in flight, or else awaits a second-level cache lookup and then "
       "registers and runs its own load; a request arriving during that await finds no load in flight "
       "either, and both load. Invariant: at most one load per key at a time.",
       [](EventLoop& loop) { run_three_requests(loop, &get_racy); }},
      {"single-flight-cache with the load registered in the same step that found none in flight, "
       "before any await: one load per key under every seed.",
       [](EventLoop& loop) { run_three_requests(loop, &get_single_flight); }});
}

}  // namespace detsim::scenarios
