// ticket-office: two planted bugs in one program, caught by two different
// invariants, so that the failing seeds fall into exactly two groups.
//
// Three buyers try to buy the last two seats of a show. A sale checks that a
// seat is left, charges the card (an await), takes the seat, then adds the
// price to the revenue ledger by reading the total, awaiting the ledger's
// write, and writing the total it read plus the price.
//   Bug 1, overselling: a buyer checking while another is charged sees the
//   same seat free; with three buyers, the seats go below zero.
//   Bug 2, a lost ledger update: two sales recording at once both read the
//   same total, and one price is lost.
// The fix runs each sale, check to ledger, under the office's lock.
//
//   invariants: DETSIM_CHECK(office.seats >= 0) as a seat is taken (bug 1);
//               DETSIM_CHECK(office.revenue == office.sold * price) at the
//               end (bug 2)
#include <utility>

#include <detsim/asyncio.hpp>
#include <detsim/base/check.hpp>

#include "scenarios/scenario_support.hpp"

namespace detsim::scenarios {
namespace {

constexpr int price = 50;

struct Office {
  int seats = 2;
  int sold = 0;
  int revenue = 0;
  asyncio::Lock lock{"office"};
};

Coroutine<void> charge_card() { co_await yield(); }
Coroutine<void> write_ledger() { co_await yield(); }

Coroutine<void> sell(Office& office) {
  if (office.seats == 0) {
    // The path a sale takes when the show is sold out: a sweep that never
    // got here never had a third buyer arrive after both seats went.
    DETSIM_REACHABLE("a buyer finds the show sold out");
    co_return;
  }
  co_await charge_card();
  --office.seats;
  DETSIM_CHECK(office.seats >= 0);
  ++office.sold;
  const int total = office.revenue;
  co_await write_ledger();
  office.revenue = total + price;
}

// The bugs: sales interleave at both awaits.
Task<void> buy_racy(Office& office) { co_await sell(office); }

// The fix: one sale at a time, from the check to the ledger.
Task<void> buy_locked(Office& office) {
  auto held = co_await office.lock.hold();
  co_await sell(office);
}

using Buy = Task<void> (*)(Office&);

Task<void> three_buyers(Office& office, Buy buy) {
  EventLoop& loop = get_running_loop();
  auto first = loop.create_task(buy(office), "buyer-1");
  auto second = loop.create_task(buy(office), "buyer-2");
  auto third = loop.create_task(buy(office), "buyer-3");
  co_await asyncio::gather(std::move(first), std::move(second), std::move(third));
  DETSIM_CHECK(office.revenue == office.sold * price);
}

void run_three_buyers(EventLoop& loop, Buy buy) {
  Office office;
  run_scenario(loop, three_buyers(office, buy));
}

}  // namespace

void register_ticket_office_scenarios() {
  register_bug_and_fix(
      "ticket-office",
      {"Three buyers try to buy the last two seats. A sale checks a seat is left, awaits the card "
       "charge, takes the seat, then adds the price to the revenue by read, await, write. Two bugs: "
       "a buyer checking during another's charge oversells (invariant: seats never below 0), and two "
       "sales recording at once lose a price (invariant: revenue equals sold times price).",
       [](EventLoop& loop) { run_three_buyers(loop, &buy_racy); }},
      {"ticket-office with each sale, from the seat check to the ledger write, under the office's "
       "asyncio::Lock: no overselling and no lost revenue under any seed.",
       [](EventLoop& loop) { run_three_buyers(loop, &buy_locked); }});
}

}  // namespace detsim::scenarios
