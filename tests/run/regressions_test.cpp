// The regression file (include/detsim/run/sweep.hpp) under parallel appends:
// sweeps in several processes share one file.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <detsim/run/sweep.hpp>

namespace {

namespace fs = std::filesystem;

constexpr int processes = 8;
constexpr std::uint64_t seeds_each = 60;

// Each child waits for the start (the pipe's write end closing, so all
// start together), appends the same shared seeds (every process finds them)
// and seeds of its own, interleaved, then exits; 0 if every append returned.
int append_in_child(const std::string& path, int child, int start_pipe) {
  char byte = 0;
  while (::read(start_pipe, &byte, 1) < 0) {
  }
  try {
    for (std::uint64_t i = 0; i < seeds_each; ++i) {
      detsim::append_regression(path, {"Shared.Case", i, "random"}, "failed in every process");
      detsim::append_regression(path, {"Own.Case", 1000 * static_cast<std::uint64_t>(child + 1) + i, "random"},
                                "failed in process " + std::to_string(child));
    }
    return 0;
  } catch (...) {
    return 1;
  }
}

int append_in_child_now(const std::string& path) {
  try {
    detsim::append_regression(path, {"Locked.Case", 7, "random"}, "");
    return 0;
  } catch (...) {
    return 1;
  }
}

// One round: `processes` children append at once to a new file.
void append_in_parallel_and_check(int round) {
  SCOPED_TRACE("round " + std::to_string(round));
  const fs::path path = fs::temp_directory_path() / ("detsim-regressions-parallel-" + std::to_string(::getpid()) + ".txt");
  fs::remove(path);
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  pid_t children[processes];
  for (int child = 0; child < processes; ++child) {
    children[child] = ::fork();
    ASSERT_GE(children[child], 0) << "fork failed";
    if (children[child] == 0) {
      ::close(start[1]);
      ::_exit(append_in_child(path.string(), child, start[0]));
    }
  }
  ::close(start[0]);
  ::close(start[1]);  // every child's read returns: go
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a child's append failed";
  }

  std::ifstream file(path);
  std::string line;
  int headers = 0;
  std::map<std::string, int> times_written;
  while (std::getline(file, line)) {
    if (line.starts_with("#")) {
      ++headers;
      continue;
    }
    ++times_written[line.substr(0, line.find(" #"))];
    EXPECT_NE(line.find(" # failed in"), std::string::npos) << "torn line: " << line;
  }
  EXPECT_EQ(headers, 1) << "the header is written once, by the first append";
  EXPECT_EQ(times_written.size(), seeds_each * (processes + 1)) << "every entry is there";
  for (const auto& [entry, times] : times_written) EXPECT_EQ(times, 1) << entry << " written " << times << " times";
  EXPECT_EQ(detsim::read_regressions(path.string(), "Shared.Case").size(), seeds_each);
  fs::remove(path);
}

// Without the lock, two processes that check for the same entry at once
// both write it; a round shows that about a third of the time here, so the
// test runs several.
TEST(RegressionFile, ParallelAppendsWriteEachEntryOnceAndWhole) {
  for (int round = 0; round < 10 && !::testing::Test::HasFailure(); ++round) append_in_parallel_and_check(round);
}

// The deterministic half of the check above: an append waits for another
// process's lock on the file (as a sweep in another process holds it while
// it checks and writes), and writes once the lock is released.
TEST(RegressionFile, AnAppendWaitsForAnotherProcesssLock) {
  const fs::path path = fs::temp_directory_path() / ("detsim-regressions-locked-" + std::to_string(::getpid()) + ".txt");
  fs::remove(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fd);  // the lock belongs to the open file, which the child shares: only the parent may hold it
    ::_exit(append_in_child_now(path.string()));
  }
  ::usleep(200'000);
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, WNOHANG), 0) << "the append did not wait for the lock";
  EXPECT_EQ(fs::file_size(path), 0u) << "nothing is written while another process holds the lock";
  ::close(fd);  // releases the lock
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(detsim::read_regressions(path.string(), "Locked.Case").size(), 1u);
  fs::remove(path);
}

TEST(RegressionFile, AnUnwritablePathIsAClearError) {
  try {
    detsim::append_regression("/proc/no-such-dir/regressions.txt", {"Case", 1, "random"}, "");
    FAIL() << "expected an error";
  } catch (const detsim::Error& error) {
    EXPECT_NE(std::string(error.what()).find("cannot append to the regression file /proc/no-such-dir/regressions.txt"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
