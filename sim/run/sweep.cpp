#include "detsim/run/sweep.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "base/decimal.hpp"
#include "detsim/base/options.hpp"

namespace detsim {

namespace {

// "<name> seed=<n> scheduler=<s>[ # message]"
std::optional<RegressionEntry> parse_entry(std::string_view line) {
  if (const std::size_t hash = line.find(" #"); hash != std::string_view::npos) line = line.substr(0, hash);
  const std::size_t seed_at = line.find(" seed=");
  const std::size_t scheduler_at = line.find(" scheduler=");
  if (seed_at == std::string_view::npos || scheduler_at == std::string_view::npos || scheduler_at < seed_at) return std::nullopt;
  const auto seed = detail::parse_decimal(line.substr(seed_at + 6, scheduler_at - seed_at - 6));
  if (!seed) return std::nullopt;
  std::string_view scheduler = line.substr(scheduler_at + 11);
  while (!scheduler.empty() && (scheduler.back() == ' ' || scheduler.back() == '\r')) scheduler.remove_suffix(1);
  return RegressionEntry{std::string(line.substr(0, seed_at)), *seed, std::string(scheduler)};
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::vector<RegressionEntry> read_regressions(const std::string& path, const std::string& name) {
  std::vector<RegressionEntry> entries;
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line.front() == '#') continue;
    if (auto entry = parse_entry(line); entry && entry->name == name) entries.push_back(std::move(*entry));
  }
  return entries;
}

namespace {

// Holds an exclusive flock on a file for its lifetime: sweeps in several
// processes (ctest -j, --jobs) append to one regression file, and the lock
// makes each append's check-then-write one step, so no entry is written
// twice and no line is torn.
class LockedFile {
 public:
  explicit LockedFile(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw Error("detsim.sweep.regressions", "cannot append to the regression file " + path + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw Error("detsim.sweep.regressions", "cannot lock the regression file " + path + ": " + std::strerror(errno));
      }
    }
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  ~LockedFile() { ::close(fd_); }  // closing releases the lock

  bool empty() const {
    struct stat status{};
    return ::fstat(fd_, &status) == 0 && status.st_size == 0;
  }
  // All of `text` at the end of the file, or Error.
  void append(const std::string& text, const std::string& path) {
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t count = ::write(fd_, text.data() + written, text.size() - written);
      if (count < 0 && errno == EINTR) continue;
      if (count <= 0) throw Error("detsim.sweep.regressions", "cannot append to the regression file " + path + ": " + std::strerror(errno));
      written += static_cast<std::size_t>(count);
    }
  }

 private:
  int fd_;
};

}  // namespace

void append_regression(const std::string& path, const RegressionEntry& entry, const std::string& message) {
  LockedFile file(path);
  // Read under the lock: another process may have just appended this entry.
  for (const RegressionEntry& known : read_regressions(path, entry.name)) {
    if (known.seed == entry.seed && known.scheduler == entry.scheduler) return;
  }
  std::string text;
  if (file.empty()) text += "# detsim regressions: seeds that failed once, re-run first on every run.\n";
  text += entry.name + " seed=" + std::to_string(entry.seed) + " scheduler=" + entry.scheduler;
  if (!message.empty()) text += " # " + first_line(message);
  text += "\n";
  file.append(text, path);  // one write: a reader never sees half a line
}

SweepResult sweep(const Program& program, SweepOptions options) {
  SimulationOptions simulation = std::move(options.simulation);
  simulation.name = options.name;
  bool seed_given = false;
  if (options.read_environment) {
    const Options settings = current_options();
    options.seeds = settings.seeds.value_or(options.seeds);
    options.first_seed = settings.first_seed.value_or(options.first_seed);
    options.regression_file = settings.regression_file.value_or(options.regression_file);
    seed_given = settings.seed.has_value();
    simulation = apply_environment(std::move(simulation), settings);
  }
  simulation.read_environment = false;
  simulation.keep_trace = false;  // a passing run's result is dropped: no need to decode its events
  SweepResult result;
  auto run = [&](std::uint64_t seed, const std::string& scheduler) {
    SimulationOptions one = simulation;
    one.seed = seed;
    one.scheduler = scheduler;
    ++result.runs;
    SimulationResult outcome = run_simulation(program, std::move(one));
    result.coverage.add(outcome);
    if (!outcome.ok()) result.failure = std::move(outcome);
    return !result.failure;
  };

  // One explicit case (DETSIM_SEED, DETSIM_REPLAY, DETSIM_SCHEDULE): run just it.
  const bool single = seed_given || !simulation.replay_path.empty() || !simulation.schedule.empty();
  const bool first_slice = !options.shard || options.shard->index == 0;
  if (single) {
    if (first_slice) run(simulation.seed, simulation.scheduler);
    return result;
  }
  if (options.shard) {
    const SeedRange slice = shard_of({options.first_seed, options.seeds}, *options.shard);
    options.first_seed = slice.first;
    options.seeds = slice.count;
  }
  if (!options.regression_file.empty() && first_slice) {
    for (const RegressionEntry& entry : read_regressions(options.regression_file, options.name)) {
      result.regression_seeds.push_back(entry.seed);
      if (!run(entry.seed, entry.scheduler)) return result;
    }
  }
  for (std::uint64_t i = 0; i < options.seeds; ++i) {
    if (!run(options.first_seed + i, simulation.scheduler)) break;
  }
  if (result.failure && !options.regression_file.empty()) {
    append_regression(options.regression_file, {options.name, result.failure->seed, result.failure->scheduler},
                      result.failure->message);
  }
  return result;
}

}  // namespace detsim
