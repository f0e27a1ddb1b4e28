// double-withdrawal: check-then-act across an await.
//
// Two ATMs withdraw 60 from one account holding 100. Each checks the
// balance, awaits the card network's approval, then debits. If the second
// ATM checks while the first waits for its approval, both see 100, both
// approve, and the account ends at -20. The fix holds the account's lock from
// the check to the debit, so the second ATM sees the balance after the first
// debit and declines.
//
//   invariant: DETSIM_CHECK(account.balance >= 0)
#include <utility>

#include <detsim/asyncio.hpp>
#include <detsim/base/check.hpp>

#include "scenarios/scenario_support.hpp"

namespace detsim::scenarios {
namespace {

struct Account {
  int balance = 100;
  asyncio::Lock lock{"account"};
};

Coroutine<void> approve_with_card_network() { co_await yield(); }

// The bug: the balance checked may no longer be the balance debited.
Task<void> withdraw_racy(Account& account, int amount) {
  if (account.balance < amount) co_return;  // declined
  co_await approve_with_card_network();
  account.balance -= amount;
}

// The fix: no other withdrawal runs between the check and the debit.
Task<void> withdraw_locked(Account& account, int amount) {
  auto held = co_await account.lock.hold();
  if (account.balance < amount) co_return;  // declined
  co_await approve_with_card_network();
  account.balance -= amount;
}

using Withdraw = Task<void> (*)(Account&, int);

Task<void> two_atms(Account& account, Withdraw withdraw) {
  EventLoop& loop = get_running_loop();
  auto atm_a = loop.create_task(withdraw(account, 60), "atm-a");
  auto atm_b = loop.create_task(withdraw(account, 60), "atm-b");
  co_await asyncio::gather(std::move(atm_a), std::move(atm_b));
  DETSIM_CHECK(account.balance >= 0);
}

void run_two_atms(EventLoop& loop, Withdraw withdraw) {
  Account account;
  run_scenario(loop, two_atms(account, withdraw));
}

}  // namespace

void register_double_withdrawal_scenarios() {
  register_bug_and_fix(
      "double-withdrawal",
      {"Two ATMs withdraw 60 from an account holding 100. Each checks the balance, awaits the card "
       "network's approval, then debits: when the second checks while the first awaits, both see 100 "
       "and both debit. Invariant: the balance never goes below 0.",
       [](EventLoop& loop) { run_two_atms(loop, &withdraw_racy); }},
      {"double-withdrawal with the account's asyncio::Lock held from the balance check to the debit: "
       "the second ATM sees the first debit and declines, under every seed.",
       [](EventLoop& loop) { run_two_atms(loop, &withdraw_locked); }});
}

}  // namespace detsim::scenarios
