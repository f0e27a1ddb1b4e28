// account_bad: deposit and withdraw update a balance under a lock and flag
// that they ran; a checker asserts, if the deposit ran and the withdrawal
// did not, that the balance is x + y - z (it is x + y: the assertion is
// wrong exactly when the check falls between the two).
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::sctbench {

namespace {

struct Account {
  asyncio::Lock m{"m"};
  int x = 1;
  int y = 2;
  int z = 4;
  int balance = 1;
  bool deposit_done = false;
  bool withdraw_done = false;
};

Task<void> deposit(Account& s) {
  SCT_LOCK(s.m, "m");
  SCT_ACCESS("balance", write);
  s.balance = s.balance + s.y;
  SCT_ACCESS("deposit_done", write);
  s.deposit_done = true;
  SCT_UNLOCK(s.m, "m");
}

Task<void> withdraw(Account& s) {
  SCT_LOCK(s.m, "m");
  SCT_ACCESS("balance", write);
  s.balance = s.balance - s.z;
  SCT_ACCESS("withdraw_done", write);
  s.withdraw_done = true;
  SCT_UNLOCK(s.m, "m");
}

Task<void> check(Account& s) {
  SCT_LOCK(s.m, "m");
  SCT_ACCESS("deposit_done", read);
  const bool deposited = s.deposit_done;
  SCT_ACCESS("withdraw_done", read);
  const bool withdrawn = s.withdraw_done;
  SCT_ACCESS("balance", read);
  const int balance = s.balance;
  SCT_UNLOCK(s.m, "m");
  if (deposited && !withdrawn) DETSIM_CHECK_EQ(balance, s.x + s.y - s.z);
}

std::vector<Task<void>> spawn(void* state) {
  auto& s = *static_cast<Account*>(state);
  std::vector<Task<void>> tasks;
  tasks.push_back(get_running_loop().create_task(deposit(s)));
  tasks.push_back(get_running_loop().create_task(withdraw(s)));
  tasks.push_back(get_running_loop().create_task(check(s)));
  return tasks;
}

}  // namespace

Program account() {
  return Program([](EventLoop& loop) {
    Account state;
    run_all(loop, &spawn, &state);
  });
}

}  // namespace detsim::sctbench
