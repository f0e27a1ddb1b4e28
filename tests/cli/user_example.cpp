// A program of a user's own with the detsim command line (README, "Your own
// scenarios"): the part between the README markers is README's example,
// byte for byte (tests/run/check_readme_example.py keeps the two equal),
// compiled here and run by tests/cli/cli_test.py. The scenario after it is
// the CLI tests' own.
// ---- README: begin ----
#include <chrono>

#include <detsim/cli/main.hpp>

using namespace std::chrono_literals;

struct Account {
  int balance = 100;
};

// Check, then act: between the two, the other withdrawal may run.
detsim::Task<void> withdraw(Account& account, int amount) {
  co_await detsim::sleep(detsim::get_running_loop().random().below(3) * 1ms);  // the request's way in
  if (account.balance >= amount) {
    co_await detsim::sleep(1ms);  // the bank's ledger call
    account.balance -= amount;
  }
}

DETSIM_SCENARIO(double_withdrawal, "Two withdrawals of 60 race on an account of 100; the balance must not go negative.") {
  Account account;
  detsim::EventLoop& loop = detsim::get_running_loop();
  detsim::Task<void> first = loop.create_task(withdraw(account, 60), "first");
  detsim::Task<void> second = loop.create_task(withdraw(account, 60), "second");
  co_await first;
  co_await second;
  DETSIM_CHECK(account.balance >= 0);
}

int main(int argc, char** argv) { return detsim::main(argc, argv); }
// ---- README: end ----

#include <vector>

// auto-names: a seed-dependent number (0 to 3) of auto-named "noise" tasks,
// then two auto-named workers, so that the workers are Task-4 and Task-5
// under one seed and Task-6 and Task-7 under another: `detsim diff` must
// match them by creation site and report only the noise.
detsim::Task<void> noise() { co_await detsim::yield(); }

detsim::Task<void> auto_named_worker(int& done) {
  co_await detsim::yield();  // cli_test.py: the worker's site
  ++done;
}

DETSIM_SCENARIO(auto_names, "Auto-named tasks whose names shift with the seed (tests of `diff`).") {
  detsim::EventLoop& loop = detsim::get_running_loop();
  std::vector<detsim::Task<void>> tasks;
  const auto noisy = loop.random().below(4);
  for (std::uint64_t i = 0; i < noisy; ++i) tasks.push_back(loop.create_task(noise()));
  for (detsim::Task<void>& task : tasks) co_await task;
  int done = 0;
  detsim::Task<void> a = loop.create_task(auto_named_worker(done));
  detsim::Task<void> b = loop.create_task(auto_named_worker(done));
  co_await a;
  co_await b;
  DETSIM_CHECK_EQ(done, 2);
}
