// lock-order-deadlock: two locks taken in opposite orders.
//
// Two transfers run at once, alice -> bob and bob -> alice. Each locks its
// source account, reads the balance (an await), then locks its destination.
// When both take their first lock before either takes its second, each waits
// for the lock the other holds: a deadlock, which detsim reports as soon as
// the wait-for cycle closes (DeadlockError, naming both locks and holders).
// Under the other schedules the transfers do not overlap, but the loop's
// lock-order graph saw alice -> bob and bob -> alice and reports the
// potential deadlock (PotentialDeadlockError) anyway. The fix takes the two
// locks in one global order, by account id, whatever the direction.
//
//   caught by: DeadlockError ("detsim.loop.wait_cycle") or PotentialDeadlockError
//              ("detsim.potential_deadlock")
#include <string>
#include <utility>

#include <detsim/asyncio.hpp>
#include <detsim/base/check.hpp>

#include "scenarios/scenario_support.hpp"

namespace detsim::scenarios {
namespace {

struct LockedAccount {
  LockedAccount(int account_id, std::string name, int opening_balance)
      : id(account_id), lock(std::move(name)), balance(opening_balance) {}
  int id;
  asyncio::Lock lock;
  int balance;
};

Coroutine<int> read_balance(const LockedAccount& account) {
  co_await yield();  // a round trip to the ledger
  co_return account.balance;
}

// Moves `amount` from `from` to `to` under both accounts' locks, taking
// `first`'s lock (one of the two) before the balance is read.
Coroutine<void> transfer_locking(LockedAccount& first, LockedAccount& from, LockedAccount& to, int amount) {
  LockedAccount& second = &first == &from ? to : from;
  auto first_held = co_await first.lock.hold();
  const int available = co_await read_balance(from);
  auto second_held = co_await second.lock.hold();
  if (available < amount) co_return;
  from.balance -= amount;
  to.balance += amount;
}

// The bug: the order of the locks follows the direction of the transfer.
Task<void> transfer_source_first(LockedAccount& from, LockedAccount& to, int amount) {
  co_await transfer_locking(from, from, to, amount);
}

// The fix: every transfer locks the account with the lower id first.
Task<void> transfer_ordered(LockedAccount& from, LockedAccount& to, int amount) {
  co_await transfer_locking(from.id < to.id ? from : to, from, to, amount);
}

using Transfer = Task<void> (*)(LockedAccount&, LockedAccount&, int);

struct Bank {
  LockedAccount alice{1, "alice", 100};
  LockedAccount bob{2, "bob", 100};
};

Task<void> opposite_transfers(Bank& bank, Transfer transfer) {
  LockedAccount& alice = bank.alice;
  LockedAccount& bob = bank.bob;
  EventLoop& loop = get_running_loop();
  auto to_bob = loop.create_task(transfer(alice, bob, 30), "alice-to-bob");
  auto to_alice = loop.create_task(transfer(bob, alice, 50), "bob-to-alice");
  co_await asyncio::gather(std::move(to_bob), std::move(to_alice));
  DETSIM_CHECK_EQ(alice.balance + bob.balance, 200);
}

void run_opposite_transfers(EventLoop& loop, Transfer transfer) {
  Bank bank;
  run_scenario(loop, opposite_transfers(bank, transfer));
}

}  // namespace

void register_lock_order_deadlock_scenarios() {
  register_bug_and_fix(
      "lock-order-deadlock",
      {"Two transfers, alice -> bob and bob -> alice, each lock the source account, await its balance, "
       "then lock the destination. When both hold their first lock, each waits for the other's: a "
       "deadlock (DeadlockError). When they do not overlap, the lock-order graph still sees both "
       "orders and reports the potential deadlock (PotentialDeadlockError).",
       [](EventLoop& loop) { run_opposite_transfers(loop, &transfer_source_first); }},
      {"lock-order-deadlock with both transfers taking the account locks in one order, lower account "
       "id first: no deadlock and no lock-order inversion under any seed.",
       [](EventLoop& loop) { run_opposite_transfers(loop, &transfer_ordered); }});
}

}  // namespace detsim::scenarios
